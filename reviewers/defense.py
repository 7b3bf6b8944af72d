"""现场答辩 / 路演: the officer shortlists reviewed projects, schedules their time slots and seats a
defense panel of experts; each panel member enters one score per project. The defense score is the
panel's mean and is blended with the written score by the round's weight (reviewers.panel_rules).
Every step is audited on the round's panel trail and, for a project, on the project's trail."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.problems import Problem
from grants.models import GrantRound
from projects import services as project_services
from projects.models import Project
from projects.states import State
from reviewers import aggregates, panel_notices, panel_rules
from reviewers.errors import ReviewError
from reviewers.models import Assignment, AssignmentState, Expert
from reviewers.panel_models import DefensePanelMember, DefenseScore, DefenseSlot, PanelAudit
from reviewers.services import _conflicts_for, _require_officer

SHORTLISTABLE = (State.REVIEWED, State.WAITLISTED)


def _audit(round_id: int, actor, action: str, comment: str, data: dict | None = None) -> None:
    PanelAudit.objects.create(round_id=round_id, actor=actor, action=action, comment=comment[:500], data=data or {})


def shortlist(*, actor, round_id: int, project_ids: Iterable[int]) -> list[DefenseSlot]:
    _require_officer(actor, "确定现场答辩名单")
    ids = sorted({int(i) for i in project_ids})
    if not ids:
        raise ReviewError("请至少选择一个项目")
    with transaction.atomic():
        projects = list(Project.objects.select_for_update().filter(pk__in=ids, round_id=round_id).order_by("code"))
        round = GrantRound.objects.get(pk=round_id)
        held_before = aggregates.defense_held(round)
        errors = [f"项目 {pid} 不属于本批次" for pid in set(ids) - {p.pk for p in projects}]
        errors += [f"{p.code}：当前状态为「{p.state_label}」，只有评审完成、尚未决定的项目可以入围答辩"
                   for p in projects if p.state not in SHORTLISTABLE]
        if errors:
            raise ReviewError(errors)
        taken = set(DefenseSlot.objects.filter(project__in=projects).values_list("project_id", flat=True))
        created = [DefenseSlot.objects.create(round_id=round_id, project=p, created_by=actor)
                   for p in projects if p.pk not in taken]
        for slot in created:
            project_services.log_event(project=slot.project, actor=actor, action="defense_shortlisted",
                                       comment="入围现场答辩")
        aggregates.after_shortlist(round, [s.project_id for s in created], held_before=held_before)
        if created:
            _audit(round_id, actor, "defense_shortlisted",
                   "入围现场答辩：" + "、".join(str(s.project.code) for s in created), {"projects": [s.project_id for s in created]})
    return created


def remove_from_shortlist(*, actor, slot_id: int, reason: str) -> None:
    _require_officer(actor, "调整现场答辩名单")
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("移出答辩名单须填写理由")
    with transaction.atomic():
        slot = DefenseSlot.objects.select_for_update().select_related("project").filter(pk=slot_id).first()
        if slot is None:
            raise ReviewError("答辩安排不存在")
        if slot.scores.exists():
            raise ReviewError("已有答辩评分的项目不能移出答辩名单")
        project, round_id = slot.project, slot.round_id
        held_before = aggregates.defense_held(slot.round)
        slot.delete()
        aggregates.after_shortlist(slot.round, [project.pk], held_before=held_before)
        project_services.log_event(project=project, actor=actor, action="defense_removed",
                                   comment=f"移出现场答辩名单。理由：{reason}")
        _audit(round_id, actor, "defense_removed", f"{project.code} 移出答辩名单。理由：{reason}")


def overlap_problems(slots: Iterable[tuple[int, datetime | None, int]], slot_id: int, starts_at: datetime,
                     minutes: int) -> list[Problem]:
    """One panel hears one project at a time: the new slot may not overlap another (pure)."""
    end = starts_at + timedelta(minutes=minutes)
    for other_id, other_start, other_minutes in slots:
        if other_id == slot_id or other_start is None:
            continue
        if starts_at < other_start + timedelta(minutes=other_minutes) and other_start < end:
            local = timezone.localtime(other_start)
            return [Problem("defense.overlap", f"与 {local:%m月%d日 %H:%M} 开始的答辩时间重叠", field="starts_at")]
    return []


def schedule(*, actor, slot_id: int, starts_at: datetime, minutes: int, place: str = "") -> DefenseSlot:
    _require_officer(actor, "安排现场答辩时间")
    if not 5 <= minutes <= 240:
        raise ReviewError("每个项目的答辩时长须在 5 到 240 分钟之间")
    with transaction.atomic():
        slot = DefenseSlot.objects.select_for_update().select_related("project").filter(pk=slot_id).first()
        if slot is None:
            raise ReviewError("答辩安排不存在")
        others = DefenseSlot.objects.filter(round_id=slot.round_id).values_list("pk", "starts_at", "minutes")
        problems = overlap_problems(others, slot.pk, starts_at, minutes)
        if problems:
            raise ReviewError([p.message for p in problems])
        before = {"starts_at": slot.starts_at.isoformat() if slot.starts_at else None, "minutes": slot.minutes,
                  "place": slot.place}
        slot.starts_at, slot.minutes, slot.place = starts_at, minutes, (place or "").strip()[:100]
        slot.save()
        local = timezone.localtime(starts_at)
        project_services.log_event(project=slot.project, actor=actor, action="defense_scheduled",
                                   comment=f"现场答辩安排在 {local:%Y年%m月%d日 %H:%M}（{minutes} 分钟）{slot.place}")
        transaction.on_commit(lambda: panel_notices.defense_scheduled(slot.pk))
        _audit(slot.round_id, actor, "defense_scheduled", f"{slot.project.code} 答辩时间 {local:%m月%d日 %H:%M}",
               {"before": before, "after": {"starts_at": starts_at.isoformat(), "minutes": minutes, "place": slot.place}})
    return slot


def add_panel_member(*, actor, round_id: int, expert_id: int) -> DefensePanelMember:
    _require_officer(actor, "组建答辩评委组")
    with transaction.atomic():
        expert = Expert.objects.filter(pk=expert_id, active=True, user__isnull=False).first()
        if expert is None:
            raise ReviewError("专家不存在、已停用或没有登录账号")
        member, created = DefensePanelMember.objects.get_or_create(round_id=round_id, expert=expert)
        if created:
            _audit(round_id, actor, "defense_panel_added", f"答辩评委组加入专家：{expert.name}", {"expert": expert.pk})
    return member


def remove_panel_member(*, actor, member_id: int) -> None:
    _require_officer(actor, "调整答辩评委组")
    with transaction.atomic():
        member = DefensePanelMember.objects.select_for_update().select_related("expert").filter(pk=member_id).first()
        if member is None:
            raise ReviewError("答辩评委不存在")
        if DefenseScore.objects.filter(slot__round_id=member.round_id, expert=member.expert).exists():
            raise ReviewError(f"{member.expert.name}已录入答辩评分，不能移出评委组")
        round_id, name = member.round_id, member.expert.name
        member.delete()
        _audit(round_id, actor, "defense_panel_removed", f"答辩评委组移出专家：{name}")


def conflicted(expert: Expert, project: Project) -> bool:
    """A known or declared conflict with the applicant keeps the expert from scoring its defense."""
    if (expert.pk, project.organization_id) in _conflicts_for([project.organization_id]):
        return True
    return Assignment.objects.filter(project=project, expert=expert, state=AssignmentState.RECUSED).exists()


def enter_score(*, actor, slot_id: int, score: str, comment: str = "") -> DefenseScore:
    problems = panel_rules.defense_score_problems(score)
    if problems:
        raise ReviewError([p.message for p in problems])
    with transaction.atomic():
        slot = DefenseSlot.objects.select_for_update().select_related("project__round").filter(pk=slot_id).first()
        if slot is None:
            raise ReviewError("答辩安排不存在")
        member = DefensePanelMember.objects.select_related("expert").filter(
            round_id=slot.round_id, expert__user=actor).first() if getattr(actor, "pk", None) else None
        if member is None:
            raise ReviewError("您不是本批次答辩评委组的成员")
        project = Project.objects.select_for_update().get(pk=slot.project_id)
        if project.state not in SHORTLISTABLE:
            raise ReviewError(f"项目当前状态为「{project.state_label}」，已作出立项决定，不能再录入答辩评分")
        if slot.starts_at is None:
            raise ReviewError("该项目尚未安排答辩时间")
        if conflicted(member.expert, project):
            raise ReviewError("您与该申报机构存在利益冲突，须回避，不能为其答辩评分")
        value = Decimal(score.strip())
        existing = DefenseScore.objects.select_for_update().filter(slot=slot, expert=member.expert).first()
        before = str(existing.score) if existing else None
        if existing is None:
            existing = DefenseScore(slot=slot, expert=member.expert)
        existing.score, existing.comment = value, (comment or "").strip()[:1000]
        existing.save()
        aggregates.refresh([slot.project_id])
        verb = "录入" if before is None else f"修改（原 {before} 分）"
        project_services.log_event(project=project, actor=actor, action="defense_scored",
                                   comment=f"答辩评委{member.expert.name}{verb}答辩评分 {value} 分",
                                   data={"before": before, "after": str(value)})
    return existing
