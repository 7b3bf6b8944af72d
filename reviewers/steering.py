"""Writes that steer a round's review before and around assignment: experts' conflict declarations on
the round's list of applicants, conflict suggestions an officer confirms or dismisses, per-expert
load limits, reminders. Keyword-only, `actor=` first, audited on the round's trail (RoundEvent) and,
where a project is concerned, on the project's."""
from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.services import notify
from core.calendar import today
from grants.models import GrantRound, Organization
from projects.models import Project
from projects.states import State
from reviewers import conflict_detection
from reviewers.errors import ReviewError
from reviewers.models import (
    Assignment,
    AssignmentState,
    ConflictSuggestion,
    Expert,
    ExpertLoadLimit,
    ExpertRelation,
    RelationKind,
    ReviewReminder,
    RoundDeclaration,
    RoundEvent,
    SuggestionState,
)
from reviewers.services import _conflicts_for, _log, _require_officer, recuse_for_conflict

A = AssignmentState
# Organizations on a round's list for declarations: every applicant whose proposal is or may come
# under review (a submitted one awaits the eligibility check).
LISTED_STATES = [State.SUBMITTED, State.UNDER_REVIEW, State.REVIEWED, State.WAITLISTED]


def applicant_organizations(round_id: int):
    return Organization.objects.filter(projects__round_id=round_id, projects__state__in=LISTED_STATES).distinct().order_by("name")


def _event(round_id: int, actor, action: str, comment: str, data: dict | None = None) -> RoundEvent:
    return RoundEvent.objects.create(round_id=round_id, actor=actor, action=action, comment=comment[:1000], data=data or {})


def _expert_of(actor) -> Expert:
    if actor is None or not getattr(actor, "is_authenticated", False) or actor.role != Role.EXPERT:
        raise ReviewError("只有专家库中的评审专家可以申报利益冲突")
    expert = Expert.objects.filter(user_id=actor.pk, active=True).first()
    if expert is None:
        raise ReviewError("只有专家库中的评审专家可以申报利益冲突")
    return expert


def declare_round_conflicts(*, actor, round_id: int, organization_ids: Iterable[int], note: str = "",
                            ) -> RoundDeclaration:
    """The expert's declaration against the round's applicant list, before (or after) any assignment.
    Declared organizations are added, never taken back (an officer corrects a mistake); each becomes
    a conflict relation, so assignment never pairs them, and any open seat already held is recused."""
    expert = _expert_of(actor)
    round = GrantRound.objects.filter(pk=round_id).first()
    if round is None:
        raise ReviewError("批次不存在")
    wanted = {int(i) for i in organization_ids}
    note = (note or "").strip()
    with transaction.atomic():
        Expert.objects.select_for_update().get(pk=expert.pk)
        listed = {o.pk: o for o in applicant_organizations(round_id)}
        unknown = wanted - set(listed)
        if unknown:
            raise ReviewError("所选机构不在本批次的申报机构名单中")
        declaration, _ = RoundDeclaration.objects.get_or_create(round=round, expert=expert)
        already = set(declaration.organizations.values_list("id", flat=True))
        new = sorted(wanted - already)
        if new and not note:
            raise ReviewError("声明存在利益冲突时请简要说明关系")
        problems: list[str] = []
        for org_id in new:
            ExpertRelation.objects.create(expert=expert, organization_id=org_id, kind=RelationKind.DECLARED,
                                          start=today(), note=note[:200], recorded_by=actor)
            for project in Project.objects.filter(round=round, organization_id=org_id, state__in=LISTED_STATES):
                _log(project, actor, "conflict_declared", f"评审专家{expert.name}在批次名单上声明与申报机构存在利益冲突")
            problems += recuse_for_conflict(actor, expert_id=expert.pk, organization_id=org_id, round_id=round.pk,
                                            why=f"专家申报利益冲突：{note}")
        declaration.organizations.add(*new)
        if new and note:
            declaration.note = note[:500]
        declaration.save()
        _event(round.pk, actor, "conflicts_declared",
               f"评审专家{expert.name}完成利益冲突申报，新申报 {len(new)} 家机构" + (f"：{note}" if new else "（无利益冲突）"),
               {"expert": expert.pk, "organizations": new, "pending": problems})
    return declaration


