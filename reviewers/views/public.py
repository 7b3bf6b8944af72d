"""公示 of a round for the public: no login; only what the notice publishes, who publishes it and whom to
contact; and the online objection form."""
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render

from accounts.client import client_address
from accounts.ratelimit import rate_limit
from core import calendar
from documents.published import open_published, ready
from projects import public_versions
from reviewers import objection_services, publicity_documents, selectors
from reviewers.errors import ReviewError
from reviewers.objection_forms import ObjectionForm
from reviewers.panel_selectors import panel_facts
from reviewers.sheets import publicity_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PENDING_RETRY = 60  # seconds; a 10,000-row PDF takes well under a minute


PER_PAGE = 50


def _notice_page(round, today, first: int, last: int) -> list[dict]:
    """Rows `first`…`last` (1-based) of the notice: the page's projects, their reviews and panel facts."""
    # The page's ids first (from the index alone, however deep the page), then their rows.
    ids = list(selectors.public_notice_queryset(round).values_list("pk", flat=True)[first - 1:last])
    projects = list(selectors.public_notice_queryset(round).filter(pk__in=ids))
    by_project: dict[int, list] = {}
    for a in selectors.submitted_for([p.pk for p in projects]):
        by_project.setdefault(a.project_id, []).append(a)
    return publicity_rows(projects, by_project, round.aggregation, today,
                          extras=panel_facts(round, [p.pk for p in projects]), first=first)


@rate_limit("public_page", str(settings.PUBLIC_PAGE_RATE), methods=("GET",))
def publicity(request, round_id):
    """One page of the notice. The figures and each page are cached per round, day (the status of a row
    follows the date) and version token, which every change to the list renews (projects.public_versions)."""
    round = selectors.public_round(round_id)
    today = calendar.today()
    key = f"publicity:{round.pk}:{public_versions.token(round.pk)}:{today.isoformat()}"
    facts = public_versions.cached(key, lambda: selectors.public_notice_facts(round, today))
    page = Paginator(range(facts["count"]), PER_PAGE).get_page(request.GET.get("page"))
    rows = public_versions.cached(f"{key}:{page.number}", lambda: _notice_page(
        round, today, page.start_index(), page.end_index())) if facts["count"] else []
    return render(request, "reviewers/publicity.html", {
        "round": round, "rows": rows, "page": page, "today": today, "open_for_objection": facts["open"],
        "start": facts["start"], "end": facts["end"],
        "issuer": settings.YICHUANG_FUNDER_NAME, "contact": settings.YICHUANG_PUBLICITY_CONTACT})


@rate_limit("objection", str(settings.OBJECTION_RATE), methods=("POST",))
def objection(request, round_id):
    """Anyone may object online while a project is in notice; five objections an hour per address.
    Reads the projects open to objection only, not the whole notice."""
    round = selectors.public_round(round_id)
    notice: dict[str, Any] = {"round": round, "open_for_objection": selectors.open_for_objection(round, calendar.today()),
              "issuer": settings.YICHUANG_FUNDER_NAME, "contact": settings.YICHUANG_PUBLICITY_CONTACT}
    form = ObjectionForm(request.POST or None, request.FILES or None, projects=notice["open_for_objection"])
    filed = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            filed = objection_services.file_objection(
                actor=None, round_id=notice["round"].pk, project_id=data["project"], name=data["name"],
                phone=data["phone"], email=data["email"], reason=data["reason"], evidence=data.get("evidence"),
                ip_address=client_address(request))
        except ReviewError as exc:
            for problem in exc.errors:
                form.add_error(None, problem)
    return render(request, "reviewers/objection.html", {**notice, "form": form, "filed": filed})


def _stored(request, round_id, fmt: str, content_type: str):
    """Streams the stored file; never renders. While the job has not built it (or is building a newer
    one), a short page says so: 202 with Retry-After, so a script knows to come back."""
    round = selectors.public_round(round_id)
    record = ready(publicity_documents.key(round.pk, fmt))
    if record is None and not publicity_documents.has_notice(round.pk):
        raise Http404
    if record is None:
        response = render(request, "reviewers/publicity_pending.html", {"round": round, "retry": PENDING_RETRY},
                          status=202)
        response["Retry-After"] = str(PENDING_RETRY)
        response["Cache-Control"] = "no-store"
        return response
    return FileResponse(open_published(record), content_type=content_type, as_attachment=True,
                        filename=record.download_name or publicity_documents.download_name(round, fmt))


@rate_limit("public_page", str(settings.PUBLIC_PAGE_RATE), methods=("GET",))
def publicity_xlsx(request, round_id):
    """Anonymous and public: the file the background job stored (reviewers.publicity_documents)."""
    return _stored(request, round_id, "xlsx", XLSX)


@rate_limit("publicity_pdf", "20/m")
def publicity_pdf(request, round_id):
    """Anonymous and public: the file the background job stored; no request renders a PDF."""
    return _stored(request, round_id, "pdf", "application/pdf")
