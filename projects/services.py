"""Every write to a project goes through here: keyword-only, typed, with an actor, audited."""
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm

from finance.money import money
from grants.models import GrantRound, Organization
from grants.rules.budget import line_amount
from grants.rules.calendar import SHANGHAI, add_working_days
from projects import budget as budget_rules
from projects import guards
from projects.errors import ProjectError
from projects.models import BudgetLine, Evaluation, EvaluationKind, Indicator, Milestone, Project, ProjectEvent
from projects.notifications import notify_transition
from projects.permissions import is_member
from projects.states import EDITABLE, TRANSITIONS, State

Guard = Callable[[Project], list[str]]
Effect = Callable[[Project], None]

EDITABLE_FIELDS = {
    "title", "domain", "summary", "need_analysis", "target_group", "beneficiaries", "service_district",
    "service_street", "activity_plan", "team", "requested_amount", "government_funded",
}


def _today(now: datetime) -> date:
    return now.astimezone(SHANGHAI).date()


def log_event(
    *, project: Project, actor, action: str, comment: str = "", from_state: str = "", to_state: str = "",
    data: dict | None = None,
) -> ProjectEvent:
    return ProjectEvent.objects.create(
        project=project, actor=actor, action=action, comment=comment,
        from_state=from_state, to_state=to_state, data=data or {},
    )


def run_transition(
    *,
    project_id: int,
    name: str,
    actor,
    comment: str = "",
    guard: Guard | None = None,
    effect: Effect | None = None,
    system: bool = False,
    data: dict | None = None,
) -> Project:
    """Lock the row, check state, role and guards, change state, write the audit row: all or nothing.

    `system=True` is for transitions the system performs on someone's behalf (the last expert's
    submission finishing the review); the role check is skipped but the actor is still recorded.
    """
    spec = TRANSITIONS[name]
    comment = (comment or "").strip()
    with transaction.atomic():
        try:
            project = Project.objects.select_for_update().select_related("round", "organization").get(pk=project_id)
        except Project.DoesNotExist:
            raise ProjectError("项目不存在") from None
        method = getattr(project, name)
        if not can_proceed(method):
            raise ProjectError(f"项目当前状态为「{project.state_label}」，不能执行「{spec.label}」")
        if not system and not has_transition_perm(method, actor):
            raise ProjectError(f"您没有权限对该项目执行「{spec.label}」")
        if spec.comment_required and not comment:
            raise ProjectError(f"执行「{spec.label}」须填写理由或说明")
        if guard is not None:
            problems = guard(project)
            if problems:
                raise ProjectError(problems)
        from_state = project.state
        method()
        if effect is not None:
            effect(project)
        project.save()
        event = log_event(
            project=project, actor=actor, action=name, comment=comment,
            from_state=from_state, to_state=project.state, data=data,
        )
        transaction.on_commit(lambda: notify_transition(event.pk))
    return project


# ---------------------------------------------------------------- drafting

def _require_member(actor, organization_id: int) -> None:
    if not is_member(actor, organization_id):
        raise ProjectError("只有申报机构的成员可以编辑该项目")


def _editable(project_id: int, actor) -> Project:
    project = Project.objects.select_for_update().select_related("round").get(pk=project_id)
    _require_member(actor, project.organization_id)
    if project.state not in EDITABLE:
        raise ProjectError(f"项目当前状态为「{project.state_label}」，申报内容已冻结，不能修改")
    return project


def create_project(*, actor, round: GrantRound, organization: Organization, title: str, **fields) -> Project:
    _require_member(actor, organization.pk)
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ProjectError(f"不能设置这些字段：{', '.join(sorted(unknown))}")
    with transaction.atomic():
        project = Project(round=round, organization=organization, title=title.strip(), created_by=actor)
        for key, value in fields.items():
            setattr(project, key, money(value) if key == "requested_amount" else value)
        project.save()
        project.code = f"{round.code}-{project.pk:05d}"
        project.save(update_fields=["code"])
        log_event(project=project, actor=actor, action="create", to_state=project.state)
    return project


def update_project(*, actor, project_id: int, **fields) -> Project:
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise ProjectError(f"不能修改这些字段：{', '.join(sorted(unknown))}")
    with transaction.atomic():
        project = _editable(project_id, actor)
        for key, value in fields.items():
            setattr(project, key, money(value) if key == "requested_amount" else value)
        project.save()
    return project


