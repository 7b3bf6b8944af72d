"""The round-sized pages of the scale round, timed in-process through the Django test client (DEBUG off), cold and cached; bench/pages.py is the served table.

Run (after `manage.py seed_scale`):
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yc_scale .venv/bin/python bench/pages_inprocess.py
Prints, per page: the median of 5 requests with an empty cache ("cold": what the first reader after a
change waits), the median of 5 with the cache warm, the number of queries, and both as a ratio to the
floor measured in the same run: a bare 200-row table rendered from one query (the issue's floor), and
/healthz for reference."""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/yc_scale")
os.environ["DEBUG"] = "0"
os.environ.setdefault("PUBLIC_PAGE_RATE", "100000/m")  # the bench is one client asking many times
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ.setdefault("REQUIRE_SECOND_FACTOR", "0")  # staff log in with force_login here

import django  # noqa: E402

django.setup()

RUNS = 5


def main() -> None:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User
    from tools import scale_data

    round = scale_data.existing_round()
    if round is None:
        raise SystemExit("No scale round: run `manage.py seed_scale` on this database first.")
    prefix = scale_data.USER_PREFIX
    officer = User.objects.get(username=f"{prefix}officer")
    evaluator = User.objects.get(username=f"{prefix}evaluator")
    finance = User.objects.get(username=f"{prefix}finance-1")
    pages = [
        ("/healthz", None, "/healthz"),
        ("public 公示 list", None, f"/review/publicity/{round.pk}/"),
        ("public 公示 list, page 50", None, f"/review/publicity/{round.pk}/?page=50"),
        ("public round page", None, f"/public/rounds/{round.pk}/"),
        ("open data csv (round)", None, f"/public/open-data.csv?round={round.pk}"),
        ("open data json (round)", None, f"/public/open-data.json?round={round.pk}"),
        ("evaluation list (officer)", officer, "/monitoring/evaluations/"),
        ("evaluation list (evaluator)", evaluator, "/monitoring/evaluations/"),
        ("finance releasable tranches", finance, f"/finance/batches/new/?round={round.pk}"),
        ("monitoring dashboard", officer, f"/monitoring/rounds/{round.pk}/"),
        ("finance overview", finance, f"/finance/?round={round.pk}"),
    ]
    only = sys.argv[1:]

    from django.template import Context, Template

    from projects.models import Project
    table = Template("<table>{% for p in rows %}<tr><td>{{ p.code }}</td><td>{{ p.title }}</td>"
                     "<td>{{ p.organization__name }}</td><td>{{ p.state }}</td></tr>{% endfor %}</table>")

    def bare_table() -> float:
        t = time.perf_counter()
        rows = list(Project.objects.filter(round=round).order_by("code")
                    .values("code", "title", "organization__name", "state")[:200])
        table.render(Context({"rows": rows}))
        return time.perf_counter() - t

    bare_table()
    floor = statistics.median(bare_table() for _ in range(RUNS))
    print(f"floor: a bare 200-row table from one query: {floor:.4f} s (ratios below are to it)")
    print(f"{'page':34} {'cold s':>8} {'xfloor':>8} {'warm s':>8} {'xfloor':>8} {'queries':>7} {'status':>6}")
    for name, user, url in pages:
        if only and name != "/healthz" and not any(o in name for o in only):
            continue
        client = Client()
        if user is not None:
            client.force_login(user)
        client.get(url)  # warm-up: imports, templates, connection

        def timed(clear: bool, client=client, url=url) -> tuple[float, int, int]:
            if clear:
                cache.clear()
            with CaptureQueriesContext(connection) as queries:
                t = time.perf_counter()
                response = client.get(url)
                b"".join(response) if response.streaming else response.content
                elapsed = time.perf_counter() - t
            return elapsed, len(queries), response.status_code

        cold = [timed(True) for _ in range(RUNS)]
        warm = [timed(False) for _ in range(RUNS)]
        cold_s, warm_s = statistics.median(c[0] for c in cold), statistics.median(w[0] for w in warm)
        print(f"{name:34} {cold_s:8.3f} {cold_s / floor:8.1f} {warm_s:8.3f} {warm_s / floor:8.1f} "
              f"{cold[-1][1]:>7} {cold[-1][2]:>6}", flush=True)


if __name__ == "__main__":
    main()