def declaration_of(expert: Expert, round_id: int) -> RoundDeclaration | None:
    return RoundDeclaration.objects.filter(expert=expert, round_id=round_id).first()


# ---------------------------------------------------------------- suggestions

def detect_conflicts(*, actor, round_id: int) -> int:
    """Adds a pending suggestion for every possible conflict not yet known or decided; returns how many."""
    _require_officer(actor, "检测利益冲突")
    round = GrantRound.objects.filter(pk=round_id).first()
    if round is None:
        raise ReviewError("批次不存在")
    organizations = list(applicant_organizations(round_id).select_related("host"))
    streets: dict[int, set[str]] = {}
    for org_id, street in Project.objects.filter(round=round, state__in=LISTED_STATES).values_list(
            "organization_id", "service_street"):
        if street:
            streets.setdefault(org_id, set()).add(street)
    applicants = [
        conflict_detection.ApplicantFacts(o.pk, o.name, o.host.name if o.host_id else "", tuple(sorted(streets.get(o.pk, ()))))
        for o in organizations
    ]
    experts = [conflict_detection.ExpertFacts(pk, employer) for pk, employer in
               Expert.objects.filter(active=True).values_list("id", "employer")]
    earlier = Assignment.objects.filter(
        state=A.SUBMITTED, project__organization_id__in=[o.pk for o in organizations]).exclude(
        project__round=round).values_list("expert_id", "project__organization_id")
    known = _conflicts_for([o.pk for o in organizations])
    former = [
        (r.expert_id, r.organization_id,
         f"{r.get_kind_display()}（{r.start or '—'} 至 {r.end}）" + (f"：{r.note}" if r.note else ""))
        for r in ExpertRelation.objects.filter(organization_id__in=[o.pk for o in organizations], end__isnull=False)
        if (r.expert_id, r.organization_id) not in known
    ]
    found = conflict_detection.suggestions(experts, applicants, earlier, former)
    with transaction.atomic():
        existing = set(ConflictSuggestion.objects.filter(round=round).values_list("expert_id", "organization_id", "basis"))
        new = [
            ConflictSuggestion(round=round, expert_id=s.expert_id, organization_id=s.organization_id, basis=s.basis,
                               detail=s.detail[:300])
            for s in found if (s.expert_id, s.organization_id, s.basis) not in existing
            and (s.expert_id, s.organization_id) not in known
        ]
        ConflictSuggestion.objects.bulk_create(new)
        _event(round.pk, actor, "conflicts_detected", f"自动检测利益冲突：新增 {len(new)} 条提示", {"new": len(new)})
    return len(new)


def decide_suggestion(*, actor, suggestion_id: int, confirm: bool, note: str = "") -> list[str]:
    """Confirming makes the suggestion a conflict (relation kind CONFIRMED): assignment honours it and any
    open seat is recused and re-offered. Dismissing needs a reason. Returns what still needs the officer
    (submitted reviews that must be reopened first)."""
    _require_officer(actor, "确认或排除利益冲突")
    note = (note or "").strip()
    if not confirm and not note:
        raise ReviewError("排除利益冲突提示须填写理由")
    with transaction.atomic():
        s = (ConflictSuggestion.objects.select_for_update().select_related("expert", "organization", "round")
             .filter(pk=suggestion_id).first())
        if s is None:
            raise ReviewError("利益冲突提示不存在")
        if s.state != SuggestionState.PENDING:
            raise ReviewError("该提示已处理")
        s.state = SuggestionState.CONFIRMED if confirm else SuggestionState.DISMISSED
        s.decided_by, s.decided_at, s.note = actor, timezone.now(), note[:300]
        s.save()
        verdict = "确认" if confirm else "排除"
        text = f"{verdict}利益冲突：专家{s.expert.name}与{s.organization.name}（{s.get_basis_display()}：{s.detail}）"
        if note:
            text += f"。说明：{note}"
        left: list[str] = []
        if confirm:
            ExpertRelation.objects.create(expert=s.expert, organization=s.organization, kind=RelationKind.CONFIRMED,
                                          start=today(), note=s.detail[:200], recorded_by=actor)
            left = recuse_for_conflict(actor, expert_id=s.expert_id, organization_id=s.organization_id,
                                       round_id=s.round_id, why=f"项目管理员确认的利益冲突（{s.get_basis_display()}）")
        for project in Project.objects.filter(round=s.round, organization=s.organization, state__in=LISTED_STATES):
            _log(project, actor, "conflict_decided", text, {"suggestion": s.pk, "confirmed": confirm})
        _event(s.round_id, actor, "conflict_confirmed" if confirm else "conflict_dismissed", text,
               {"suggestion": s.pk, "expert": s.expert_id, "organization": s.organization_id, "pending": left})
    return left


