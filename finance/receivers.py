"""How money follows the project lifecycle (the contract is in projects.signals).

Checks: a funding decision may not over-commit the round's pot (finance.commitments, the figures
every money page shows); a project starts only once its first tranche is paid. Reactions, inside the transition's
transaction so a project and its money never disagree (a FinanceError rolls the transition back):
signing creates the tranches and releases those due at signing; a passed evaluation releases the
tranche it gated (and gives back what an earlier failure of the same evaluation withheld) and a
failed one withholds it (a failed final evaluation withholds every unpaid tranche); a passed final
evaluation first settles the accounts (结项决算, finance.settling) and then releases what is left of
the 尾款; termination cancels the open tranches and records the claw-back it was given.
"""
from decimal import Decimal

from core.money import format_yuan
from core.problems import Problem
from finance import money_cells, services, settling
from finance.commitments import committed_total, round_money
from finance.models import Clawback, TrancheState
from finance.tranche_minimum import zero_tranche_problems
from grants import usage
from projects.models import Project
from projects.signals import project_transitioned, transition_checks


def first_tranche_paid(project: Project) -> list[Problem]:
    first = project.tranches.order_by("seq").first()
    if first is None:
        return [Problem("start.no_tranches", "尚未生成拨款计划")]
    if first.state != TrancheState.PAID:
        return [Problem("start.unpaid", f"{first.name}（{format_yuan(first.amount)} 元）尚未拨付到账")]
    return []


def pot_not_exceeded(project: Project, amount) -> list[Problem]:
    if amount is None or amount <= 0:
        return []  # the decision guard already asks for an amount
    pot = project.round.pot
    committed = round_money(project.round).committed_without(project.pk)
    if committed + amount <= pot:
        return []
    return [Problem(
        "decision.pot",
        f"资金池不足：本批次已占用资金 {format_yuan(committed)} 元（含已终止项目已拨付、尚未退回的资金），"
        f"加上本项目 {format_yuan(amount)} 元共 {format_yuan(committed + amount)} 元，"
        f"超过资金总额 {format_yuan(pot)} 元（剩余 {format_yuan(pot - committed)} 元）",
        field="amount",
    )]


def _signed(project, actor, params) -> None:
    services.create_tranches(project=project, actor=actor)
    services.release_tranches(project=project, trigger="signing", actor=actor)


def clawback_not_recorded(project: Project) -> list[Problem]:
    if Clawback.objects.filter(project=project).exists():
        return [Problem("clawback.recorded", "该项目已登记追回金额，不能重复登记")]
    return []


def _claw_back(project, actor, params) -> None:
    amount = params.get("amount") or Decimal("0")
    if amount > 0:
        services.record_clawback(project=project, amount=amount, reason=params.get("reason", ""), actor=actor)


def _terminated(project, actor, params) -> None:
    services.cancel_open_tranches(project=project, actor=actor, reason=params.get("reason", ""))
    _claw_back(project, actor, params)


def _midterm_passed(project, actor, params) -> None:
    settling.resume_withheld(project=project, trigger="midterm_passed", actor=actor)
    services.release_tranches(project=project, trigger="midterm_passed", actor=actor)


def _final_passed(project, actor, params) -> None:
    settling.apply_settlement(project=project, actor=actor)
    services.release_tranches(project=project, trigger=settling.FINAL_TRIGGER, actor=actor)


REACTIONS = {
    "sign": _signed,
    "pass_midterm": _midterm_passed,
    "fail_midterm": lambda p, actor, params: services.withhold_tranches(project=p, trigger="midterm_passed",
                                                                          actor=actor),
    "complete": _final_passed,
    "fail_final": lambda p, actor, params: services.withhold_tranches(project=p, trigger=None, actor=actor),
    "terminate": _terminated,
    "claw_back": _claw_back,
}
CHECKS = {"start": first_tranche_paid, "claw_back": clawback_not_recorded}


def no_zero_tranche(project: Project, amount) -> list[Problem]:
    if amount is None or amount <= 0:
        return []
    return zero_tranche_problems(amount, project.round.tranche_template)


def check(sender, *, project, name, step, **kwargs) -> list[Problem]:
    if name == "approve":
        return no_zero_tranche(project, step.get("amount")) + pot_not_exceeded(project, step.get("amount"))
    check = CHECKS.get(name)
    return check(project) if check else []


def react(sender, *, project, name, actor, params, step, from_state, **kwargs) -> None:
    # First: the project's ledger sums follow it to its new money case before this transition's own
    # entries are written under the new state (finance.money_cells).
    money_cells.project_moved(project, from_state)
    reaction = REACTIONS.get(name)
    if reaction is not None:
        reaction(project, actor, {**params, "reason": step.comment})


def connect() -> None:
    transition_checks.connect(check, sender=Project, dispatch_uid="finance.first_tranche_paid")
    project_transitioned.connect(react, sender=Project, dispatch_uid="finance.money_follows")
    # The round designer refuses a pot below what is committed: finance's figure is the truth.
    usage.register_committed(committed_total)