def _budget_rows(project: Project, lines: Iterable[dict]) -> list[BudgetLine]:
    rows = []
    for position, line in enumerate(lines, start=1):
        try:
            unit_price = money(line.get("unit_price", ""))
            quantity = Decimal(str(line.get("quantity", "")).strip() or "x")
        except (ValueError, ArithmeticError) as exc:
            raise ProjectError(f"预算第{position}行：{exc if isinstance(exc, ValueError) else '数量格式不正确'}") from None
        if quantity <= 0 or quantity != quantity.quantize(Decimal("0.01")):
            raise ProjectError(f"预算第{position}行：数量必须大于0，最多两位小数")
        item = str(line.get("item", "")).strip()
        if not item:
            raise ProjectError(f"预算第{position}行：请填写支出项目")
        rows.append(
            BudgetLine(
                project=project, position=position, category=line.get("category", ""), item=item,
                unit_price=unit_price, quantity=quantity, amount=line_amount(unit_price, quantity),
                source=line.get("source", "grant"), explanation=str(line.get("explanation", "")).strip(),
            )
        )
    from projects.models import Category, Source

    for position, row in enumerate(rows, start=1):
        if row.category not in Category.values:
            raise ProjectError(f"预算第{position}行：请选择预算科目")
        if row.source not in Source.values:
            raise ProjectError(f"预算第{position}行：请选择资金来源（资助资金或配套资金）")
    return rows


def replace_budget(*, actor, project_id: int, lines: list[dict], sync_requested: bool = True) -> Project:
    """Saves the draft budget as given. Caps are reported at submission, not here, so a half-done
    budget is never lost; the grant-paid total becomes the requested amount."""
    with transaction.atomic():
        project = _editable(project_id, actor)
        rows = _budget_rows(project, lines)
        project.budget_lines.all().delete()
        BudgetLine.objects.bulk_create(rows)
        if sync_requested:
            project.requested_amount = sum((r.amount for r in rows if r.source == "grant"), Decimal("0.00"))
            project.save(update_fields=["requested_amount", "updated_at"])
    return project


def replace_milestones(*, actor, project_id: int, milestones: list[dict]) -> Project:
    with transaction.atomic():
        project = _editable(project_id, actor)
        project.milestones.all().delete()
        Milestone.objects.bulk_create(
            Milestone(project=project, title=m["title"], due_date=m["due_date"], deliverable=m.get("deliverable", ""))
            for m in milestones
        )
    return project


def replace_indicators(*, actor, project_id: int, indicators: list[dict]) -> Project:
    with transaction.atomic():
        project = _editable(project_id, actor)
        project.indicators.all().delete()
        Indicator.objects.bulk_create(
            Indicator(project=project, name=i["name"], unit=i["unit"], target=Decimal(str(i["target"])))
            for i in indicators
        )
    return project


# ---------------------------------------------------------------- application and eligibility

def snapshot(project: Project) -> dict:
    """What was submitted, kept in the audit row so revisions can be compared later."""
    fields = {f: str(getattr(project, f)) for f in sorted(EDITABLE_FIELDS)}
    fields["budget"] = [
        {"category": b.category, "item": b.item, "unit_price": str(b.unit_price), "quantity": str(b.quantity),
         "amount": str(b.amount), "source": b.source, "explanation": b.explanation}
        for b in project.budget_lines.all()
    ]
    fields["milestones"] = [
        {"title": m.title, "due_date": m.due_date.isoformat(), "deliverable": m.deliverable}
        for m in project.milestones.all()
    ]
    fields["indicators"] = [{"name": i.name, "unit": i.unit, "target": str(i.target)} for i in project.indicators.all()]
    return fields


def submit_project(*, actor, project_id: int, now: datetime | None = None) -> Project:
    now = now or timezone.now()
    data: dict = {}

    def effect(p: Project) -> None:
        if p.submitted_at is not None:
            p.version += 1
        p.submitted_at = now
        data.update(version=p.version, snapshot=snapshot(p))

    return run_transition(
        project_id=project_id, name="submit", actor=actor,
        guard=lambda p: guards.submission(p, now), effect=effect, data=data,
    )


