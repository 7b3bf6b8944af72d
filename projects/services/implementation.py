"""After signing: budget adjustments, reports with spending, milestones, claw-back after failure."""
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm
from core.money import money
from grants.models import GrantRound, Organization
from grants.rules.budget import line_amount
from core.calendar import SHANGHAI, add_working_days, today
from projects import budget as budget_rules
from projects import guards
from projects.errors import ProjectError
from projects.models import BudgetLine, Evaluation, EvaluationKind, Indicator, Milestone, Project, ProjectEvent
from projects.notifications import notify_transition
from projects.permissions import is_member
from projects.states import EDITABLE, TRANSITIONS, State
from projects.services.audit import log_event
from projects.services.drafting import _budget_rows, _require_member


def request_budget_adjustment(*, actor, project_id: int, lines: list[dict], reason: str):
    """预算调整: the proposed budget must already satisfy every rule against the approved amount."""
    from projects.models import AdjustmentState, BudgetAdjustment
    from projects.states import SIGNED

    reason = (reason or "").strip()
    if not reason:
        raise ProjectError("请填写预算调整理由")
    with transaction.atomic():
        project = Project.objects.select_for_update().select_related("round").get(pk=project_id)
        _require_member(actor, project.organization_id)
        if project.state not in SIGNED:
            raise ProjectError(f"项目当前状态为「{project.state_label}」，签订协议后方可申请预算调整")
        if project.adjustments.filter(state=AdjustmentState.PENDING).exists():
            raise ProjectError("已有一项待审核的预算调整申请，请等待审核结果")
        rows = _budget_rows(project, lines)
        problems = budget_rules.problems(project.round, rows, project.approved_amount, basis="核定")
        if problems:
            raise ProjectError(problems)
        adjustment = BudgetAdjustment.objects.create(
            project=project, reason=reason, requested_by=actor,
            proposed_lines=[_line_dict(r) for r in rows],
        )
        log_event(project=project, actor=actor, action="adjustment_requested", comment=reason,
                  data={"adjustment": adjustment.pk})
    return adjustment


def _line_dict(row: BudgetLine) -> dict:
    return {"category": row.category, "item": row.item, "unit_price": str(row.unit_price),
            "quantity": str(row.quantity), "amount": str(row.amount), "source": row.source,
            "explanation": row.explanation}


def decide_budget_adjustment(*, actor, adjustment_id: int, approve: bool, comment: str = ""):
    """The officer's decision; the rules are checked again because the approved amount may have moved."""
    from accounts.models import Role
    from projects.models import AdjustmentState, BudgetAdjustment

    if not actor.has_role(Role.OFFICER):
        raise ProjectError("只有项目管理员可以审核预算调整")
    with transaction.atomic():
        adjustment = BudgetAdjustment.objects.select_for_update().get(pk=adjustment_id)
        project = Project.objects.select_for_update().select_related("round").get(pk=adjustment.project_id)
        if adjustment.state != AdjustmentState.PENDING:
            raise ProjectError("该预算调整申请已审核")
        if approve:
            rows = _budget_rows(project, adjustment.proposed_lines)
            problems = budget_rules.problems(project.round, rows, project.approved_amount, basis="核定")
            if problems:
                raise ProjectError(problems)
            project.budget_lines.all().delete()
            BudgetLine.objects.bulk_create(rows)
        elif not comment.strip():
            raise ProjectError("驳回预算调整须填写理由")
        adjustment.state = AdjustmentState.APPROVED if approve else AdjustmentState.REJECTED
        adjustment.decided_by = actor
        adjustment.decided_at = timezone.now()
        adjustment.decision_comment = comment.strip()
        adjustment.save()
        log_event(project=project, actor=actor, action="adjustment_approved" if approve else "adjustment_rejected",
                  comment=comment, data={"adjustment": adjustment.pk})
    return adjustment


