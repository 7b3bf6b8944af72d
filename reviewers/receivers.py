"""The review's say in the project lifecycle (the contract is in projects.signals): a review is
finished only when experts were assigned and every one who did not recuse has submitted scores."""
from django.db.models.signals import post_save

from core.problems import Problem
from grants.models import GrantRound
from projects.models import Project
from projects.signals import project_transitioned, transition_checks
from projects.states import State
from reviewers import aggregates, rank_order
from reviewers.models import AssignmentState


def review_finished(project: Project) -> list[Problem]:
    states = list(project.assignments.exclude(state=AssignmentState.RECUSED).values_list("state", flat=True))
    if not states:
        return [Problem("review.no_experts", "尚未分配评审专家")]
    pending = sum(1 for s in states if s != AssignmentState.SUBMITTED)
    if pending:
        return [Problem("review.pending", f"还有 {pending} 位专家未提交评分")]
    return []


def check(sender, *, project, name, step, **kwargs) -> list[Problem]:
    if name == "approve":
        return rank_order.problems(project, step.comment)
    return review_finished(project) if name == "finish_review" else []


def project_moved(sender, *, project, **kwargs) -> None:
    """A project entering review gets its stored aggregate row (no scores yet: it ranks last); any other
    transition copies the new state and approved amount onto its row (one UPDATE by primary key)."""
    if project.state == State.UNDER_REVIEW:
        aggregates.refresh([project.pk])
    else:
        aggregates.project_moved(project)


def round_saved(sender, *, instance, created, raw=False, **kwargs) -> None:
    """The disagreement threshold may change during the review: the stored flags follow it."""
    if not created and not raw:
        aggregates.refresh_round_flags(instance)


def connect() -> None:
    transition_checks.connect(check, sender=Project, dispatch_uid="reviewers.review_finished")
    project_transitioned.connect(project_moved, sender=Project, dispatch_uid="reviewers.aggregate_row")
    post_save.connect(round_saved, sender=GrantRound, dispatch_uid="reviewers.aggregate_flags")
