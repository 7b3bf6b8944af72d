"""After signing: budget adjustments, reports with spending and receipts, milestones."""
from collections.abc import Iterable
from datetime import date

from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from core.calendar import today
from core.money import format_yuan
from projects import budget as budget_rules
from projects import dashboard_cells
from projects.edit_conflicts import Conflict
from projects.errors import EditConflict, ProjectError
from projects.lifecycle import SIGNED
from projects.models import (
    AdjustmentState,
    Attachment,
    BudgetAdjustment,
    BudgetLine,
    Category,
    Expenditure,
    Indicator,
    Milestone,
    Project,
    Report,
    ReportKind,
    ReportReview,
    Source,
)
from projects.notifications import notify_transition
from projects.services.audit import log_event
from projects.services.drafting import _amount, _budget_rows, _require_member, _text, locked_project, number
from projects.services.files import RECEIPT_TYPES, CheckedFile, check_file, display_name, kept_only_if_committed, store
from projects.states import State

REPORT_LABELS = {"progress": "进度报告", "midterm": "中期报告", "final": "结项报告"}


def request_budget_adjustment(*, actor, project_id: int, lines: list[dict], reason: str) -> BudgetAdjustment:
    """预算调整: the proposed budget must already satisfy every rule against the approved amount."""
    reason = _text({"reason": reason}, "reason")
    if not reason:
        raise ProjectError("请填写预算调整理由")
    with transaction.atomic():
        project = locked_project(project_id)
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
        event = log_event(project=project, actor=actor, action="adjustment_requested", comment=reason,
                          data={"adjustment": adjustment.pk})
        transaction.on_commit(lambda: notify_transition(event.pk))  # the officers hear of it
    return adjustment


def _line_dict(row: BudgetLine) -> dict:
    return {"category": row.category, "item": row.item, "unit_price": str(row.unit_price),
            "quantity": str(row.quantity), "amount": str(row.amount), "source": row.source,
            "explanation": row.explanation}


def decide_budget_adjustment(*, actor, adjustment_id: int, approve: bool, comment: str = "") -> BudgetAdjustment:
    """The officer's decision; the rules are checked again because the approved amount may have moved.
    The organization hears of it once the decision is committed."""
    if not actor.has_role(Role.OFFICER):
        raise ProjectError("只有项目管理员可以审核预算调整")
    comment = _text({"comment": comment}, "comment")
    with transaction.atomic():
        try:
            adjustment = BudgetAdjustment.objects.select_for_update().get(pk=int(adjustment_id))
        except (BudgetAdjustment.DoesNotExist, TypeError, ValueError, OverflowError):
            raise ProjectError("预算调整申请不存在") from None
        project = locked_project(adjustment.project_id)
        if adjustment.state != AdjustmentState.PENDING:
            raise ProjectError("该预算调整申请已审核")
        if approve:
            rows = _budget_rows(project, adjustment.proposed_lines)
            problems = budget_rules.problems(project.round, rows, project.approved_amount, basis="核定")
            if problems:
                raise ProjectError(problems)
            project.budget_lines.all().delete()
            BudgetLine.objects.bulk_create(rows)
        elif not comment:
            raise ProjectError("驳回预算调整须填写理由")
        adjustment.state = AdjustmentState.APPROVED if approve else AdjustmentState.REJECTED
        adjustment.decided_by = actor
        adjustment.decided_at = timezone.now()
        adjustment.decision_comment = comment
        adjustment.save()
        event = log_event(project=project, actor=actor,
                          action="adjustment_approved" if approve else "adjustment_rejected",
                          comment=comment, data={"adjustment": adjustment.pk})
        transaction.on_commit(lambda: notify_transition(event.pk))
    return adjustment


def _spending_rows(lines: dict[int, BudgetLine], expenditures: list[dict]) -> tuple[list[Expenditure], list[str]]:
    """Spending declared per budget line (category and source come from the line), or, for callers
    without lines, with its own category and source. Every row's problems at once."""
    rows, problems = [], []
    for position, e in enumerate(expenditures, start=1):
        errors = []
        raw_line, line = e.get("budget_line_id"), None
        if raw_line is not None and raw_line != "":
            try:
                line = lines.get(int(raw_line))
            except (TypeError, ValueError, OverflowError):
                line = None
            if line is None:
                errors.append("请选择对应的预算行")
            category, source = (line.category, line.source) if line else ("", "")
        elif "category" in e or "source" in e:
            category, source = _text(e, "category"), _text(e, "source")
            if category not in Category.values or source not in Source.values:
                errors.append("请选择预算科目和资金来源")
        else:
            category = source = ""
            errors.append("请选择对应的预算行")
        item = _text(e, "item") or (line.item if line else "支出")
        if len(item) > 200:
            errors.append("支出内容最多200字")
        amount = None
        try:
            amount = _amount(e, "amount")
            if amount <= 0:
                errors.append("金额必须大于0")
        except ValueError as exc:
            errors.append(str(exc))
        if errors or amount is None:
            problems.append(f"支出第{position}行：{'；'.join(errors)}")
        else:
            rows.append(Expenditure(category=category, item=item, amount=amount, source=source,
                                    budget_line=line))
    return rows, problems


