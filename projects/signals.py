"""The contract between the project lifecycle and the apps above projects.

projects imports neither finance nor reviewers; they react to the lifecycle through two signals,
connected in their AppConfig.ready(). Both are sent with `sender` = the Project class.

transition_checks
    Sent before a transition, with the project row locked, after the state, role and comment checks
    and the transition's own guard. Arguments: `project`, `name` (the transition), `step`
    (core.fsm.Step: actor, params, now). A receiver returns a list of core.problems.Problem, empty
    when it has no objection; every receiver's problems are reported together with the guard's.
    Receivers only read. Also sent when a page asks what stands in the way (projects.lifecycle.problems).
    Today: reviewers objects to finish_review until every expert has scored; finance objects to start
    until the first tranche is paid.

project_transitioned
    Sent inside the transition's transaction, after the state change and the effect are saved and
    before commit. Arguments: `project`, `name`, `actor`, `params` (what the service was given: the
    approved amount, the claw-back amount, …), `step` and `from_state` (the state before it). A receiver may write, and may raise a
    core.errors.DomainError to refuse: everything, the state change included, then rolls back and
    the caller sees the error. Notifications are sent only after commit.
    Today: finance creates and releases tranches at signing, releases or withholds them after an
    evaluation, cancels open tranches and records the claw-back at termination.
"""
from django.dispatch import Signal

from core.problems import Problem, as_problems

transition_checks = Signal()
project_transitioned = Signal()


def collect_checks(project, step) -> list[Problem]:
    """Every receiver's objection to `step`, in the order the receivers were connected."""
    found: list[Problem] = []
    for _receiver, problems in transition_checks.send(sender=type(project), project=project,
                                                      name=step.transition.name, step=step):
        found += as_problems(problems or [])
    return found


def announce(project, step, from_state: str) -> None:
    """Tells the apps above that `step` happened; any of them may still refuse (DomainError)."""
    project_transitioned.send(sender=type(project), project=project, name=step.transition.name,
                              actor=step.actor, params=dict(step.params), step=step, from_state=from_state)
