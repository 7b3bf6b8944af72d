"""The oral defense's say in the project lifecycle (projects.signals): a project shortlisted for the
现场答辩 of a round that blends its score is not decided before a defense score is in, since its
ranked score is not known yet (the officer may take it off the shortlist, with a reason)."""
from core.problems import Problem
from projects.models import Project
from projects.signals import transition_checks
from reviewers.panel_models import DefenseScore, DefenseSlot, PanelPolicy

DECISIONS = {"approve", "waitlist", "reject"}


def defense_pending(sender, *, project, name, step, **kwargs) -> list[Problem]:
    if name not in DECISIONS:
        return []
    slot = DefenseSlot.objects.filter(project_id=project.pk).values_list("pk", flat=True).first()
    if slot is None:
        return []
    weight = PanelPolicy.objects.filter(round_id=project.round_id).values_list("defense_weight", flat=True).first()
    if not weight or DefenseScore.objects.filter(slot_id=slot).exists():
        return []
    return [Problem("decision.defense_pending", "该项目入围现场答辩，尚未录入答辩评分，暂不能作出立项决定")]


def connect() -> None:
    transition_checks.connect(defense_pending, sender=Project, dispatch_uid="reviewers.defense_pending")