def _receipts(project: Project, receipts: list, row_count: int) -> tuple[list[tuple[int, CheckedFile]], list[str]]:
    """Each receipt checked by its bytes, attached to an existing row, and used once only: the same
    file cannot back two spending rows, in this report, an earlier one, or another project of the
    round (one invoice claimed by two organizations)."""
    checked, problems = [], []
    seen = {}
    # A returned report's receipts no longer back counted spending: its resubmission may carry them again.
    for sha, name, pk, code in Attachment.objects.filter(
            project__round_id=project.round_id, kind="receipt", expenditure__isnull=False).exclude(
            expenditure__report__review_status=ReportReview.RETURNED).values_list(
            "sha256", "original_name", "project_id", "project__code"):
        seen.setdefault(sha, f"已报送的票据「{name}」" if pk == project.pk else f"本批次其他项目（{code}）已报送的票据")
    for entry in receipts:
        try:
            row, upload = entry
            row = int(row)
        except (TypeError, ValueError, OverflowError):
            problems.append("票据须对应一笔支出")
            continue
        name = display_name(upload)
        if not 1 <= row <= row_count:
            problems.append(f"票据「{name}」：请先填写对应的支出")
            continue
        try:
            receipt = check_file(upload, allowed=RECEIPT_TYPES)
        except ProjectError as exc:
            problems.append(f"支出第{row}行的票据「{name}」：{exc.message}")
            continue
        if receipt.sha256 in seen:
            problems.append(f"支出第{row}行的票据「{name}」与{seen[receipt.sha256]}内容相同：一张票据不能用于两笔支出")
            continue
        seen[receipt.sha256] = f"支出第{row}行的票据「{name}」"
        checked.append((row, receipt))
    return checked, problems


def _missing_receipts(threshold, rows: list[Expenditure], files: list[tuple[int, CheckedFile]]) -> list[str]:
    """Spending above the round's threshold is reported with its receipt (票据)."""
    backed = {position for position, _file in files}
    return [f"支出第{position}行「{row.item}」{format_yuan(row.amount)} 元超过 {format_yuan(threshold)} 元，须上传票据"
            for position, row in enumerate(rows, start=1) if row.amount > threshold and position not in backed]


def _achieved(project: Project, achieved: dict | None) -> tuple[list[Indicator], list[str]]:
    indicators = {i.pk: i for i in project.indicators.all()}
    changed, problems = [], []
    if achieved is not None and not isinstance(achieved, dict):
        return [], ["指标完成值格式不正确"]
    for key, value in (achieved or {}).items():
        try:
            indicator = indicators.get(int(key))
        except (TypeError, ValueError, OverflowError):
            indicator = None
        if indicator is None:
            problems.append("绩效指标不存在")
            continue
        if value is None or str(value).strip() == "":
            continue
        try:
            indicator.achieved = number(value, what=f"指标「{indicator.name}」的完成值")
        except ProjectError as exc:
            problems.append(exc.message)
            continue
        changed.append(indicator)
    return changed, problems


