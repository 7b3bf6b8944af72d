"""The officer's review of one report: spending per budget line against the approved budget and what
was paid, the receipts of every spending row, indicators against targets; accept or return."""
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.models import Role
from core.errors import DomainError
from finance.commitments import money_of
from projects import services
from projects.models import Expenditure, Report, ReportReview
from projects.selectors import get_project_for
from projects.views.applicant.common import show_errors
from projects.views.officer import _staff

ZERO = Decimal("0.00")


@dataclass
class LineRow:
    """One budget line (or the spending no current line holds) with this report's rows on it."""

    label: str
    source: str
    budgeted: Decimal | None
    earlier: Decimal = ZERO  # counted spending of other reports on this line
    rows: list[Expenditure] = field(default_factory=list)

    @property
    def in_report(self) -> Decimal:
        return sum((e.amount for e in self.rows), ZERO)

    @property
    def to_date(self) -> Decimal:
        return self.earlier + self.in_report

    @property
    def over(self) -> bool:
        return self.budgeted is not None and self.to_date > self.budgeted

    @property
    def left(self) -> Decimal | None:
        return None if self.budgeted is None else self.budgeted - self.to_date


def _report_for(user, report_id: int) -> Report:
    """The report, if the user may see its project (404 for missing and not-yours alike)."""
    report = Report.objects.filter(pk=report_id).only("project_id").first()
    if report is None:
        raise Http404
    project = get_project_for(user, report.project_id)
    report = (Report.objects.select_related("reviewed_by", "submitted_by", "resubmission_of")
              .prefetch_related("expenditures__receipts").get(pk=report_id))
    report.project = project
    return report


def spending_by_line(report: Report) -> list[LineRow]:
    """Budget lines in their order, each with this report's spending on it and the counted spending
    of the other reports; rows on no current line (removed by an adjustment, or declared by category)
    come last, so every row of the report is shown once."""
    project = report.project
    lines = {line.pk: LineRow(f"{line.get_category_display()}：{line.item}", line.get_source_display(), line.amount)
             for line in project.budget_lines.all()}
    loose: dict[str, LineRow] = {}
    others = (Expenditure.objects.counted().filter(report__project=project, budget_line__isnull=False)
              .exclude(report=report).values_list("budget_line_id", "amount"))
    for line_id, amount in others:
        if line_id in lines:
            lines[line_id].earlier += amount
    for row in report.expenditures.all():
        if row.budget_line_id in lines:
            lines[row.budget_line_id].rows.append(row)
        else:
            key = f"{row.category}/{row.source}"
            loose.setdefault(key, LineRow(_("%(category)s (outside the current budget)") % {
                "category": row.get_category_display()}, row.get_source_display(), None)).rows.append(row)
    return [*lines.values(), *loose.values()]


@login_required
def officer_report(request, report_id: int):
    _staff(request)
    report = _report_for(request.user, report_id)
    if request.method == "POST":
        if not request.user.has_role(Role.OFFICER):
            raise Http404
        try:
            services.review_report(actor=request.user, report_id=report.pk,
                                   accept=request.POST.get("decision") == "accept",
                                   comment=request.POST.get("comment", ""))
        except DomainError as exc:
            show_errors(request, exc)
            # The typed comment is shown again: nothing typed is lost.
            return _render(request, report, comment=request.POST.get("comment", ""))
        messages.success(request, _("The report review is recorded."))
        return redirect("projects:officer_report", report_id=report.pk)
    return _render(request, report)


def _render(request, report: Report, *, comment: str = ""):
    project = report.project
    rows = spending_by_line(report)
    return render(request, "officer/report.html", {
        "project": project, "report": report, "rows": rows,
        "total_in_report": sum((r.in_report for r in rows), ZERO),
        "money": money_of(project), "indicators": project.indicators.all(),
        "can_review": report.review_status == ReportReview.PENDING and request.user.has_role(Role.OFFICER),
        "comment": comment,
        "history": project.reports.exclude(pk=report.pk).order_by("-submitted_at", "-id"),
    })
