"""Pages for the public (社会公众): no login, and only facts that are public by policy
(projects.open_data lists them); the open-data downloads carry the same facts. A funded project's
page discloses its money as 福彩公益金 disclosure asks: granted and paid from the ledger (the one
money truth, finance.commitments), reported use and the unspent balance from the reports
(projects.selectors_monitoring.performance_of, as the monitoring pages), and its indicator results."""
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, render

from accounts.ratelimit import rate_limit
from core.money import format_yuan
from documents.published import open_published, ready
from finance.commitments import money_of
from grants.models import GrantRound
from projects import open_data, open_data_files, public_versions
from projects.models import Project
from projects.selectors_monitoring import performance_of

PAGE = 100
CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "json": "application/json; charset=utf-8"}


def _shown(row: dict) -> dict:
    """The open-data row plus the amount as people read it (thousands separators, 2 decimals)."""
    amount = row.get("approved_amount")
    return {**row, "amount": format_yuan(Decimal(amount)) if amount else ""}


def _rows(values) -> list[dict]:
    return [_shown(open_data.public_row(v)) for v in values]


def index(request):
    rounds = list(GrantRound.objects.filter(published_at__isnull=False).order_by("-year", "-apply_start").only(
        "name", "year", "apply_start", "apply_end", "pot")[:20])
    notice_rounds = set(Project.objects.filter(state__in=open_data.NOTICE_STATES, publicity_start__isnull=False,
                                               round_id__in=[r.pk for r in rounds])
                        .values_list("round_id", flat=True).distinct())
    # The first rows over every round are sorted from all public projects: built once per version.
    notices, funded = public_versions.cached(f"public-index:{public_versions.all_token()}", lambda: (
        _rows(open_data.public_values(states=open_data.NOTICE_STATES)[:PAGE]),
        _rows(open_data.public_values(states=open_data.FUNDED_STATES)[:PAGE])))
    return render(request, "public/index.html", {
        "rounds": rounds, "notice_rounds": notice_rounds, "notices": notices, "funded": funded,
        "issuer": settings.YICHUANG_FUNDER_NAME, "contact": settings.YICHUANG_PUBLICITY_CONTACT,
    })


def round_detail(request, pk: int):
    round = get_object_or_404(
        GrantRound.objects.only("name", "year", "description", "fund_source", "pot", "apply_start", "apply_end",
                                "min_amount", "max_amount", "period_months", "published_at"),
        pk=pk, published_at__isnull=False,
    )
    # The first rows of the notice; the 公示 page (reviewers:publicity) pages through all of it.
    notices = _rows(open_data.public_values(round_id=round.pk, states=open_data.NOTICE_STATES)[:PAGE])
    # Counted without the joins the rows need (the index on round and state alone), then one page read.
    count = Project.objects.filter(round=round, state__in=open_data.FUNDED_STATES).count()
    page = Paginator(range(count), PAGE).get_page(request.GET.get("page"))
    first = max(page.start_index() - 1, 0)
    funded = _rows(open_data.public_values(round_id=round.pk, states=open_data.FUNDED_STATES)[first:first + PAGE])
    return render(request, "public/round.html", {
        "round": round, "notices": notices, "page": page, "documents": round.call_documents.all(), "funded": funded,
    })


def project_detail(request, code: str):
    """A funded project (signed onwards); anything else is not public and answers 404."""
    project = (Project.objects.filter(code=code, state__in=open_data.FUNDED_STATES)
               .select_related("round", "organization").first())
    if project is None:
        raise Http404
    row = _shown(open_data.public_row(open_data.public_values(round_id=project.round_id,
                                                              states=[project.state]).get(pk=project.pk)))
    money = money_of(project)
    performance = performance_of(project)
    granted = money.approved - money.cancelled
    return render(request, "public/project.html", {
        "project": project, "row": row,
        "money": {
            "granted": format_yuan(granted), "paid": format_yuan(money.paid),
            "to_pay": format_yuan(money.outstanding), "spent": format_yuan(performance.spent_grant),
            "unspent": format_yuan(granted - performance.spent_grant),
            "recovered": format_yuan(money.repaid) if money.repaid else "",
            "execution_rate": performance.execution_rate,
        },
        "indicators": performance.indicators,
        "issuer": settings.YICHUANG_FUNDER_NAME, "contact": settings.YICHUANG_PUBLICITY_CONTACT,
    })


# What a script is told to wait before asking again while the file is being built.
PENDING_RETRY = 30


@rate_limit("public_page", str(settings.PUBLIC_PAGE_RATE), methods=("GET",))
def download(request, fmt: str):
    """?round=<id> limits the download to one round. Streams the file the background job stored
    (projects.open_data_files); this view never reads the rows. While there is none, or a change is announced
    and not yet built, a short Chinese page says so: 202 with Retry-After, so a script comes back."""
    round_id = request.GET.get("round")
    if round_id is not None and not round_id.isdecimal():
        raise Http404
    if fmt not in CONTENT_TYPES:
        raise Http404
    rid = None if round_id is None else int(round_id)
    name = open_data_files.download_name(rid, fmt)
    if rid is not None and not GrantRound.objects.filter(pk=rid).exists():
        # no such round: an empty file, as for a round with nothing public yet (nothing to read)
        response = HttpResponse(open_data_files.body(fmt, rid), content_type=CONTENT_TYPES[fmt])
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    record = ready(open_data_files.key(rid, fmt))
    if record is None:
        if open_data_files.never_built(rid):  # a round published before the files were stored
            open_data_files.refresh(rid)
        response = render(request, "public/open_data_pending.html", {"retry": PENDING_RETRY}, status=202)
        response["Retry-After"] = str(PENDING_RETRY)
        response["Cache-Control"] = "no-store"
        return response
    return FileResponse(open_published(record), content_type=CONTENT_TYPES[fmt], as_attachment=True, filename=name)
