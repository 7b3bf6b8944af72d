"""Expert review writes: the pool, relations, assignment (automatic and by hand), declarations,
scoring, the funding decision in batches and 公示. Keyword-only, `actor=` first, audited on the
project's trail (projects.services.log_event)."""
from __future__ import annotations

import queue
import threading
from collections.abc import Iterable
from datetime import date
from functools import partial
from itertools import repeat
from typing import NamedTuple
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.db import connection, connections, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Role, User
from core import bulk, cyclic_gc
from core.calendar import today
from core.errors import DomainError
from core.validation import model_problems
from documents.services import start_job
from grants.models import GrantRound, Organization
from projects import public_versions
from projects import services as project_services
from projects.evaluation import total_of
from projects.models import Project, ProjectEvent
from projects.states import State
from reviewers import aggregates, notifications, scoring, seat_counts, window
from reviewers.assignment import ExpertIn, ProjectIn, Result, assign, load_stats
from reviewers.conflicts import Relation, conflict_pairs
from reviewers.errors import ReviewError, StaleReview
from reviewers.models import (
    Assignment,
    AssignmentRun,
    AssignmentState,
    Expert,
    ExpertLoadLimit,
    ExpertRelation,
    PanelExclusion,
    RelationKind,
    RunState,
)
from reviewers.receivers import review_finished

A = AssignmentState
# The documents job kind of an automatic run; reviewers.jobs registers the function that does it.
ASSIGNMENT_RUN = "assignment_run"
# The result workbook of a finished run: a job of its own, started by the officer (reviewers.jobs).
ASSIGNMENT_RESULT = "assignment_result"


def _require_officer(actor, what: str) -> None:
    if actor is None or not actor.has_role(Role.OFFICER):
        raise ReviewError(f"只有项目管理员可以{what}")


def _log(project, actor, action: str, comment: str = "", data: dict | None = None) -> ProjectEvent:
    return project_services.log_event(project=project, actor=actor, action=action, comment=comment, data=data)


# ---------------------------------------------------------------- expert pool

class ExpertData(NamedTuple):
    name: str
    phone: str
    email: str
    employer: str
    title: str
    domains: tuple[str, ...]
    district: str
    is_finance: bool


def register_expert(*, actor, data: ExpertData) -> Expert:
    """Adds an expert with a login (role expert, username = e-mail). No password is set or shown:
    a set-password link goes to the expert's e-mail after commit."""
    _require_officer(actor, "维护专家库")
    email = data.email.strip().lower()
    if User.objects.filter(username__iexact=email).exists() or Expert.objects.filter(email__iexact=email).exists():
        raise ReviewError(f"邮箱 {email} 已被使用")
    with transaction.atomic():
        user = User(username=email, email=email, role=Role.EXPERT, display_name=data.name, phone=data.phone)
        user.set_unusable_password()
        user.save()
        expert = Expert.objects.create(
            user=user, name=data.name, phone=data.phone, email=email, employer=data.employer, title=data.title,
            domains=list(data.domains), district=data.district, is_finance=data.is_finance,
        )
        transaction.on_commit(lambda: _send_set_password(user.pk), robust=True)  # a mail failure is logged
    return expert


def _send_set_password(user_id: int) -> None:
    # Django's PasswordResetForm.save() skips users without a usable password, which is exactly an
    # invited expert, so its mail helper is called directly with a set-password link.
    user = User.objects.filter(pk=user_id).first()
    if user is None or not user.email:
        return
    PasswordResetForm().send_mail(
        "reviewers/email/set_password_subject.txt", "reviewers/email/set_password.txt",
        _invite_context(user), None, user.email,
    )


def _invite_context(user) -> dict:
    return {
        "user": user, "uid": urlsafe_base64_encode(force_bytes(user.pk)),
        "token": default_token_generator.make_token(user),
        "domain": _site_domain(), "protocol": _protocol(), "site_name": "益创",
    }


def _site_domain() -> str:
    return urlsplit(settings.SITE_URL).netloc or "localhost"


def _protocol() -> str:
    return urlsplit(settings.SITE_URL).scheme or "https"


def save_expert(*, actor, expert: Expert) -> Expert:
    """Changes a pool member's details; the login's name, e-mail and phone follow, so invitations and
    notifications reach the address on file."""
    _require_officer(actor, "维护专家库")
    expert.email = (expert.email or "").strip().lower()
    problems: list[str] = []
    if expert.email and (Expert.objects.filter(email__iexact=expert.email).exclude(pk=expert.pk).exists()
                         or User.objects.filter(email__iexact=expert.email).exclude(pk=expert.user_id).exists()):
        problems.append(f"邮箱 {expert.email} 已被使用")
    problems += model_problems(expert)
    if problems:
        raise ReviewError(problems)
    with transaction.atomic():
        weight_before = Expert.objects.filter(pk=expert.pk).values_list("weight", flat=True).first()
        expert.save()
        if weight_before is not None and weight_before != expert.weight:
            aggregates.refresh_expert_weight(expert.pk)
        if expert.user_id:
            User.objects.filter(pk=expert.user_id).update(display_name=expert.name, email=expert.email,
                                                         phone=expert.phone)
    return expert


class ImportReport(NamedTuple):
    imported: list[Expert]
    errors: list[tuple[int, str]]  # (row number in the file, reason)


