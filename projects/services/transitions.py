"""Every project transition goes through run_transition: lock the row, check state, role, reason,
guards and other apps' checks (every problem at once), change state, apply the effect, save, let
the apps above react, write the audit row; all in one transaction, notifications after commit.
The named services below are thin wrappers that turn their arguments into the step's parameters."""
from datetime import datetime

from django.db import transaction
from django_fsm import can_proceed, has_transition_perm

from core.money import money
from projects import dashboard_cells, guards
from projects.errors import ProjectError
from projects.evaluation import grade_for, score_problems, total_of
from projects.lifecycle import PROJECT, checks, make_step
from projects.models import Evaluation, EvaluationKind, Project
from projects.notifications import notify_transition
from projects.permissions import who_may
from projects.services.audit import log_event
from projects.services.files import check_file, kept_only_if_committed
from projects.signals import announce
from projects.states import State


def run_transition(
    *,
    project_id: int,
    name: str,
    actor,
    comment: str = "",
    params: dict | None = None,
    now: datetime | None = None,
    system: bool = False,
) -> Project:
    """Pulls one lever of the lifecycle table (projects.lifecycle), all or nothing.

    `params` reach the guard, the effect and the receivers of projects.signals. `system=True` is
    for transitions the system performs on someone's behalf (the last expert's submission finishing
    the review, the first payment starting the project): the role check is skipped, the actor is
    still recorded.
    """
    spec = PROJECT.get(name)
    comment = (comment or "").strip()
    with transaction.atomic():
        try:
            project = Project.objects.select_for_update().select_related("round", "organization").get(pk=project_id)
        except (Project.DoesNotExist, ValueError, TypeError):
            raise ProjectError("项目不存在") from None
        method = getattr(project, name)
        if not can_proceed(method):
            raise ProjectError(f"项目当前状态为「{project.state_label}」，不能执行「{spec.label}」")
        if not system and not has_transition_perm(method, actor):
            raise ProjectError(f"您没有权限对该项目执行「{spec.label}」（限{who_may(spec)}）")
        if spec.comment_required and not comment:
            raise ProjectError(f"执行「{spec.label}」须填写理由或说明")
        step = make_step(project, name, actor=actor, params=params, comment=comment, now=now)
        problems = checks(project, step)
        if problems:
            raise ProjectError(problems)
        from_state = project.state
        method()
        effect = PROJECT.effect_of(spec)
        if effect is not None:
            effect(project, step)
        project.save()
        dashboard_cells.project_moved(project, from_state)
        announce(project, step, from_state)
        event = log_event(
            project=project, actor=actor, action=name, comment=comment,
            from_state=from_state, to_state=project.state, data=step.data,
        )
        transaction.on_commit(lambda: notify_transition(event.pk))
    return project


def perform_transition(*, actor, project_id: int, name: str, comment: str = "", amount: str = "",
                       signer_name: str = "") -> Project:
    """A staff form's lever (the officer's project page, the admin): whatever the row's `inputs`
    ask for, typed by a person. A malformed amount is a domain error (core.money.MoneyError)."""
    if name not in PROJECT or not PROJECT.get(name).manual:
        raise ProjectError("该操作不能在此执行")
    spec = PROJECT.get(name)
    params: dict = {}
    if "amount" in spec.inputs:
        params["amount"] = money(amount) if str(amount or "").strip() else None
    if "signer_name" in spec.inputs:
        params["signer_name"] = signer_name or ""
    takes_comment = "comment" in spec.inputs or spec.comment_required
    return run_transition(project_id=project_id, name=name, actor=actor, comment=comment if takes_comment else "",
                          params=params)


def submit_project(*, actor, project_id: int, now: datetime | None = None) -> Project:
    return run_transition(project_id=project_id, name="submit", actor=actor, now=now)


def withdraw_project(*, actor, project_id: int, reason: str) -> Project:
    return run_transition(project_id=project_id, name="withdraw", actor=actor, comment=reason)


def return_for_revision(*, actor, project_id: int, comment: str) -> Project:
    return run_transition(project_id=project_id, name="return_for_revision", actor=actor, comment=comment)


def mark_ineligible(*, actor, project_id: int, comment: str) -> Project:
    return run_transition(project_id=project_id, name="mark_ineligible", actor=actor, comment=comment)


def accept_for_review(*, actor, project_id: int, comment: str = "", now: datetime | None = None) -> Project:
    return run_transition(project_id=project_id, name="accept_for_review", actor=actor, comment=comment, now=now)


def finish_review(*, actor, project_id: int, system: bool = False) -> Project:
    comment = "全部评审意见已提交，系统自动流转" if system else ""
    return run_transition(project_id=project_id, name="finish_review", actor=actor, system=system, comment=comment)


def approve_project(*, actor, project_id: int, approved_amount, comment: str = "",
                    now: datetime | None = None) -> Project:
    return run_transition(project_id=project_id, name="approve", actor=actor, comment=comment,
                          params={"amount": money(approved_amount)}, now=now)