def withdraw_project(*, actor, project_id: int, reason: str) -> Project:
    return run_transition(project_id=project_id, name="withdraw", actor=actor, comment=reason)


def return_for_revision(*, actor, project_id: int, comment: str) -> Project:
    return run_transition(project_id=project_id, name="return_for_revision", actor=actor, comment=comment)


def mark_ineligible(*, actor, project_id: int, comment: str) -> Project:
    return run_transition(project_id=project_id, name="mark_ineligible", actor=actor, comment=comment)


def accept_for_review(*, actor, project_id: int, comment: str = "", now: datetime | None = None) -> Project:
    today = _today(now or timezone.now())

    def guard(p: Project) -> list[str]:
        from grants.selectors import eligibility_reasons_for

        return eligibility_reasons_for(p.organization, p.round, today=today, project=p)

    return run_transition(project_id=project_id, name="accept_for_review", actor=actor, comment=comment, guard=guard)


def finish_review(*, actor, project_id: int, system: bool = False) -> Project:
    comment = "全部评审意见已提交，系统自动流转" if system else ""
    return run_transition(
        project_id=project_id, name="finish_review", actor=actor, guard=guards.review_finished,
        system=system, comment=comment,
    )


# ---------------------------------------------------------------- decision and 公示

def approve_project(*, actor, project_id: int, approved_amount, comment: str = "", now: datetime | None = None) -> Project:
    amount = money(approved_amount)
    now = now or timezone.now()

    def effect(p: Project) -> None:
        p.approved_amount = amount
        p.decided_at = now

    project = run_transition(
        project_id=project_id, name="approve", actor=actor, comment=comment,
        guard=lambda p: guards.decision(p, amount), effect=effect, data={"approved_amount": str(amount)},
    )
    return project


def waitlist_project(*, actor, project_id: int, comment: str = "") -> Project:
    return run_transition(project_id=project_id, name="waitlist", actor=actor, comment=comment)


def reject_project(*, actor, project_id: int, comment: str = "") -> Project:
    def effect(p: Project) -> None:
        p.decided_at = timezone.now()

    return run_transition(project_id=project_id, name="reject", actor=actor, comment=comment, effect=effect)


def _clear_decision(p: Project) -> None:
    p.approved_amount = None
    p.decided_at = None
    p.publicity_start = p.publicity_end = None


def reopen_decision(*, actor, project_id: int, comment: str) -> Project:
    return run_transition(project_id=project_id, name="reopen_decision", actor=actor, comment=comment, effect=_clear_decision)


def publish_project(*, actor, project_id: int, now: datetime | None = None) -> Project:
    today = _today(now or timezone.now())

    def effect(p: Project) -> None:
        p.publicity_start = today
        p.publicity_end = add_working_days(today, p.round.publicity_days)

    return run_transition(project_id=project_id, name="publish", actor=actor, effect=effect)


def raise_objection(*, actor, project_id: int, comment: str) -> Project:
    return run_transition(project_id=project_id, name="raise_objection", actor=actor, comment=comment)


def dismiss_objection(*, actor, project_id: int, comment: str) -> Project:
    return run_transition(project_id=project_id, name="dismiss_objection", actor=actor, comment=comment)


def uphold_objection(*, actor, project_id: int, comment: str) -> Project:
    return run_transition(project_id=project_id, name="uphold_objection", actor=actor, comment=comment, effect=_clear_decision)


# ---------------------------------------------------------------- agreement and implementation

def sign_agreement(
    *, actor, project_id: int, signer_name: str, ip: str | None = None, now: datetime | None = None
) -> Project:
    from finance import services as finance

    now = now or timezone.now()
    signer_name = (signer_name or "").strip()
    if not signer_name:
        raise ProjectError("请输入签署人姓名以确认协议")

    def effect(p: Project) -> None:
        p.signed_at = now
        p.signed_by_name = signer_name
        p.signed_ip = ip
        finance.create_tranches(project=p, actor=actor)
        finance.release_tranches(project=p, trigger="signing", actor=actor)

    return run_transition(
        project_id=project_id, name="sign", actor=actor, guard=lambda p: guards.signing(p, _today(now)),
        effect=effect, data={"signer_name": signer_name, "ip": ip},
    )