def import_experts(*, actor, rows: Iterable[tuple[int, ExpertData | None, list[str]]]) -> ImportReport:
    """Validate every row first, then write all good rows in one transaction.

    `rows` come from reviewers.resources.parse_experts: (row number, parsed data or None, problems).
    Chosen over one savepoint per row so that a failure while writing (e.g. a concurrent import of
    the same e-mail) leaves nothing half-written: either every good row is in, or none is.
    """
    _require_officer(actor, "导入专家")
    rows = list(rows)
    emails = [d.email.strip().lower() for _, d, problems in rows if d is not None and not problems]
    taken = {e.lower() for e in User.objects.filter(username__in=emails).values_list("username", flat=True)}
    taken |= {e.lower() for e in Expert.objects.filter(email__in=emails).values_list("email", flat=True)}
    seen: dict[str, int] = {}
    good: list[ExpertData] = []
    errors: list[tuple[int, str]] = []
    for number, data, problems in rows:
        problems = list(problems)
        if data is not None and not problems:
            email = data.email.strip().lower()
            if email in taken:
                problems.append(f"邮箱 {email} 已在专家库或系统中")
            elif email in seen:
                problems.append(f"邮箱 {email} 与第{seen[email]}行重复")
            seen.setdefault(email, number)
        if problems:
            errors.extend((number, p) for p in problems)
        else:
            good.append(data)
    with transaction.atomic():
        imported = [register_expert(actor=actor, data=d) for d in good]
    return ImportReport(imported, errors)


def record_relation(
    *, actor, expert_id: int, organization_id: int, kind: str, start: date | None = None,
    end: date | None = None, note: str = "",
) -> ExpertRelation:
    _require_officer(actor, "登记专家关联关系")
    if kind not in RelationKind.values:
        raise ReviewError("请选择关联关系类型")
    if start and end and end < start:
        raise ReviewError("关联关系的结束日期不能早于开始日期")
    expert = Expert.objects.filter(pk=expert_id).first()
    organization = Organization.objects.filter(pk=organization_id).first()
    if expert is None or organization is None:
        raise ReviewError("专家或机构不存在")
    with transaction.atomic():
        # The expert's row is the lock: a double click or a second tab records the relation once.
        Expert.objects.select_for_update().filter(pk=expert.pk).first()
        if ExpertRelation.objects.filter(expert=expert, organization=organization, kind=kind, start=start,
                                         end=end).exists():
            raise ReviewError("该专家与该机构的这一关联关系已经登记，无需重复登记")
        return ExpertRelation.objects.create(
            expert=expert, organization=organization, kind=kind, start=start, end=end, note=note.strip()[:200],
            recorded_by=actor,
        )


def _conflicts_for(organization_ids: Iterable[int]) -> set[tuple[int, int]]:
    relations = ExpertRelation.objects.filter(organization_id__in=list(organization_ids)).values_list(
        "expert_id", "organization_id", "kind", "start", "end")
    return conflict_pairs((Relation(*r) for r in relations), today())


# ---------------------------------------------------------------- assignment

def _round_loads(round_id: int) -> dict[int, int]:
    return dict(
        Assignment.objects.filter(project__round_id=round_id).exclude(state=A.RECUSED)
        .values("expert_id").annotate(n=Count("id")).values_list("expert_id", "n")
    )


def _load_limits(round_id: int) -> dict[int, int]:
    return dict(ExpertLoadLimit.objects.filter(round_id=round_id).values_list("expert_id", "max_load"))


def _expert_inputs(round_id: int) -> list[ExpertIn]:
    loads = _round_loads(round_id)
    limits = _load_limits(round_id)
    return [
        ExpertIn(pk, tuple(domains or ()), is_finance, loads.get(pk, 0), limits.get(pk))
        for pk, domains, is_finance in Expert.objects.filter(active=True, user__is_active=True)
        .values_list("id", "domains", "is_finance")
    ]


def _exclusions(project_ids: Iterable[int]) -> dict[int, list[int]]:
    """Experts an officer took off each panel by hand: automatic runs and replacements skip them."""
    out: dict[int, list[int]] = {}
    for project_id, expert_id in PanelExclusion.objects.filter(project_id__in=list(project_ids)).values_list(
            "project_id", "expert_id"):
        out.setdefault(project_id, []).append(expert_id)
    return out


def expert_cap(round, expert_id: int) -> int:
    """The most proposals this expert may have in the round: the round's cap or the officer's lower one."""
    limit = ExpertLoadLimit.objects.filter(round=round, expert_id=expert_id).values_list("max_load", flat=True).first()
    return min(round.max_load_per_expert, limit) if limit is not None else round.max_load_per_expert


def assign_expert(*, actor, project, expert: Expert) -> Assignment:
    """An officer puts one expert on a panel by hand (audited); the same conflict and load rules apply.
    A hand-made assignment is pinned: automatic runs only add to panels, never take anyone off. Putting
    back an expert who was taken off by hand lifts that removal (audited)."""
    _require_officer(actor, "分配评审专家")
    with transaction.atomic():
        project = Project.objects.select_for_update().select_related("round", "organization").get(pk=project.pk)
        if project.state != State.UNDER_REVIEW:
            raise ReviewError("只有处于专家评审阶段的项目可以分配专家")
        if AssignmentRun.objects.filter(round_id=project.round_id, state=RunState.PENDING).exists():
            raise ReviewError("本批次的自动分配正在进行，请在其完成后再手动调整")
        if (expert.pk, project.organization_id) in _conflicts_for([project.organization_id]):
            raise ReviewError(f"专家{expert.name}与申报机构存在关联关系，须回避")
        existing = Assignment.objects.filter(project=project, expert=expert).first()
        if existing is not None:
            if existing.state == A.RECUSED:
                raise ReviewError(f"专家{expert.name}已声明回避该项目")
            return existing
        load = _round_loads(project.round_id).get(expert.pk, 0)
        cap = expert_cap(project.round, expert.pk)
        if load >= cap:
            raise ReviewError(f"专家{expert.name}本批次已评审 {load} 件，达到上限 {cap} 件")
        assignment = Assignment.objects.create(project=project, expert=expert)
        seat_counts.new_seats(project.round_id, [expert.pk])
        lifted = PanelExclusion.objects.filter(project=project, expert=expert).delete()[0]
        _log(project, actor, "assign_expert",
             f"分配评审专家：{expert.name}" + ("（撤销此前的移出）" if lifted else ""), {"expert": expert.pk})
        transaction.on_commit(lambda: notifications.expert_assigned(assignment.pk))
    return assignment