def submit_report(*, actor, project_id: int, kind: str, narrative: str, expenditures: list[dict],
                  achieved: dict[int, str] | None = None, receipts: Iterable[tuple[int, object]] = (),
                  resubmission_of: int | str | None = None, version: int | None = None) -> Report:
    """A progress, mid-term or final report with its spending rows, indicator values and receipts,
    all or nothing. `receipts` pairs each file with its spending row (1-based position in
    `expenditures`). Reported grant-paid spending, cumulated over every counted report, must respect
    the caps against the approved amount (labor rule point 4), and no new row may be a use the round
    forbids. `resubmission_of` names a report the officer returned: the new one replaces it (same kind)."""
    if resubmission_of is None and kind not in ReportKind.values:
        raise ProjectError("请选择报告类型")
    if not isinstance(expenditures, (list, tuple)) or not all(isinstance(e, dict) for e in expenditures):
        raise ProjectError("支出格式不正确")
    narrative = _text({"narrative": narrative}, "narrative")
    with kept_only_if_committed() as stored, transaction.atomic():
        project = locked_project(project_id)
        _require_member(actor, project.organization_id)
        if project.state not in SIGNED:
            raise ProjectError(f"项目当前状态为「{project.state_label}」，不能提交报告")
        if version is not None and version != project.edit_version:
            # A colleague (or another tab) submitted a report after this form was opened: the person
            # sees theirs next to their own before a second report goes in.
            latest = project.reports.first()
            theirs = f"{latest.get_kind_display()}（{latest.submitted_at:%Y-%m-%d %H:%M}）\n{latest.narrative}" if latest else ""
            raise EditConflict([Conflict(key="narrative", label="报告", theirs=theirs, yours=narrative)],
                               project.edit_version)
        replaced = _returned_report(project, resubmission_of) if resubmission_of is not None else None
        if replaced is not None:
            kind = replaced.kind
        new_rows, problems = _spending_rows({line.pk: line for line in project.budget_lines.all()}, list(expenditures))
        files, file_problems = _receipts(project, list(receipts or ()), len(expenditures))
        if len(new_rows) == len(expenditures):  # positions line up only when every row was read
            file_problems += _missing_receipts(project.round.receipts_required_above, new_rows, files)
        indicators, value_problems = _achieved(project, achieved)
        problems += file_problems + value_problems
        if problems:
            raise ProjectError(problems)
        forbidden = budget_rules.forbidden_spending_problems(project.round, new_rows)
        earlier = list(Expenditure.objects.counted().filter(report__project=project))
        over = budget_rules.labor_problems(project.round, earlier + new_rows, project.approved_amount)
        if forbidden or over:
            raise ProjectError(forbidden + [f"累计实际支出：{p}" for p in over])
        report = Report.objects.create(project=project, kind=kind, narrative=narrative, submitted_by=actor,
                                       resubmission_of=replaced)
        project.edit_version += 1
        project.save(update_fields=["edit_version", "updated_at"])
        for row in new_rows:
            row.report = report
            row.save()
        for position, receipt in files:
            store(receipt, stored=stored, project=project, kind="receipt", actor=actor,
                  expenditure=new_rows[position - 1])
        counted = dashboard_cells.counted(project)
        for indicator in indicators:
            indicator.save(update_fields=["achieved"])
        dashboard_cells.indicators_moved(project.round_id, counted, dashboard_cells.counted(project))
        # One action for a first and a corrected report, so whoever reacts to reports sees both.
        event = log_event(project=project, actor=actor, action="report",
                          comment=REPORT_LABELS[kind] + ("（退回后重新提交）" if replaced else ""),
                          data={"report": report.pk, "receipts": len(files),
                                "resubmission_of": replaced.pk if replaced else None})
        transaction.on_commit(lambda: notify_transition(event.pk))  # the officers hear of it
    return report


def _returned_report(project: Project, report_id) -> Report:
    try:
        returned = Report.objects.select_for_update().get(pk=int(report_id), project=project)
    except (Report.DoesNotExist, TypeError, ValueError, OverflowError):
        raise ProjectError("要重新提交的报告不存在") from None
    if returned.review_status != ReportReview.RETURNED:
        raise ProjectError(f"该{REPORT_LABELS[returned.kind]}未被退回，不需要重新提交")
    if Report.objects.filter(resubmission_of=returned).exists():
        raise ProjectError(f"该{REPORT_LABELS[returned.kind]}已重新提交")
    return returned


def revise_budget_for_approval(*, actor, project_id: int, lines: list[dict]) -> Project:
    """An approved amount below the request can break the budget (labor rule point 2): the organization
    revises it to fit the approved amount during 公示, before signing. Every rule is re-run against the
    approved amount; the old and new budgets are kept in the audit row."""
    with transaction.atomic():
        project = locked_project(project_id)
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


def complete_milestone(*, actor, project_id: int, milestone_id: int, completed_on: date | None = None) -> Milestone:
    """The organization reports a milestone done; reminders stop for it."""
    completed_on = completed_on or today()
    with transaction.atomic():
        project = locked_project(project_id)
        _require_member(actor, project.organization_id)
        if project.state not in SIGNED:
            raise ProjectError(f"项目当前状态为「{project.state_label}」，不能登记节点完成")
        try:
            milestone = project.milestones.select_for_update().get(pk=int(milestone_id))
        except (Milestone.DoesNotExist, TypeError, ValueError, OverflowError):
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
