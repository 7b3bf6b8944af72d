"""Pages for the public (社会公众): no login, and only facts that are public by policy
(projects.open_data lists them); the open-data downloads carry the same facts."""
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from grants.models import GrantRound
from projects import open_data

PAGE = 100


def index(request):
    rounds = GrantRound.objects.filter(published_at__isnull=False).order_by("-year", "-apply_start").only(
        "name", "year", "apply_start", "apply_end", "pot")[:20]
    notices = [open_data.public_row(v) for v in open_data.public_values(states=open_data.NOTICE_STATES)[:PAGE]]
    funded = [open_data.public_row(v) for v in open_data.public_values(states=open_data.FUNDED_STATES)[:PAGE]]
    return render(request, "public/index.html", {"rounds": rounds, "notices": notices, "funded": funded})


def round_detail(request, pk: int):
    round = get_object_or_404(
        GrantRound.objects.only("name", "year", "description", "fund_source", "pot", "apply_start", "apply_end",
                                "min_amount", "max_amount", "period_months", "published_at"),
        pk=pk, published_at__isnull=False,
    )
    notices = open_data.public_rows(round_id=round.pk, states=open_data.NOTICE_STATES)
    page = Paginator(open_data.public_values(round_id=round.pk, states=open_data.FUNDED_STATES), PAGE).get_page(
        request.GET.get("page"))
    return render(request, "public/round.html", {
        "round": round, "notices": notices, "page": page, "documents": round.call_documents.all(), "funded": [open_data.public_row(v) for v in page],
    })


def download(request, fmt: str):
    """?round=<id> limits the download to one round."""
    round_id = request.GET.get("round")
    if round_id is not None and not round_id.isdigit():
        raise Http404
    rows = open_data.public_rows(round_id=int(round_id) if round_id else None)
    name = f"yichuang-projects{'-round-' + round_id if round_id else ''}"
    if fmt == "csv":
        response = HttpResponse(open_data.to_csv(rows).encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
    elif fmt == "json":
        response = HttpResponse(open_data.to_json(rows), content_type="application/json; charset=utf-8")
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response