def remove_assignment(*, actor, assignment_id: int, reason: str) -> Project:
    """Takes an expert off a panel before they have submitted (audited with the reason)."""
    _require_officer(actor, "调整评审专家")
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("调整评审专家须填写理由")
    with transaction.atomic():
        assignment = Assignment.objects.select_for_update().select_related("expert").filter(pk=assignment_id).first()
        if assignment is None:
            raise ReviewError("评审任务不存在")
        project = Project.objects.select_for_update().get(pk=assignment.project_id)
        if project.state != State.UNDER_REVIEW:
            raise ReviewError("只有处于专家评审阶段的项目可以调整评审专家")
        if assignment.state == A.SUBMITTED:
            raise ReviewError("该专家已提交评分，不能移出评审组；如需重评请先退回评分")
        name = assignment.expert.name
        counted = seat_counts.of(assignment)
        assignment.delete()
        seat_counts.moved(project.round_id, assignment.expert_id, counted, seat_counts.ZERO)
        # Kept so that no automatic run or replacement puts the expert back on this panel.
        PanelExclusion.objects.update_or_create(
            project=project, expert_id=assignment.expert_id, defaults={"reason": reason[:500], "removed_by": actor})
        event = _log(project, actor, "unassign_expert", f"移出评审专家：{name}。理由：{reason}",
                     {"expert": assignment.expert_id})
        transaction.on_commit(lambda: notifications.expert_removed(event.pk))
        _finish_if_complete(actor, project.pk)
    return project


def start_auto_assignment(*, actor, round_id: int, seed: int) -> AssignmentRun:
    """Records the run and a background Job for it; the worker gets it after commit (in-process when no
    broker is set)."""
    _require_officer(actor, "自动分配评审专家")
    if not GrantRound.objects.filter(pk=round_id).exists():
        raise ReviewError("批次不存在")
    if seed < 0:
        raise ReviewError("随机种子必须是非负整数")
    if AssignmentRun.objects.filter(round_id=round_id, state=RunState.PENDING).exists():
        raise ReviewError("本批次已有一次自动分配正在进行，请等待其完成")
    with transaction.atomic():
        run = AssignmentRun.objects.create(round_id=round_id, seed=seed, requested_by=actor)
        total = Project.objects.filter(round_id=round_id, state=State.UNDER_REVIEW).count()
        # A documents Job carries it: progress bar, result file and error on the jobs page.
        run.job = start_job(actor=actor, kind=ASSIGNMENT_RUN, params={"run_id": run.pk}, total=total)
        run.save(update_fields=["job"])
    return run


# Projects written per transaction (about 5 seats each); the job's progress moves after each one.
RUN_CHUNK = 2000
# Connections writing chunks side by side on PostgreSQL (run_auto_assignment).
RUN_WRITERS = 2
# The first key of the chunks' advisory locks (the second is the chunk's first project id).
_ADVISORY_CLASS = 18_0001
# A run that writes this many seats refreshes the planner's statistics of the table afterwards.
ANALYZE_AFTER = 10_000


class _RunInputs(NamedTuple):
    projects: list[ProjectIn]
    experts: list[ExpertIn]
    conflicts: set[tuple[int, int]]
    names: dict[int, str]


def _run_inputs(round) -> _RunInputs:
    """Everything an automatic run reads, in a fixed number of queries whatever the round's size:
    the round's projects under review, their panels (recused seats are kept out), the experts an
    officer took off each panel, the recorded conflicts with their organizations, and the pool with
    loads, personal caps and names."""
    waiting = Project.objects.filter(round=round, state=State.UNDER_REVIEW)
    projects = list(waiting.order_by("id").values_list("id", "organization_id", "domain"))
    panels: dict[int, list[int]] = {}
    barred: dict[int, list[int]] = {}
    for project_id, expert_id, state in Assignment.objects.filter(
            project__round=round, project__state=State.UNDER_REVIEW).order_by("id").values_list(
            "project_id", "expert_id", "state"):
        (barred if state == A.RECUSED else panels).setdefault(project_id, []).append(expert_id)
    # Kept so that a second run never puts back an expert an officer took off a panel.
    for project_id, expert_id in PanelExclusion.objects.filter(
            project__round=round, project__state=State.UNDER_REVIEW).order_by("id").values_list(
            "project_id", "expert_id"):
        barred.setdefault(project_id, []).append(expert_id)
    relations = ExpertRelation.objects.filter(organization_id__in=waiting.values("organization_id")).values_list(
        "expert_id", "organization_id", "kind", "start", "end")
    conflicts = conflict_pairs((Relation(*r) for r in relations), today())
    loads = _round_loads(round.pk)
    limits = _load_limits(round.pk)
    experts, names = [], {}
    for pk, name, domains, is_finance in Expert.objects.filter(active=True, user__is_active=True).values_list(
            "id", "name", "domains", "is_finance"):
        experts.append(ExpertIn(pk, tuple(domains or ()), is_finance, loads.get(pk, 0), limits.get(pk)))
        names[pk] = name
    return _RunInputs(
        [ProjectIn(pid, org, domain or "", tuple(panels.get(pid, ())), tuple(barred.get(pid, ())))
         for pid, org, domain in projects],
        experts, conflicts, names)


class _Chunk(NamedTuple):
    projects: set[int]  # the chunk's projects that are there
    experts: set[int]  # the experts it seats that are there
    taken: set[tuple[int, int]]  # seats the chunk's projects already have