def waitlist_project(*, actor, project_id: int, comment: str = "") -> Project:
    return run_transition(project_id=project_id, name="waitlist", actor=actor, comment=comment)


def reject_project(*, actor, project_id: int, comment: str = "") -> Project:
    return run_transition(project_id=project_id, name="reject", actor=actor, comment=comment)


def reopen_decision(*, actor, project_id: int, comment: str) -> Project:
    return run_transition(project_id=project_id, name="reopen_decision", actor=actor, comment=comment)


def publish_project(*, actor, project_id: int, now: datetime | None = None) -> Project:
    return run_transition(project_id=project_id, name="publish", actor=actor, now=now)


def raise_objection(*, actor, project_id: int, comment: str) -> Project:
    return run_transition(project_id=project_id, name="raise_objection", actor=actor, comment=comment)


def dismiss_objection(*, actor, project_id: int, comment: str) -> Project:
    return run_transition(project_id=project_id, name="dismiss_objection", actor=actor, comment=comment)


def uphold_objection(*, actor, project_id: int, comment: str) -> Project:
    return run_transition(project_id=project_id, name="uphold_objection", actor=actor, comment=comment)


def sign_agreement(*, actor, project_id: int, signer_name: str, ip: str | None = None, scan=None,
                   now: datetime | None = None) -> Project:
    """Signs the agreement by typed name, or with `scan`, an uploaded signed and stamped copy. The scan
    is checked before anything else and stored only if the signing succeeds: a refusal anywhere in
    the transaction (公示 not over, the budget, the money) deletes its bytes again."""
    checked = check_file(scan) if scan is not None else None
    with kept_only_if_committed() as stored:
        return run_transition(project_id=project_id, name="sign", actor=actor, now=now, params={
            "signer_name": signer_name or "", "ip": ip, "scan": checked, "stored": stored})


def start_project(*, actor, project_id: int, system: bool = False) -> Project:
    return run_transition(project_id=project_id, name="start", actor=actor, system=system,
                          comment="首期资金已到账，系统自动流转" if system else "")


def begin_midterm(*, actor, project_id: int) -> Project:
    return run_transition(project_id=project_id, name="begin_midterm", actor=actor)


def begin_final(*, actor, project_id: int) -> Project:
    return run_transition(project_id=project_id, name="begin_final", actor=actor)


def terminate_project(*, actor, project_id: int, reason: str, clawback_amount="0") -> Project:
    """Terminates a signed project: open tranches are cancelled and, when `clawback_amount` is more
    than zero, the claw-back is recorded (finance's receivers), in the same transaction."""
    return run_transition(project_id=project_id, name="terminate", actor=actor, comment=reason,
                          params={"amount": money(clawback_amount or "0")})


def claw_back_after_failure(*, actor, project_id: int, amount, reason: str) -> Project:
    """A failed final evaluation terminates the project by itself; the officer then records what
    the organization owes back (追回), once; finance's receivers keep the money record."""
    return run_transition(project_id=project_id, name="claw_back", actor=actor, comment=reason,
                          params={"amount": money(amount or "0")})


def record_evaluation(*, actor, project_id: int, kind: str, scores: dict, comment: str = "") -> Evaluation:
    """Stores a mid-term or final evaluation and applies its consequence in one transaction."""
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
        dashboard_cells.evaluation_added(evaluation, project.round_id)
        if kind == EvaluationKind.MIDTERM:
            conclude_midterm(actor=actor, project_id=project.pk, comment=comment)
        else:
            conclude_final(actor=actor, project_id=project.pk, comment=comment)
    return evaluation


def conclude_midterm(*, actor, project_id: int, comment: str = "") -> Project:
    """The latest mid-term evaluation's outcome: passed (the gated tranche is released) or failed
    (it is withheld); finance's receivers move the money."""
    project = Project.objects.get(pk=project_id)
    ev = guards.latest_evaluation(project, EvaluationKind.MIDTERM)
    if ev is not None and ev.passed:
        return run_transition(project_id=project_id, name="pass_midterm", actor=actor,
                              comment=comment or f"中期评估 {ev.total} 分")
    return run_transition(project_id=project_id, name="fail_midterm", actor=actor,
                          comment=comment or (f"中期评估 {ev.total} 分，不合格" if ev else ""))


def conclude_final(*, actor, project_id: int, comment: str = "") -> Project:
    project = Project.objects.get(pk=project_id)
    ev = guards.latest_evaluation(project, EvaluationKind.FINAL)
    if ev is not None and ev.passed:
        return run_transition(project_id=project_id, name="complete", actor=actor,
                              comment=comment or f"结项评估 {ev.total} 分，{ev.grade}")
    return run_transition(project_id=project_id, name="fail_final", actor=actor,
                          comment=comment or (f"结项评估 {ev.total} 分，不合格" if ev else ""))
