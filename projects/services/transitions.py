"""Every project transition: lock the row, check state, role and guards, change state, audit."""
from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal
from django.db import transaction
from django.utils import timezone
from django_fsm import can_proceed, has_transition_perm
from core.money import money
from grants.models import GrantRound, Organization
from grants.rules.budget import line_amount
from core.calendar import SHANGHAI, add_working_days
from projects import budget as budget_rules
from projects import guards
from projects.errors import ProjectError
from projects.models import BudgetLine, Evaluation, EvaluationKind, Indicator, Milestone, Project, ProjectEvent
from projects.notifications import notify_transition
from projects.permissions import is_member
from projects.states import EDITABLE, TRANSITIONS, State
from projects.services.audit import log_event
from projects.services.drafting import snapshot
from core import calendar


Guard = Callable[[Project], list[str]]


Effect = Callable[[Project], None]


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
    today = calendar.today(now or timezone.now())

    def guard(p: Project) -> list[str]:
        from projects.eligibility import eligibility_reasons_for

        return eligibility_reasons_for(p.organization, p.round, today=today, project=p)

    return run_transition(project_id=project_id, name="accept_for_review", actor=actor, comment=comment, guard=guard)


def finish_review(*, actor, project_id: int, system: bool = False) -> Project:
    comment = "全部评审意见已提交，系统自动流转" if system else ""
    return run_transition(
        project_id=project_id, name="finish_review", actor=actor, guard=guards.review_finished,
        system=system, comment=comment,
    )


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
    today = calendar.today(now or timezone.now())

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
        project_id=project_id, name="sign", actor=actor, guard=lambda p: guards.signing(p, calendar.today(now)),
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