def _chunk_state(round_id: int, part: list[int], experts: set[int]) -> _Chunk:
    """What a chunk may write: its projects that are still in the round and the experts it seats that
    are there, and the seats those projects already have (written meanwhile by a second delivery of the
    job or an interrupted attempt). On PostgreSQL one query, which locks those projects and experts FOR
    KEY SHARE until the chunk commits: the lock a foreign-key check takes, once per row for the chunk
    instead of once per seat (a seat's keys have no database constraint, Assignment). A row deleted
    meanwhile gets no seat."""
    if connection.vendor != "postgresql":
        projects = set(Project.objects.filter(round_id=round_id, pk__in=part).values_list("pk", flat=True))
        return _Chunk(projects, set(Expert.objects.filter(pk__in=experts).values_list("pk", flat=True)),
                      set(Assignment.objects.filter(project_id__in=part).values_list("project_id", "expert_id")))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH p AS (SELECT id FROM {Project._meta.db_table} WHERE round_id = %s AND id = ANY(%s) "
            "FOR KEY SHARE), "
            f"e AS (SELECT id FROM {Expert._meta.db_table} WHERE id = ANY(%s) FOR KEY SHARE) "
            # OFFSET 0 keeps the look-up per project (the unique index, a few milliseconds for a
            # chunk): joined plainly, the planner hashed every seat of the table for each chunk.
            f"SELECT p.id, a.expert_id FROM p LEFT JOIN LATERAL (SELECT expert_id FROM {Assignment._meta.db_table} a "
            "WHERE a.project_id = p.id OFFSET 0) a ON true "
            "UNION ALL SELECT NULL, id FROM e",
            [round_id, sorted(part), list(experts)])
        rows = cursor.fetchall()
    return _Chunk({p for p, _ in rows if p is not None}, {e for p, e in rows if p is None},
                  {(p, e) for p, e in rows if p is not None and e is not None})


# A chunk: projects in the order the assignment staffed them, each with the experts it added.
Panels = list[tuple[int, tuple[int, ...]]]


def _write_chunk(part: Panels, *, run: AssignmentRun, names: dict[int, str], side_by_side: bool) -> bool:
    """Writes one chunk's new seats and audit rows in one transaction; False (nothing written) when
    the run is no longer pending."""
    with transaction.atomic():
        if side_by_side:
            # The writers of one delivery share the run's row lock (marking the run done or failed
            # waits for them); a second delivery's writer of the same chunk (the same seed staffs the
            # projects in the same order, so its chunks are the same) waits on the chunk's advisory
            # lock, then finds its seats taken.
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT 1 FROM {AssignmentRun._meta.db_table} WHERE id = %s AND state = %s FOR SHARE",
                               [run.pk, RunState.PENDING])
                if cursor.fetchone() is None:
                    return False
                cursor.execute("SELECT pg_advisory_xact_lock(%s::int4, %s::int4)", [_ADVISORY_CLASS, part[0][0] % 2**31])
        elif not AssignmentRun.objects.select_for_update().filter(pk=run.pk, state=RunState.PENDING).exists():
            return False
        # Seats written meanwhile (a second delivery of this job, an interrupted attempt) stay as they are.
        state = _chunk_state(run.round_id, [p for p, _ in part], {e for _, experts in part for e in experts})
        projects, pool, taken = state.projects, state.experts, state.taken
        changed: list[tuple[int, list[int]]] = []
        for p, added in part:
            if p not in projects:
                continue
            experts = [e for e in added if e in pool and (p, e) not in taken]
            if experts:
                changed.append((p, experts))
        _insert_seats(changed, run=run, names=names)
        # Last before the commit: the other writer waits on an expert's count row only from here on.
        seat_counts.new_seats(run.round_id, [e for _p, experts in changed for e in experts])
    return True


_SEAT_FIELDS = ["project_id", "expert_id", "run_id"]
_EVENT_FIELDS = ["project_id", "actor_id", "action", "comment", "data"]
_ASSIGNED_BY_RUN = "自动分配评审专家："


def _insert_seats(changed: list[tuple[int, list[int]]], *, run: AssignmentRun, names: dict[int, str]) -> None:
    """Each project's new seats, and one audit row per project naming who joined its panel. On
    PostgreSQL the COPY text is built here in one pass (core.bulk.Lines): a tuple per seat and a
    conversion per value (insert_rows) cost three times as much, a seventh of the run's Python time.
    The writer threads build it while the assignment is computed in the main thread, and the two take
    turns on the interpreter: each expert's id and escaped name are turned into text once per chunk."""
    actor_id, run_pk, seed = run.requested_by_id, run.pk, run.seed
    if not bulk.copies(Assignment):
        bulk.insert_rows(Assignment, _SEAT_FIELDS, [(p, e, run_pk) for p, experts in changed for e in experts])
        bulk.insert_rows(ProjectEvent, _EVENT_FIELDS, [
            (p, actor_id, "auto_assign", _ASSIGNED_BY_RUN + "、".join([names[e] for e in experts]),
             {"run": run_pk, "seed": seed, "experts": experts})
            for p, experts in changed])
        return
    seats, events = bulk.Lines(Assignment, _SEAT_FIELDS), bulk.Lines(ProjectEvent, _EVENT_FIELDS)
    seat_end = f"\t{run_pk}{seats.tail}\n"
    event_middle = f"\t{bulk.text(actor_id)}\tauto_assign\t{bulk.text(_ASSIGNED_BY_RUN)}"
    data_head, event_end = f'\t{{"run": {run_pk}, "seed": {seed}, "experts": [', f"]}}{events.tail}\n"
    ids: dict[int, str] = {}
    escaped: dict[int, str] = {}  # COPY escapes character by character, so a joined text's is the join of its parts'
    seat_text, event_text, count = [], [], 0
    for p, experts in changed:
        for e in experts:
            if e not in ids:
                ids[e], escaped[e] = str(e), bulk.text(names[e])
        head = f"{p}\t"
        seat_text.append("".join([head + ids[e] + seat_end for e in experts]))
        count += len(experts)
        event_text.append(f"{p}{event_middle}{'、'.join([escaped[e] for e in experts])}{data_head}"
                          f"{', '.join([ids[e] for e in experts])}{event_end}")
    seats.write("".join(seat_text), count)
    events.write("".join(event_text), len(changed))


