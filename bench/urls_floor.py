"""The project's URLs plus the benchmark floor: a bare Django view that renders a 200-row table from
one query, through the same middleware, server and database as the pages it is compared with.

Loaded only by bench/settings_floor.py (bench/pages.py's gunicorn); config.urls does not know it.
"""
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from config.urls import handler400  # noqa: F401 (handler400 is read from here)
from config.urls import urlpatterns as project_urls
from projects.models import Project

FLOOR_TEMPLATE = engines["django"].from_string(
    "<!doctype html><html><head><meta charset=utf-8><title>floor</title></head><body><table>"
    "<tr><th>code</th><th>title</th><th>state</th><th>requested</th></tr>"
    "{% for p in rows %}<tr><td>{{ p.code }}</td><td>{{ p.title }}</td><td>{{ p.state }}</td>"
    "<td>{{ p.requested_amount }}</td></tr>{% endfor %}</table></body></html>"
)


def floor(request):
    rows = list(Project.objects.order_by("pk").values("code", "title", "state", "requested_amount")[:200])
    return HttpResponse(FLOOR_TEMPLATE.render({"rows": rows}, request))


urlpatterns = [path("bench/floor", floor, name="bench_floor"), *project_urls]