def submit_report(*, actor, project_id: int, kind: str, narrative: str, expenditures: list[dict],
                  achieved: dict[int, str] | None = None):
    """A progress, mid-term or final report. Reported grant-paid spending, cumulated over every
    report, must respect the caps against the approved amount (labor rule point 4)."""
    from projects.models import Expenditure, Report, ReportKind
    from projects.states import SIGNED

    if kind not in ReportKind.values:
        raise ProjectError("请选择报告类型")
    with transaction.atomic():
        project = Project.objects.select_for_update().select_related("round").get(pk=project_id)
        _require_member(actor, project.organization_id)
        if project.state not in SIGNED:
            raise ProjectError(f"项目当前状态为「{project.state_label}」，不能提交报告")
        new_rows = []
        for position, e in enumerate(expenditures, start=1):
            try:
                amount = money(e.get("amount", ""))
            except ValueError as exc:
                raise ProjectError(f"支出第{position}行：{exc}") from None
            if amount <= 0:
                raise ProjectError(f"支出第{position}行：金额必须大于0")
            from projects.models import Category, Source

            if e.get("category") not in Category.values or e.get("source") not in Source.values:
                raise ProjectError(f"支出第{position}行：请选择预算科目和资金来源")
            new_rows.append(Expenditure(category=e["category"], item=str(e.get("item", "")).strip() or "支出",
                                        amount=amount, source=e["source"], budget_line_id=e.get("budget_line_id")))
        earlier = list(Expenditure.objects.filter(report__project=project))
        problems = budget_rules.labor_problems(project.round, earlier + new_rows, project.approved_amount)
        if problems:
            raise ProjectError([f"累计实际支出：{p}" for p in problems])
        report = Report.objects.create(project=project, kind=kind, narrative=narrative.strip(), submitted_by=actor)
        for row in new_rows:
            row.report = report
        Expenditure.objects.bulk_create(new_rows)
        for indicator_id, value in (achieved or {}).items():
            try:
                number = Decimal(str(value))
            except ArithmeticError:
                raise ProjectError("指标完成值必须是数字") from None
            project.indicators.filter(pk=indicator_id).update(achieved=number)
        log_event(project=project, actor=actor, action="report", comment={"progress": "进度报告", "midterm": "中期报告", "final": "结项报告"}[kind],
                  data={"report": report.pk})
    return report


def revise_budget_for_approval(*, actor, project_id: int, lines: list[dict]) -> Project:
    """An approved amount below the request can break the budget (labor rule point 2): the organization
    revises it to fit the approved amount during 公示, before signing. Every rule is re-run against the
    approved amount; the old and new budgets are kept in the audit row."""
    with transaction.atomic():
        project = Project.objects.select_for_update().select_related("round").get(pk=project_id)
        _require_member(actor, project.organization_id)
        if project.state not in (State.APPROVED, State.PUBLICITY):
            raise ProjectError(f"项目当前状态为「{project.state_label}」，只有拟资助或公示期间可以按核定金额修改预算")
        rows = _budget_rows(project, lines)
        problems = budget_rules.problems(project.round, rows, project.approved_amount, basis="核定")
        if problems:
            raise ProjectError(problems)
        before = [_line_dict(b) for b in project.budget_lines.all()]
        project.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(rows)
        log_event(project=project, actor=actor, action="budget_revised", comment="按核定资助金额修改预算",
                  data={"approved_amount": str(project.approved_amount), "before": before,
                        "after": [_line_dict(r) for r in rows]})
    return project


def claw_back_after_failure(*, actor, project_id: int, amount, reason: str):
    """A failed final evaluation terminates the project by itself; the officer then decides what
    the organization owes back (追回). Recorded once per project."""
    from accounts.models import Role
    from finance import services as finance
    from finance.models import Clawback

    amount = money(amount or "0")
    reason = (reason or "").strip()
    if not actor.has_role(Role.OFFICER):
        raise ProjectError("只有项目管理员可以登记追回金额")
    if amount <= 0 or not reason:
        raise ProjectError("请填写大于0的追回金额和追回理由")
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project_id)
        if project.state != State.TERMINATED:
            raise ProjectError(f"项目当前状态为「{project.state_label}」，只有已终止的项目可以登记追回")
        if Clawback.objects.filter(project=project).exists():
            raise ProjectError("该项目已登记追回金额，不能重复登记")
        clawback = finance.record_clawback(project=project, amount=amount, reason=reason, actor=actor)
        log_event(project=project, actor=actor, action="clawback", comment=reason, data={"clawback": str(amount)})
    return clawback


def complete_milestone(*, actor, project_id: int, milestone_id: int, completed_on: date | None = None):
    """The organization reports a milestone done; reminders stop for it."""
    from projects.states import SIGNED

    completed_on = completed_on or today()
    with transaction.atomic():
        project = Project.objects.select_for_update().get(pk=project_id)
        _require_member(actor, project.organization_id)
        if project.state not in SIGNED:
            raise ProjectError(f"项目当前状态为「{project.state_label}」，不能登记节点完成")
        try:
            milestone = project.milestones.select_for_update().get(pk=milestone_id)
        except Milestone.DoesNotExist:
            raise ProjectError("项目节点不存在") from None
        if milestone.completed_on:
            raise ProjectError(f"节点「{milestone.title}」已于 {milestone.completed_on:%Y-%m-%d} 登记完成")
        if completed_on > today():
            raise ProjectError("完成日期不能晚于今天")
        milestone.completed_on = completed_on
        milestone.save(update_fields=["completed_on"])
        log_event(project=project, actor=actor, action="milestone_done", comment=f"节点完成：{milestone.title}",
                  data={"milestone": milestone.pk})
    return milestone