class _RunStopped(Exception):
    """The run stopped being pending (marked failed by hand, finished by another delivery)."""


class _Writers:
    """Where the assignment hands its chunks (assign's `staffed`) while it goes on computing.

    Side by side (PostgreSQL, outside a transaction): `writers` threads, each with its own connection,
    write the chunks as they come. The assignment is Python in this thread; a chunk's COPY and index
    upkeep are work of a PostgreSQL backend on the other core: writing while computing instead of
    after it took the run from about 3.0× to about 2.5× the pure function's wall time
    (bench/assignment_db.py, 20k projects × 600 experts × 5).
    Progress is reported from this thread as chunks finish. A writer's error (or a lost job from
    `progress`) stops the others after their current chunk and is raised here, from the next chunk
    handed over or from close().

    Otherwise each chunk is written here as it is handed over."""

    def __init__(self, write, *, writers: int, side_by_side: bool, progress, total: int):
        self.write, self.progress, self.total = write, progress, total
        self.side_by_side, self.done, self.sent = side_by_side, 0, 0
        self.waiting: queue.SimpleQueue = queue.SimpleQueue()
        self.finished: queue.SimpleQueue = queue.SimpleQueue()
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._writer, name=f"assignment-writer-{i}", daemon=True)
                        for i in range(writers if side_by_side else 0)]
        for thread in self.threads:
            thread.start()

    def _writer(self) -> None:
        try:
            while True:
                part = self.waiting.get()
                if part is None or self.stop.is_set():
                    return
                try:
                    self.finished.put((part, self.write(part), None))
                except BaseException as exc:  # noqa: BLE001  handed to the calling thread
                    self.finished.put((part, False, exc))
                    return
        finally:
            connections.close_all()  # this thread's own connection

    def __call__(self, part: Panels) -> None:
        if not self.side_by_side:
            if not self.write(part):
                raise _RunStopped
            self._moved(len(part))
            return
        self.sent += 1
        self.waiting.put(part)
        while True:  # report what finished meanwhile, without waiting
            try:
                self._collect(self.finished.get_nowait())
            except queue.Empty:
                return

    def _collect(self, outcome) -> None:
        part, ok, error = outcome
        self.sent -= 1
        if error is not None:
            raise error
        if not ok:
            raise _RunStopped
        self._moved(len(part))

    def _moved(self, projects: int) -> None:
        self.done += projects
        if self.progress:
            self.progress(self.done, self.total)

    def close(self) -> None:
        """Waits for every chunk handed over; raises the first error."""
        try:
            while self.sent:
                self._collect(self.finished.get())
        finally:
            self.abandon()

    def abandon(self) -> None:
        self.stop.set()
        for _ in self.threads:
            self.waiting.put(None)
        for thread in self.threads:
            thread.join()
        self.threads = []


def run_auto_assignment(*, run_id: int, progress=None, chunk: int = RUN_CHUNK, writers: int = RUN_WRITERS) -> AssignmentRun:
    """Fills every under-review project of the round up to the panel size, keeping every panel
    member already there (hand-made assignments are pinned) and never putting back an expert an
    officer took off a panel. Reads its inputs in a fixed number of queries, then writes `chunk`
    projects per transaction in bulk (PostgreSQL COPY; core.bulk) with one audit row per changed
    project, and reports (done, total) to `progress` after each, so the officer watches it move.
    The queries do not grow with the round, only the number of chunks does. The chunks are written
    while the assignment is still being computed (_Writers); the final balancing pass of the
    assignment moves a few seats afterwards (_balance).

    Safe to run twice and to resume after a crash: a finished run is left alone; each chunk holds
    the run's row lock while it writes only seats that are not there yet, and what an interrupted
    run wrote counts as existing panels.

    Python's cyclic garbage collector waits meanwhile (core.cyclic_gc): the run's 100,000 pairs and
    their rows are acyclic and freed by reference counting, but while they are alive they made the
    collector walk the whole process a few times, about a fifth of the run's Python CPU."""
    with cyclic_gc.paused():
        return _run_auto_assignment(run_id, progress, chunk, writers)