def start_project(*, actor, project_id: int, system: bool = False) -> Project:
    return run_transition(
        project_id=project_id, name="start", actor=actor, guard=guards.first_tranche_paid, system=system,
        comment="首期资金已到账，系统自动流转" if system else "",
    )


def begin_midterm(*, actor, project_id: int) -> Project:
    def guard(p: Project) -> list[str]:
        return ["中期评估已合格，不需要再次评估"] if p.midterm_passed else []

    return run_transition(project_id=project_id, name="begin_midterm", actor=actor, guard=guard)


def begin_final(*, actor, project_id: int) -> Project:
    return run_transition(project_id=project_id, name="begin_final", actor=actor, guard=guards.final_may_begin)


def record_evaluation(*, actor, project_id: int, kind: str, scores: dict, comment: str = "") -> Evaluation:
    """Stores a mid-term or final evaluation and applies its consequence in one transaction."""
    from projects.evaluation import grade_for, score_problems, total_of

    spec_name = "pass_midterm" if kind == EvaluationKind.MIDTERM else "complete"
    with transaction.atomic():
        project = Project.objects.select_for_update().select_related("round").get(pk=project_id)
        expected = State.MIDTERM_REVIEW if kind == EvaluationKind.MIDTERM else State.FINAL_REVIEW
        if project.state != expected:
            raise ProjectError(f"项目当前状态为「{project.state_label}」，不能提交{EvaluationKind(kind).label}")
        if not has_transition_perm(getattr(project, spec_name), actor):
            raise ProjectError("您没有权限提交该评估")
        rubric = project.round.midterm_rubric if kind == EvaluationKind.MIDTERM else project.round.final_rubric
        problems = score_problems(rubric, scores)
        if problems:
            raise ProjectError(problems)
        total = total_of(rubric, scores)
        if kind == EvaluationKind.MIDTERM:
            passed, grade = total >= project.round.midterm_pass_mark, ""
        else:
            grade = grade_for(total, project.round.grade_thresholds)
            passed = grade != "不合格"
        if not passed and not comment.strip():
            raise ProjectError("评估不合格时须填写评估意见")
        evaluation = Evaluation.objects.create(
            project=project, kind=kind, evaluator=actor, scores={k: str(v) for k, v in scores.items()},
            total=total, grade=grade, passed=passed, comment=comment.strip(),
        )
        if kind == EvaluationKind.MIDTERM:
            conclude_midterm(actor=actor, project_id=project.pk, comment=comment)
        else:
            conclude_final(actor=actor, project_id=project.pk, comment=comment)
    return evaluation


def conclude_midterm(*, actor, project_id: int, comment: str = "") -> Project:
    from finance import services as finance

    project = Project.objects.get(pk=project_id)
    ev = guards.latest_evaluation(project, EvaluationKind.MIDTERM)
    if ev is not None and ev.passed:
        def passed(p: Project) -> None:
            p.midterm_passed = True
            finance.release_tranches(project=p, trigger="midterm_passed", actor=actor)

        return run_transition(
            project_id=project_id, name="pass_midterm", actor=actor, comment=comment or f"中期评估 {ev.total} 分",
            guard=lambda p: guards.evaluation_outcome(p, EvaluationKind.MIDTERM, passed=True), effect=passed,
        )

    def failed(p: Project) -> None:
        finance.withhold_tranches(project=p, trigger="midterm_passed", actor=actor)

    return run_transition(
        project_id=project_id, name="fail_midterm", actor=actor,
        comment=comment or (f"中期评估 {ev.total} 分，不合格" if ev else ""),
        guard=lambda p: guards.evaluation_outcome(p, EvaluationKind.MIDTERM, passed=False), effect=failed,
    )


def conclude_final(*, actor, project_id: int, comment: str = "") -> Project:
    from finance import services as finance

    project = Project.objects.get(pk=project_id)
    ev = guards.latest_evaluation(project, EvaluationKind.FINAL)
    if ev is not None and ev.passed:
        def completed(p: Project) -> None:
            p.grade = ev.grade
            finance.release_tranches(project=p, trigger="final_passed", actor=actor)

        return run_transition(
            project_id=project_id, name="complete", actor=actor, comment=comment or f"结项评估 {ev.total} 分，{ev.grade}",
            guard=lambda p: guards.evaluation_outcome(p, EvaluationKind.FINAL, passed=True), effect=completed,
        )

    def failed(p: Project) -> None:
        p.grade = ev.grade if ev else "不合格"
        finance.withhold_tranches(project=p, trigger=None, actor=actor)

    return run_transition(
        project_id=project_id, name="fail_final", actor=actor,
        comment=comment or (f"结项评估 {ev.total} 分，不合格" if ev else ""),
        guard=lambda p: guards.evaluation_outcome(p, EvaluationKind.FINAL, passed=False), effect=failed,
    )


