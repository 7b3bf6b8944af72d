"""Reads of the panel's second half: the round's policy, the facts the ranking adds (defense scores,
preferences), the discussion of a project and the expert's defense seat. Fetch and authorize in one
step, Http404 for "missing" and "not yours" alike."""
from __future__ import annotations

from collections.abc import Collection

from django.http import Http404

from accounts.models import Role
from grants.models import GrantRound
from projects.models import Project
from projects.selectors_monitoring import EXCELLENT
from projects.states import State
from reviewers import panel_rules
from reviewers.aggregation import is_disputed
from reviewers.models import Assignment, AssignmentState
from reviewers.panel_models import DefensePanelMember, DefenseScore, DefenseSlot, PanelPolicy

A = AssignmentState


def policy_for(round: GrantRound) -> PanelPolicy:
    """The round's stored policy, or the defaults (unsaved) when the officer never set one."""
    policy = PanelPolicy.objects.filter(round=round).first()
    return policy if policy is not None else PanelPolicy(round=round)


def as_rules(policy: PanelPolicy) -> panel_rules.Policy:
    return panel_rules.Policy(
        defense_weight=policy.defense_weight, rating_mode=policy.rating_mode, rating_min=policy.rating_min,
        rating_bonus=policy.rating_bonus, excellent_mode=policy.excellent_mode,
        excellent_bonus=policy.excellent_bonus, excellent_lookback_years=policy.excellent_lookback_years)


def _round_projects(round: GrantRound, project_ids: Collection[int] | None = None):
    qs = Project.objects.filter(round=round)
    return qs if project_ids is None else qs.filter(pk__in=list(project_ids))


def _org_facts(round: GrantRound, project_ids: Collection[int] | None = None) -> dict[int, panel_rules.OrgFacts]:
    """Rating and earlier 优秀 projects of every organization applying in the round (two queries)."""
    orgs = {
        pk: (rating, until) for pk, rating, until in
        _round_projects(round, project_ids).values_list(
            "organization_id", "organization__rating", "organization__rating_valid_until").distinct()
    }
    excellent: dict[int, list[tuple[str, str, int]]] = {}
    for org_id, code, round_name, year in Project.objects.filter(
            organization_id__in=list(orgs), state=State.COMPLETED, grade=EXCELLENT,
            round__apply_start__lt=round.apply_start).values_list(
            "organization_id", "code", "round__name", "round__year"):
        excellent.setdefault(org_id, []).append((code, round_name, year))
    return {pk: panel_rules.OrgFacts(rating, until, tuple(excellent.get(pk, ())))
            for pk, (rating, until) in orgs.items()}


def panel_facts(round: GrantRound, project_ids: Collection[int] | None = None) -> panel_rules.PanelFacts:
    """What the ranking adds to the written scores, in a fixed number of queries. `project_ids`: only
    these projects' defense scores and preferences (the shortlist is always the whole round's: whether
    the round holds a defense depends on it)."""
    rules = as_rules(policy_for(round))
    shortlisted = dict(DefenseSlot.objects.filter(round=round).values_list("project_id", "pk"))
    defense: dict[int, list] = {}
    scores = DefenseScore.objects.filter(slot__round=round)
    if project_ids is not None:
        scores = scores.filter(slot__project_id__in=list(project_ids))
    for project_id, score in scores.values_list("slot__project_id", "score"):
        defense.setdefault(project_id, []).append(score)
    prefs = {}
    if rules.rating_mode != panel_rules.OFF or rules.excellent_mode != panel_rules.OFF:
        orgs = _org_facts(round, project_ids)
        for pk, org_id in _round_projects(round, project_ids).values_list("pk", "organization_id"):
            found = panel_rules.preferences(rules, orgs[org_id], round.apply_end, round.year)
            if found:
                prefs[pk] = found
    return panel_rules.PanelFacts(rules, frozenset(shortlisted), defense, prefs)


def _is_officer(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(Role.OFFICER)


def disputed(project: Project) -> bool:
    totals = [t for t in Assignment.objects.filter(project=project, state=A.SUBMITTED).values_list("total", flat=True)
              if t is not None]
    return is_disputed(totals, project.round.disagreement_threshold)


def discussion_panel(project: Project) -> list[Assignment]:
    return list(Assignment.objects.filter(project=project).exclude(state=A.RECUSED)
                .select_related("expert").prefetch_related("revisions").order_by("created_at", "id"))


def discussion_assignment(user, pk) -> Assignment:
    """The expert's own (non-recused) task, the door to its project's discussion."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.EXPERT:
        raise Http404
    try:
        return (Assignment.objects.select_related("project__round", "project__organization", "expert")
                .exclude(state=A.RECUSED).get(pk=int(pk), expert__user=user))
    except (Assignment.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def defense_seat(user, round_id) -> tuple[GrantRound, DefensePanelMember]:
    """The expert's seat on the round's defense panel; 404 for anyone not on it."""
    if not getattr(user, "is_authenticated", False) or user.role != Role.EXPERT:
        raise Http404
    try:
        seat = DefensePanelMember.objects.select_related("round", "expert").get(
            round_id=int(round_id), expert__user=user)
    except (DefensePanelMember.DoesNotExist, TypeError, ValueError):
        raise Http404 from None
    return seat.round, seat


def my_defense_rounds(user) -> list[DefensePanelMember]:
    if not getattr(user, "is_authenticated", False) or user.role != Role.EXPERT:
        return []
    return list(DefensePanelMember.objects.filter(expert__user=user).select_related("round").order_by("-round__year"))


def defense_slots(round: GrantRound) -> list[DefenseSlot]:
    return list(DefenseSlot.objects.filter(round=round).select_related("project__organization")
                .prefetch_related("scores__expert").order_by("starts_at", "project__code"))