def _run_auto_assignment(run_id: int, progress, chunk: int, writers: int) -> AssignmentRun:
    run = AssignmentRun.objects.select_related("round", "requested_by").get(pk=run_id)
    if run.state in (RunState.DONE, RunState.FAILED):
        return run
    round = run.round
    inputs = _run_inputs(round)
    total = len(inputs.projects)
    if progress:
        progress(0, total)
    side_by_side = writers > 1 and total > chunk and connection.vendor == "postgresql" and not connection.in_atomic_block
    write = partial(_write_chunk, run=run, names=inputs.names, side_by_side=side_by_side)
    handed: dict[int, tuple[int, ...]] = {}

    def staffed(part: Panels) -> None:
        handed.update(part)
        sink(part)

    sink = _Writers(write, writers=writers, side_by_side=side_by_side, progress=progress, total=total)
    try:
        result = assign(
            inputs.projects, inputs.experts, inputs.conflicts,
            per_project=round.experts_per_project, require_finance=round.require_finance_expert,
            max_load=round.max_load_per_expert, seed=run.seed, staffed=staffed, every=max(1, chunk),
        )
        sink.close()
    except _RunStopped:
        sink.abandon()
        return AssignmentRun.objects.get(pk=run.pk)
    except BaseException:
        sink.abandon()
        raise
    if len(result.assignments) >= ANALYZE_AFTER:
        # the balancing moves, the result workbook and the notices read them next (by the columns that
        # queries filter, join and group seats on)
        bulk.refresh_statistics(Assignment, ["project", "expert", "run", "state"])
    moved = _balance(run, handed, result, inputs.names)
    if moved is None:
        return AssignmentRun.objects.get(pk=run.pk)
    codes = dict(Project.objects.filter(pk__in=[u.project_id for u in result.unstaffed]).values_list("id", "code"))
    with transaction.atomic():
        run = AssignmentRun.objects.select_for_update(of=("self",)).select_related("round").get(pk=run.pk)
        if run.state != RunState.PENDING:
            return run
        run.unstaffed = [
            {"project_id": u.project_id, "code": codes.get(u.project_id, ""), "found": u.found,
             "needed": round.experts_per_project, "reasons": list(u.reasons)}
            for u in result.unstaffed
        ]
        run.created = Assignment.objects.filter(run=run).count()
        # "moved": the seats the balancing pass moved (the job page's summary reports it)
        run.stats = load_stats(result.loads) | {"projects": total, "moved": moved}
        run.state = RunState.DONE
        run.finished_at = timezone.now()
        run.save()
        transaction.on_commit(lambda: notifications.run_assigned(run.pk))
    return run


_BALANCED_BY_RUN = "自动分配均衡评审负荷：{old}改为{new}"
# Under SQLite's 999 parameters per statement; a run moves about one seat in a thousand.
_MOVES_PER_STATEMENT = 300


def _moves(handed: dict[int, tuple[int, ...]], result: Result) -> list[tuple[int, int, int]]:
    """(project, expert written, expert instead) for the seats the assignment's final balancing pass
    moved after their chunk was handed over (Result.rebalanced); a project's changes paired in expert
    order."""
    if not result.rebalanced:
        return []
    now: dict[int, set[int]] = {p: set() for p in result.rebalanced}
    for p, e in result.assignments:
        if p in now:
            now[p].add(e)
    moves: list[tuple[int, int, int]] = []
    for p in sorted(result.rebalanced):
        before, after = set(handed.get(p, ())), now[p]
        moves.extend(zip(repeat(p), sorted(before - after), sorted(after - before), strict=False))
    return moves


def _balance(run: AssignmentRun, handed: dict[int, tuple[int, ...]], result: Result, names: dict[int, str]) -> int | None:
    """Moves the written seats the final balancing pass changed (about one seat in a thousand), in one
    transaction and a statement per 300 moves: a seat moves only while untouched (still assigned,
    never saved, this run's) and while its new expert is not on the panel; each move leaves an audit
    row and moves the two experts' counts. The number of seats moved; None when the run is no longer
    pending."""
    moves = _moves(handed, result)
    if not moves:
        return 0
    table = Assignment._meta.db_table
    with transaction.atomic():
        if not AssignmentRun.objects.select_for_update().filter(pk=run.pk, state=RunState.PENDING).exists():
            return None
        done: set[tuple[int, int]] = set()
        with connection.cursor() as cursor:
            for start in range(0, len(moves), _MOVES_PER_STATEMENT):
                part = moves[start:start + _MOVES_PER_STATEMENT]
                cursor.execute(
                    f"WITH m(project, was, becomes) AS (VALUES {', '.join(['(%s, %s, %s)'] * len(part))}) "
                    f"UPDATE {table} SET expert_id = m.becomes FROM m WHERE {table}.project_id = m.project "
                    f"AND {table}.expert_id = m.was AND {table}.run_id = %s AND {table}.state = %s "
                    f"AND {table}.version = 0 AND NOT EXISTS "
                    f"(SELECT 1 FROM {table} b WHERE b.project_id = m.project AND b.expert_id = m.becomes) "
                    f"RETURNING {table}.project_id, {table}.expert_id",
                    [v for move in part for v in move] + [run.pk, A.ASSIGNED])
                done.update(cursor.fetchall())
        old_of = {(p, new): old for p, old, new in moves}
        moved = [(p, old_of[(p, new)], new) for p, new in sorted(done)]
        bulk.insert_rows(ProjectEvent, _EVENT_FIELDS, [
            (p, run.requested_by_id, "auto_assign_balance", _BALANCED_BY_RUN.format(old=names[old], new=names[new]),
             {"run": run.pk, "seed": run.seed, "from": old, "to": new})
            for p, old, new in moved])
        seat_counts.reseated(run.round_id, [(old, new) for _p, old, new in moved])
    return len(moved)


def start_run_workbook(*, actor, run_id: int):
    """Starts the job that writes a finished run's result workbook (a double click gets the same job)."""
    _require_officer(actor, "导出自动分配结果")
    run = AssignmentRun.objects.filter(pk=run_id).first()
    if run is None:
        raise ReviewError("自动分配记录不存在")
    if run.state != RunState.DONE:
        raise ReviewError("本次自动分配尚未完成，完成后才能导出结果")
    return start_job(actor=actor, kind=ASSIGNMENT_RESULT, params={"run_id": run.pk}, total=1)


def mark_run_failed(*, run_id: int, error: str) -> None:
    AssignmentRun.objects.filter(pk=run_id).exclude(state=RunState.DONE).update(
        state=RunState.FAILED, error=error[:2000], finished_at=timezone.now())