# ---------------------------------------------------------------- load limits and reminders

def set_load_limit(*, actor, round_id: int, expert_id: int, max_load: int | None) -> ExpertLoadLimit | None:
    """A lower cap for one expert in the round (None lifts it); audited with before and after."""
    _require_officer(actor, "设置专家评审上限")
    round = GrantRound.objects.filter(pk=round_id).first()
    expert = Expert.objects.filter(pk=expert_id).first()
    if round is None or expert is None:
        raise ReviewError("批次或专家不存在")
    if max_load is not None and not 1 <= max_load <= round.max_load_per_expert:
        raise ReviewError(f"个人评审上限须在 1 至 {round.max_load_per_expert} 件之间（本批次上限）")
    with transaction.atomic():
        current = ExpertLoadLimit.objects.select_for_update().filter(round=round, expert=expert).first()
        before = current.max_load if current else None
        if max_load is None:
            if current:
                current.delete()
            row = None
        else:
            row, _ = ExpertLoadLimit.objects.update_or_create(round=round, expert=expert,
                                                              defaults={"max_load": max_load, "set_by": actor})
        if before != max_load:
            _event(round.pk, actor, "load_limit", f"专家{expert.name}的个人评审上限：{before or '—'} → {max_load or '—'}",
                   {"expert": expert.pk, "before": before, "after": max_load})
    return row


def seats_held(round_id: int, expert_id: int) -> int:
    """The proposals that count against this expert's cap in the round (as automatic assignment counts them)."""
    return Assignment.objects.filter(project__round_id=round_id, expert_id=expert_id).exclude(state=A.RECUSED).count()


def open_reviews(round_id: int, expert_id: int) -> int:
    return Assignment.objects.filter(
        Q(state=A.ASSIGNED) | Q(state=A.ACCEPTED), expert_id=expert_id, project__round_id=round_id,
        project__state=State.UNDER_REVIEW).count()


def remind_expert(*, actor, round_id: int, expert_id: int) -> ReviewReminder:
    """An in-app notification (with an e-mail copy) about the expert's open reviews in the round."""
    _require_officer(actor, "提醒评审专家")
    with transaction.atomic():
        round = GrantRound.objects.filter(pk=round_id).first()
        expert = Expert.objects.select_for_update(of=("self",)).select_related("user").filter(pk=expert_id).first()
        if round is None or expert is None:
            raise ReviewError("批次或专家不存在")
        if expert.user is None or not expert.user.is_active:
            raise ReviewError(f"专家{expert.name}没有可用的登录账号，无法发送提醒")
        n = open_reviews(round.pk, expert.pk)
        if not n:
            raise ReviewError(f"专家{expert.name}在本批次没有待提交的评审")
        deadline = f"，评审截止日期 {round.review_end:%Y-%m-%d}" if round.review_end else ""
        text = f"提醒：您在「{round.name}」中还有 {n} 件评审未提交{deadline}。"
        notify(actor=actor, recipients=[expert.user], text=text, url=reverse("reviewers:my_reviews"),
               email_subject=f"{round.name}：评审提醒")
        reminder = ReviewReminder.objects.create(round=round, expert=expert, sent_by=actor, open_reviews=n, text=text)
        _event(round.pk, actor, "reminder", f"提醒专家{expert.name}：{n} 件评审未提交", {"expert": expert.pk, "open": n})
    return reminder
