"""公示 of a round for the public: no login; only what the notice publishes."""
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from accounts.ratelimit import rate_limit
from core import calendar
from documents.published import cached_pdf, open_published
from reviewers import selectors
from reviewers.resources import PublicityResource, xlsx_bytes
from reviewers.sheets import publicity_rows


def _notice(pk) -> dict:
    round = selectors.public_round(pk)
    projects = selectors.public_notice_projects(round)
    by_project: dict[int, list] = {}
    for a in selectors.submitted_for([p.pk for p in projects]):
        by_project.setdefault(a.project_id, []).append(a)
    today = calendar.today()
    rows = publicity_rows(projects, by_project, round.aggregation, today)
    return {"round": round, "rows": rows, "today": today,
            "start": min((p.publicity_start for p in projects), default=None),
            "end": max((p.publicity_end for p in projects), default=None)}


def publicity(request, round_id):
    return render(request, "reviewers/publicity.html", _notice(round_id))


def publicity_xlsx(request, round_id):
    notice = _notice(round_id)
    dataset = PublicityResource().export(notice["rows"])
    dataset.title = "公示名单"
    response = HttpResponse(xlsx_bytes(dataset), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="publicity-{notice["round"].code}.xlsx"'
    return response


@rate_limit("publicity_pdf", "20/m")
def publicity_pdf(request, round_id):
    """Anonymous and public: rendered once per content version (documents.published), never per request."""
    notice = _notice(round_id)
    notice["round_name"] = notice["round"].name
    html = render_to_string("reviewers/publicity_print.html", notice)
    stored = cached_pdf(f"publicity-{notice['round'].pk}", html)
    return FileResponse(open_published(stored), content_type="application/pdf", as_attachment=True,
                        filename=f"publicity-{notice['round'].code}.pdf")