def _replace_recused(actor, project: Project) -> Assignment | None:
    """Offers a recused expert's slot to the next eligible expert, by the same rules as the automatic run."""
    panel, excluded = [], list(_exclusions([project.pk]).get(project.pk, ()))
    for expert_id, state in project.assignments.values_list("expert_id", "state"):
        (excluded if state == A.RECUSED else panel).append(expert_id)
    round = project.round
    result = assign(
        [ProjectIn(project.pk, project.organization_id, project.domain or "", tuple(panel), tuple(excluded))],
        _expert_inputs(round.pk), _conflicts_for([project.organization_id]),
        per_project=round.experts_per_project, require_finance=round.require_finance_expert,
        max_load=round.max_load_per_expert, seed=project.pk,
    )
    if not result.assignments:
        _log(project, actor, "replacement_missing", "专家回避后没有其他可用专家，请项目管理员手动分配")
        return None
    created = None
    for _, expert_id in result.assignments:
        created = Assignment.objects.create(project=project, expert_id=expert_id)
        seat_counts.new_seats(project.round_id, [expert_id])
        _log(project, actor, "assign_expert", f"回避后自动递补评审专家：{created.expert.name}", {"expert": expert_id})
        transaction.on_commit(partial(notifications.expert_assigned, created.pk))
    return created


def recuse_for_conflict(actor, *, expert_id: int, organization_id: int, round_id: int, why: str) -> list[str]:
    """A conflict found after assignment (declared on the round's list, or confirmed by an officer)
    recuses the expert from every open panel seat for that organization in the round and offers the
    seat to the next eligible expert. A submitted review is not touched: an officer must first reopen
    it; the returned texts name those projects. Call inside the caller's transaction."""
    left: list[str] = []
    seats = (Assignment.objects.select_for_update().select_related("project__round", "expert")
             .filter(expert_id=expert_id, project__organization_id=organization_id, project__round_id=round_id)
             .exclude(state=A.RECUSED))
    for a in seats:
        if a.state == A.SUBMITTED:
            left.append(f"{a.project.code}：专家{a.expert.name}已提交评分，须先退回评分再回避")
            continue
        counted = seat_counts.of(a)
        a.recuse()
        a.conflict_note = why[:500]
        a.save()
        seat_counts.moved(a.project.round_id, a.expert_id, counted, seat_counts.of(a))
        _log(a.project, actor, "expert_recused", f"评审专家{a.expert.name}因利益冲突回避：{why}")
        if a.project.state == State.UNDER_REVIEW:
            _replace_recused(actor, a.project)
    return left


# ---------------------------------------------------------------- the expert's own work

def _own(assignment_id: int, actor) -> Assignment:
    assignment = (
        Assignment.objects.select_for_update().select_related("project__round", "project__organization", "expert")
        .filter(pk=assignment_id).first()
    )
    if assignment is None or assignment.expert.user_id != getattr(actor, "pk", None):
        raise ReviewError("这不是分配给您的评审任务")
    return assignment


def _own_open(assignment_id: int, actor, expected_version: int | None = None) -> Assignment:
    """The actor's own assignment, still open for scores (declared free of conflicts, not submitted),
    and, when the page says which version it edited, still at that version: one truth per review."""
    assignment = _own(assignment_id, actor)
    if assignment.state == A.SUBMITTED:
        when = timezone.localtime(assignment.submitted_at).strftime("%Y-%m-%d %H:%M") if assignment.submitted_at else ""
        raise StaleReview(f"该评分已于 {when} 提交，已提交的评分不能修改，本次修改未保存")
    if assignment.state != A.ACCEPTED:
        raise ReviewError("请先声明无利益冲突")
    if expected_version is not None and expected_version != assignment.version:
        raise StaleReview("该评分已在其他页面中修改并保存，本次修改未保存，请核对最新保存的评分后重新填写")
    return assignment


def declare(*, actor, assignment_id: int, has_conflict: bool, note: str = "") -> Assignment:
    """The declaration before the proposal is shown. A conflict recuses the expert, is recorded as a
    relation (so no later round assigns them to this organization by mistake) and frees the slot."""
    with transaction.atomic():
        a = _own(assignment_id, actor)
        if a.state != A.ASSIGNED:
            raise ReviewError("您已经作出过利益冲突声明")
        if a.project.state != State.UNDER_REVIEW:
            raise ReviewError("该项目已不在专家评审阶段")
        note = (note or "").strip()
        counted = seat_counts.of(a)
        a.declared_at = timezone.now()
        if has_conflict:
            if not note:
                raise ReviewError("声明存在利益冲突时请简要说明关系")
            a.recuse()
            a.conflict_note = note[:500]
            a.save()
            seat_counts.moved(a.project.round_id, a.expert_id, counted, seat_counts.of(a))
            ExpertRelation.objects.create(
                expert=a.expert, organization=a.project.organization, kind=RelationKind.DECLARED, start=today(),
                note=note[:200], recorded_by=actor,
            )
            _log(a.project, actor, "expert_recused", f"评审专家{a.expert.name}声明利益冲突并回避")
            _replace_recused(actor, a.project)
        else:
            a.accept()
            a.save()
            seat_counts.moved(a.project.round_id, a.expert_id, counted, seat_counts.of(a))
            _log(a.project, actor, "expert_declared", f"评审专家{a.expert.name}声明无利益冲突")
    return a


def save_draft(*, actor, assignment_id: int, scores: dict, comment: str = "",
               criterion_comments: dict | None = None, expected_version: int | None = None,
               now=None) -> Assignment:
    with transaction.atomic():
        a = _own_open(assignment_id, actor, expected_version)
        window.require_open(a.project.round, now=now)
        rubric = a.project.round.rubric
        problems = scoring.draft_problems(rubric, scores)
        if problems:
            raise ReviewError(problems)
        counted = seat_counts.of(a)
        a.scores = {k: str(v) for k, v in scores.items() if v not in (None, "")}
        a.criterion_comments = scoring.clean_comments(rubric, criterion_comments or {})
        a.comment = (comment or "").strip()
        a.total = scoring.draft_total(rubric, a.scores)
        a.draft_saved_at = timezone.now()
        a.version += 1
        a.save()
        seat_counts.moved(a.project.round_id, a.expert_id, counted, seat_counts.of(a))
    return a


