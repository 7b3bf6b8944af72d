"""The officer's review of a progress, mid-term or final report: accepted, or returned with a comment
so the organization submits a corrected one (projects.services.implementation.submit_report with
`resubmission_of`). Audited; the organization hears of it after commit."""
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from projects.errors import ProjectError
from projects.models import Report, ReportReview
from projects.notifications import notify_transition
from projects.services.audit import log_event
from projects.services.drafting import locked_project
from projects.services.implementation import REPORT_LABELS

MAX_COMMENT = 2000


def review_report(*, actor, report_id: int, accept: bool, comment: str = "") -> Report:
    """Accepts or returns one report that waits for review. Returning needs a comment: it is what the
    organization reads to correct the report."""
    if not actor.has_role(Role.OFFICER):
        raise ProjectError("只有项目管理员可以审核报告")
    comment = "" if comment is None else str(comment).strip()
    problems = []
    if not accept and not comment:
        problems.append("退回报告须填写退回理由")
    if len(comment) > MAX_COMMENT:
        problems.append(f"审核意见最多{MAX_COMMENT}字")
    if problems:
        raise ProjectError(problems)
    with transaction.atomic():
        try:
            project_id = Report.objects.values_list("project_id", flat=True).get(pk=int(report_id))
        except (Report.DoesNotExist, TypeError, ValueError, OverflowError):
            raise ProjectError("报告不存在") from None
        project = locked_project(project_id)  # the project first, as every project service locks
        report = Report.objects.select_for_update().get(pk=int(report_id))
        label = REPORT_LABELS[report.kind]
        if report.review_status != ReportReview.PENDING:
            raise ProjectError(f"该{label}已审核（{report.get_review_status_display()}）")
        report.review_status = ReportReview.ACCEPTED if accept else ReportReview.RETURNED
        report.reviewed_by = actor
        report.reviewed_at = timezone.now()
        report.review_comment = comment
        report.save(update_fields=["review_status", "reviewed_by", "reviewed_at", "review_comment"])
        event = log_event(project=project, actor=actor, action="report_accepted" if accept else "report_returned",
                          comment=f"{label}：{comment}" if comment else label, data={"report": report.pk, "kind": report.kind})
        transaction.on_commit(lambda: notify_transition(event.pk))
    return report