def terminate_project(*, actor, project_id: int, reason: str, clawback_amount="0") -> Project:
    from finance import services as finance

    amount = money(clawback_amount or "0")

    def effect(p: Project) -> None:
        finance.cancel_open_tranches(project=p, actor=actor)
        if amount > 0:
            finance.record_clawback(project=p, amount=amount, reason=reason, actor=actor)

    return run_transition(
        project_id=project_id, name="terminate", actor=actor, comment=reason, effect=effect,
        data={"clawback": str(amount)},
    )


# ---------------------------------------------------------------- attachments

def _size(n: int) -> str:
    return f"{n / 1048576:.1f} MB" if n >= 1048576 else f"{max(1, n // 1024)} KB"


def add_attachment(*, actor, project_id: int, kind: str, uploaded_file) -> "Attachment":
    """Checks the bytes (type and size) before anything is stored; the stored name is random."""
    import hashlib

    from django.conf import settings
    from django.core.files.base import ContentFile

    from grants.defaults import ATTACHMENT_KINDS
    from projects.models import Attachment
    from projects.uploads import ALLOWED, safe_name, sniff

    if kind not in ATTACHMENT_KINDS:
        raise ProjectError("请选择附件类型")
    limit = settings.PROTECTED_UPLOAD_MAX_BYTES
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise ProjectError(f"文件过大：{_size(size)}，单个文件不能超过 {_size(limit)}")
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise ProjectError(f"文件过大，单个文件不能超过 {_size(limit)}")
    if not data:
        raise ProjectError("文件是空的，请重新选择")
    real = sniff(data[:16], data)
    if real is None:
        raise ProjectError("只接受 PDF、JPG、PNG、DOCX、XLSX 文件；该文件的内容不是这些格式之一（与扩展名无关）")
    name = safe_name(getattr(uploaded_file, "name", ""), real)
    project = Project.objects.get(pk=project_id)
    # Receipts and signed agreements arrive after submission; application documents only while editable.
    if kind in ("receipt", "signed_agreement"):
        _require_member(actor, project.organization_id)
    with transaction.atomic():
        if kind not in ("receipt", "signed_agreement"):
            project = _editable(project_id, actor)
        attachment = Attachment(
            project=project, kind=kind, original_name=name, content_type=ALLOWED[real], size=len(data),
            sha256=hashlib.sha256(data).hexdigest(), uploaded_by=actor,
        )
        attachment.file.save(name, ContentFile(data), save=False)
        attachment.save()
        log_event(project=project, actor=actor, action="attachment", comment=f"上传附件：{name}")
    return attachment


# ---------------------------------------------------------------- after signing: adjustments and reports

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


# ---------------------------------------------------------------- applicant portal additions

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


def remove_attachment(*, actor, attachment_id: int) -> Project:
    """An application document uploaded by mistake can be removed while the application is editable."""
    from projects.models import Attachment

    with transaction.atomic():
        attachment = Attachment.objects.select_related("project").get(pk=attachment_id)
        project = _editable(attachment.project_id, actor)
        name, stored, storage = attachment.original_name, attachment.file.name, attachment.file.storage
        attachment.delete()
        log_event(project=project, actor=actor, action="attachment_removed", comment=f"删除附件：{name}")
        # The bytes go only once the row is gone for good; a rolled-back delete keeps its file.
        transaction.on_commit(lambda: storage.delete(stored))
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

    completed_on = completed_on or timezone.localdate()
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
        if completed_on > timezone.localdate():
            raise ProjectError("完成日期不能晚于今天")
        milestone.completed_on = completed_on
        milestone.save(update_fields=["completed_on"])
        log_event(project=project, actor=actor, action="milestone_done", comment=f"节点完成：{milestone.title}",
                  data={"milestone": milestone.pk})
    return milestone