def submit_review(*, actor, assignment_id: int, scores: dict, comment: str = "",
                  criterion_comments: dict | None = None, expected_version: int | None = None,
                  now=None) -> Assignment:
    """Scores are taken while the round's review window is open (reviewers.window); `now` is for
    tests and the demo seed only. `expected_version`: the version the expert's page showed; a stale
    page is refused (one truth per review)."""
    with transaction.atomic():
        a = _own_open(assignment_id, actor, expected_version)
        window.require_open(a.project.round, now=now)
        round = a.project.round
        comment = (comment or "").strip()
        problems = scoring.submit_problems(round.rubric, scores, comment, round.comment_required_below)
        if problems:
            raise ReviewError(problems)
        counted = seat_counts.of(a)
        a.scores = {k: str(v) for k, v in scores.items()}
        a.criterion_comments = scoring.clean_comments(round.rubric, criterion_comments or {})
        a.total = total_of(round.rubric, scores)
        a.comment = comment
        a.submit()
        a.submitted_at = timezone.now()
        a.version += 1
        a.save()
        seat_counts.moved(round.pk, a.expert_id, counted, seat_counts.of(a))
        aggregates.refresh([a.project_id], expert_ids=[a.expert_id])
        _log(a.project, actor, "review_submitted", f"评审专家{a.expert.name}提交评分")
        _finish_if_complete(actor, a.project_id)
    return a


def _finish_if_complete(actor, project_id: int) -> None:
    project = Project.objects.get(pk=project_id)
    if project.state == State.UNDER_REVIEW and not review_finished(project):
        project_services.finish_review(actor=actor, project_id=project_id, system=True)


def reopen_review(*, actor, assignment_id: int, reason: str) -> Assignment:
    """Only an officer unlocks a submitted review, with a reason kept on the audit trail. Allowed
    until the funding decision; the project stays where it is and the ranking treats the review as
    pending until it is submitted again."""
    _require_officer(actor, "退回专家评分")
    reason = (reason or "").strip()
    if not reason:
        raise ReviewError("退回评分须填写理由")
    with transaction.atomic():
        a = Assignment.objects.select_for_update().select_related("project", "expert").filter(pk=assignment_id).first()
        if a is None:
            raise ReviewError("评审任务不存在")
        if a.state != A.SUBMITTED:
            raise ReviewError("只有已提交的评分可以退回")
        if a.project.state not in (State.UNDER_REVIEW, State.REVIEWED):
            raise ReviewError(f"项目当前状态为「{a.project.state_label}」，已作出立项决定，不能退回评分")
        counted = seat_counts.of(a)
        a.reopen()
        a.submitted_at = None
        a.version += 1
        a.save()
        seat_counts.moved(a.project.round_id, a.expert_id, counted, seat_counts.of(a))
        aggregates.refresh([a.project_id], expert_ids=[a.expert_id])
        event = _log(a.project, actor, "review_reopened", f"退回评审专家{a.expert.name}的评分。理由：{reason}",
                     {"assignment": a.pk, "previous_total": str(a.total)})
        transaction.on_commit(lambda: notifications.review_reopened(event.pk))
    return a


# ---------------------------------------------------------------- decision and 公示

class Decision(NamedTuple):
    project_id: int
    action: str  # "approve", "waitlist" or "reject"
    amount: str = ""
    comment: str = ""


def decide(*, actor, round_id: int, decisions: Iterable[Decision]) -> list[Project]:
    """Applies a batch of funding decisions in the given (rank) order through the project services.
    All or nothing: if any project fails, none is changed and every reason is reported."""
    _require_officer(actor, "作出立项决定")
    decisions = list(decisions)
    if not decisions:
        raise ReviewError("请至少选择一个项目")
    errors: list[str] = []
    done: list[Project] = []
    codes = dict(Project.objects.filter(pk__in=[d.project_id for d in decisions], round_id=round_id)
                 .values_list("id", "code"))
    with transaction.atomic(), public_versions.one_bump_per_round():
        for d in decisions:
            if d.project_id not in codes:
                errors.append(f"项目 {d.project_id} 不属于本批次")
                continue
            try:
                with transaction.atomic():
                    if d.action == "approve":
                        done.append(project_services.approve_project(
                            actor=actor, project_id=d.project_id, approved_amount=d.amount, comment=d.comment))
                    elif d.action == "waitlist":
                        done.append(project_services.waitlist_project(actor=actor, project_id=d.project_id, comment=d.comment))
                    elif d.action == "reject":
                        done.append(project_services.reject_project(actor=actor, project_id=d.project_id, comment=d.comment))
                    else:
                        raise ReviewError("请选择拟资助、候补或不予资助")
            except (DomainError, ValueError, TypeError) as exc:
                messages = exc.errors if isinstance(exc, DomainError) else [str(exc)]
                errors.extend(f"{codes[d.project_id]}：{m}" for m in messages)
        if errors:
            raise ReviewError(errors)
    return done


def publish_round(*, actor, round_id: int, now=None) -> list[Project]:
    """Puts every approved project of the round into 公示 together (one start date, one end date)."""
    _require_officer(actor, "发布公示")
    ids = list(Project.objects.filter(round_id=round_id, state=State.APPROVED).order_by("code").values_list("id", flat=True))
    if not ids:
        raise ReviewError("本批次没有待公示的拟资助项目")
    with transaction.atomic(), public_versions.one_bump_per_round():
        return [project_services.publish_project(actor=actor, project_id=pid, now=now) for pid in ids]
