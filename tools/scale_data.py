"""A province-sized grant round built by bulk inserts, for load tests, benchmarks and query-count tests.

Why bulk inserts instead of the services: the services lock, check and audit one row at a time,
which is right for people and takes hours for 20,000 projects (a World.advance() is ~40 queries per
step). This module is the one place allowed to bypass them, and it writes exactly the rows the
services would have written for the same history:

- projects in valid FSM states only, reached along real transitions; one ProjectEvent per
  transition (actor, from/to state, the services' comments and data, the submit snapshot), plus
  the non-transition audit rows the services write on the way (create, auto_assign,
  expert_declared, review_submitted, payment);
- budgets whose grant-paid lines sum to the requested amount with grant-paid labor at most 50 % of
  it (the labor rule), attachments for every required kind, milestones and indicators;
- panels from the real assignment algorithm (reviewers.assignment.assign) against recorded
  conflicts, scores valid against the rubric with totals from projects.evaluation.total_of;
  every project past review has all its assignments submitted;
- approved amount = requested amount, so the budget fits the approved amount (labor rule point 2);
- tranches from grants.rules.tranches.split_amount (they sum to the approved amount), payments for paid
  tranches in closed batches signed off by three different finance users, and one append-only
  ledger entry per tranche move, so finance.ledger reconciles;
- evaluations for passed mid-term and final evaluations.

Not written: in-app notifications (a side effect of transitions, not domain state) and files for
each attachment (every attachment row points at one shared small PDF).

Everything runs in one transaction: a failure leaves nothing half-built. Deterministic for a seed.
"""
from __future__ import annotations

import random
import resource
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db import models as djmodels
from django.db.models import Count, Sum
from django.utils import timezone

from accounts.models import Role, User
from core import storage
from core.calendar import SHANGHAI, add_working_days, today
from core.money import format_yuan
from finance import money_cells
from finance.models import (
    Batch,
    BatchEvent,
    BatchState,
    LedgerEntry,
    LedgerKind,
    Payment,
    Tranche,
    TrancheState,
)
from grants import defaults
from grants.models import GrantRound, Membership, Organization, OrgType
from grants.rules.credit_code import check_char
from grants.rules.tranches import split_amount
from projects import dashboard_cells
from projects.evaluation import grade_for, total_of
from projects.models import (
    Attachment,
    BudgetLine,
    Evaluation,
    EvaluationKind,
    Indicator,
    Milestone,
    Project,
    ProjectEvent,
)
from projects.services import EDITABLE_FIELDS
from projects.states import State
from reviewers import aggregates, seat_counts
from reviewers.assignment import ExpertIn, ProjectIn, assign, load_stats
from reviewers.conflicts import Relation, conflict_pairs
from reviewers.models import Assignment, AssignmentRun, AssignmentState, Expert, ExpertRelation, RelationKind, RunState

S = State
A = AssignmentState
T = TrancheState

ROUND_CODE = "SCALE"
USER_PREFIX = "scale-"
ORG_PREFIX = "规模测试"
PASSWORD = "pass-12345"
SHARED_PDF = "attachments/scale/shared.pdf"
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
BATCH = 2000
# Projects generated, written and let go at a time: memory stays flat whatever the round's size.
CHUNK = 5000

# Where a province-wide round stands half-way through implementation. Every project that reached
# expert review has a full panel, so 20,000 projects carry close to 100,000 scores.
STATE_MIX = [
    (S.DRAFT, 0.010), (S.SUBMITTED, 0.005), (S.RETURNED, 0.005), (S.INELIGIBLE, 0.015), (S.WITHDRAWN, 0.005),
    (S.UNDER_REVIEW, 0.040), (S.REVIEWED, 0.050), (S.REJECTED, 0.390), (S.WAITLISTED, 0.050),
    (S.APPROVED, 0.010), (S.PUBLICITY, 0.020), (S.OBJECTION, 0.002), (S.CONTRACTED, 0.050),
    (S.IN_PROGRESS, 0.180), (S.MIDTERM_REVIEW, 0.050), (S.FINAL_REVIEW, 0.050), (S.COMPLETED, 0.063),
    (S.TERMINATED, 0.005),
]
REVIEWED_STATES = {
    S.UNDER_REVIEW, S.REVIEWED, S.REJECTED, S.WAITLISTED, S.APPROVED, S.PUBLICITY, S.OBJECTION, S.CONTRACTED,
    S.IN_PROGRESS, S.MIDTERM_REVIEW, S.FINAL_REVIEW, S.COMPLETED, S.TERMINATED,
}
DECIDED_APPROVED = {
    S.APPROVED, S.PUBLICITY, S.OBJECTION, S.CONTRACTED, S.IN_PROGRESS, S.MIDTERM_REVIEW, S.FINAL_REVIEW,
    S.COMPLETED, S.TERMINATED,
}
SIGNED_STATES = {S.CONTRACTED, S.IN_PROGRESS, S.MIDTERM_REVIEW, S.FINAL_REVIEW, S.COMPLETED, S.TERMINATED}
# Mean expert score by outcome, so the ranking puts funded projects on top as a real panel would.
SCORE_MEAN = {S.REJECTED: 66, S.WAITLISTED: 76, S.UNDER_REVIEW: 75, S.REVIEWED: 75}
FUNDED_MEAN = 85

DISTRICTS = [
    "鹿城区", "龙湾区", "瓯海区", "洞头区", "瑞安市", "乐清市", "上城区", "拱墅区", "西湖区", "滨江区", "萧山区",
    "余杭区", "海曙区", "江北区", "鄞州区", "越城区", "柯桥区", "婺城区", "金东区", "柯城区", "衢江区", "椒江区",
    "黄岩区", "莲都区", "吴兴区", "南浔区", "南湖区", "秀洲区", "定海区", "普陀区",
]
TITLES = {
    "elderly": ["长者互助食堂", "高龄独居老人探访", "认知障碍照护支持", "银龄数字课堂"],
    "disability": ["残障青年就业支持", "康复家庭喘息服务", "无障碍社区营造", "特殊儿童融合教育"],
    "youth": ["四点半课堂", "青少年心理护航", "流动儿童阅读计划", "困境儿童成长陪伴"],
    "hardship": ["困难家庭帮扶", "低保家庭增能", "临时救助转介", "困难群众微心愿"],
    "community": ["社区议事厅", "楼道自治", "邻里互助网络", "社区志愿服务站"],
    "other": ["环境友好社区", "垃圾分类宣导", "社区应急能力建设", "文明实践服务"],
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅琳燕云飞鹏辉健宁欣怡晨宇浩然"


@dataclass
class People:
    officer: User
    finance: list[User]  # 经办, 审核, 审批: three different people
    evaluator: User
    experts: list[Expert]


@dataclass
class Plan:
    """One project's generated history, kept light: the rows are written in bulk from it."""

    project: Project
    member: User
    state: str
    midterm_passed: bool = False
    tranche_plan: list[str] = field(default_factory=list)  # target state per tranche


@dataclass
class Clock:
    """Dates of the round's history, relative to today so every window has closed as it would have."""

    today: date

    def at(self, days_ago: int, hour: int = 10) -> datetime:
        return datetime.combine(self.today - timedelta(days=days_ago), dtime(hour), tzinfo=SHANGHAI)

    def day(self, days_ago: int) -> date:
        return self.today - timedelta(days=days_ago)


def existing_round() -> GrantRound | None:
    return GrantRound.objects.filter(code=ROUND_CODE).first()


# ---------------------------------------------------------------- removal


def _purge(qs, depth: int = 0) -> None:
    """Deletes the rows and everything that depends on them, children first, with set-based SQL.

    Django's collector loads every row to delete into memory; at this size a raw delete per table
    with subqueries is seconds instead of minutes. The money ledger is append-only for the
    product; a synthetic round is removed whole here, by design, and nowhere else.
    """
    if depth > 8 or not qs.exists():
        return
    # Hidden reverse relations too (related_name="+", e.g. the security log's user): related_objects
    # leaves them out, and their rows would break the foreign keys at commit.
    for rel in qs.model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        fk = rel.field
        dependent = rel.related_model._base_manager.filter(**{f"{fk.name}__in": qs.values("pk")})
        on_delete = fk.remote_field.on_delete
        if on_delete is djmodels.SET_NULL:
            if dependent.exists():
                djmodels.QuerySet.update(dependent, **{fk.name: None})
        elif on_delete is not djmodels.DO_NOTHING:
            _purge(dependent, depth + 1)
    qs._raw_delete(qs.db)


def remove_scale_round() -> None:
    with transaction.atomic():
        _purge(GrantRound.objects.filter(code=ROUND_CODE))
        _purge(Organization.objects.filter(name__startswith=ORG_PREFIX))
        _purge(Expert.objects.filter(email__startswith=USER_PREFIX))
        _purge(User.objects.filter(username__startswith=USER_PREFIX))


# ---------------------------------------------------------------- building


def _counts(n: int, rng: random.Random) -> list[str]:
    """Exactly n states in the STATE_MIX proportions (largest remainder), shuffled."""
    raw = [(state, share * n) for state, share in STATE_MIX]
    counts = {state: int(x) for state, x in raw}
    for state, _share in sorted(raw, key=lambda r: r[1] - int(r[1]), reverse=True)[: n - sum(counts.values())]:
        counts[state] += 1
    states = [state for state, c in counts.items() for _ in range(c)]
    rng.shuffle(states)
    return states


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def _credit_code(k: int) -> str:
    body = f"52330000YC{k:07d}"
    return body + check_char(body)



# ---------------------------------------------------------------- fast inserts

# Django's bulk_create compiles and converts every value through the field API: at a million rows
# that is most of the run. These helpers allocate primary keys up front (so related rows can point
# at them before anything is written), convert only the field types the database adapters need,
# and write the rows with COPY on PostgreSQL (psycopg 3 cursor.copy: one stream per table and
# chunk, no SQL to parse) or many rows per INSERT statement elsewhere (SQLite, for small rounds).
# Safe because the whole build runs in one transaction by one process; PostgreSQL sequences are
# moved past the used ids at the end (reset_sequences).
_PREPARED = {"DecimalField", "JSONField", "DateTimeField", "DateField", "GenericIPAddressField", "FileField"}
_next_ids: dict[type, int] = {}
written: Counter[str] = Counter()  # rows written per table since the process started (for the report)


def allocate(model, n: int) -> range:
    if model not in _next_ids:
        _next_ids[model] = (model._base_manager.aggregate(m=djmodels.Max("pk"))["m"] or 0) + 1
    start = _next_ids[model]
    _next_ids[model] = start + n
    return range(start, start + n)


def _reader(field, now, conn):
    if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        value = field.get_db_prep_save(now, conn)
        return lambda obj: value
    name = field.attname
    if field.is_relation:
        def fk(obj):
            value = getattr(obj, name)
            if value is None:
                related = field.get_cached_value(obj, None)
                value = related.pk if related is not None else None
            return value
        return fk
    if field.get_internal_type() in _PREPARED:
        return lambda obj: field.get_db_prep_save(getattr(obj, name), conn)
    return lambda obj: getattr(obj, name)


def insert(objs: list) -> list:
    """Writes model instances (pks allocated here when unset), many rows per statement; returns them."""
    if not objs:
        return objs
    model = type(objs[0])
    meta = model._meta
    missing = [o for o in objs if o.pk is None]
    for obj, pk in zip(missing, allocate(model, len(missing)), strict=True):
        obj.pk = pk
    now = timezone.now()
    fields = meta.concrete_fields
    for model_field in fields:  # what Model.save() would default: e.g. JSON dicts, auto_now times
        if getattr(model_field, "auto_now", False) or getattr(model_field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, model_field.attname, now)
    conn = connections[DEFAULT_DB_ALIAS]  # the real wrapper: the `connection` proxy costs a lookup per value
    readers = [_reader(f, now, conn) for f in fields]
    quote = conn.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            # COPY in text format: psycopg dumps each Python value (Decimal, datetime, Jsonb, None)
            # and the server parses it by the column's type, exactly as for an INSERT parameter.
            with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
                for obj in objs:
                    copy.write_row([r(obj) for r in readers])
        else:
            head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
            row = f"({', '.join(['%s'] * len(fields))})"
            # Many rows per statement, as many as the backend takes (SQLite: 999 parameters).
            per = max(1, min(1000, conn.ops.bulk_batch_size(fields, objs)))
            for i in range(0, len(objs), per):
                chunk = objs[i:i + per]
                cursor.execute(head + ", ".join([row] * len(chunk)), [r(o) for o in chunk for r in readers])
    written[meta.db_table] += len(objs)
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    return objs


def reset_sequences(*, failed: bool = False) -> None:
    models = list(_next_ids)
    _next_ids.clear()
    if failed:
        return
    statements = connection.ops.sequence_reset_sql(no_style(), models)
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


class ScaleBuilder:
    """Creates the round and its staff once; add_projects() can then be called repeatedly."""

    def __init__(self, *, experts: int, seed: int = 2026, log: Callable[[str], None] | None = None,
                 reviews_per_project: int = 5, chunk: int = CHUNK, no_assignments: bool = False):
        self.rng = random.Random(seed)
        # Every project waits under review with no panel yet (recorded conflicts only): the input of
        # an automatic assignment run at full size (bench/assignment.py times the real path on it).
        self.no_assignments = no_assignments
        self.log = log or (lambda _msg: None)
        self.clock = Clock(today())
        self.password = make_password(PASSWORD)  # hashed once: hashing 20,000 times would take minutes
        self.n_experts = experts
        self.per_project = reviews_per_project
        self.chunk = chunk
        self.round: GrantRound = None  # type: ignore[assignment]  # set by create_round, before any other step
        self.people: People = None  # type: ignore[assignment]  # set by create_round
        self.next_org = 1
        self.loads: dict[int, int] | None = None  # assignments per expert in the round, read once, then kept
        self.waiting = 0  # projects left without a panel so far (no_assignments): the cap must fit them all

    def timed(self, label: str, fn, *args, **kwargs):
        started = time.perf_counter()
        result = fn(*args, **kwargs)
        self.log(f"  {label}: {time.perf_counter() - started:.1f} s")
        return result

    # -------------------------------------------------------- round and staff

    def create_round(self) -> GrantRound:
        c = self.clock
        self.round = GrantRound.objects.create(
            name=f"{c.today.year}年浙江省福彩公益金公益创投（规模测试）", year=c.today.year, code=ROUND_CODE,
            description="全省统一申报的公益创投批次，用于性能与可靠性测试。", pot=Decimal("1.00"),
            min_amount=Decimal("10000.00"), max_amount=Decimal("200000.00"),
            apply_start=c.day(260), apply_end=c.day(200), review_start=c.day(195), review_end=c.day(170),
            experts_per_project=self.per_project, require_finance_expert=True, max_load_per_expert=40,
        )
        staff = [
            User(username=f"{USER_PREFIX}officer", role=Role.OFFICER, display_name="规模测试项目管理员"),
            *[User(username=f"{USER_PREFIX}finance-{i}", role=Role.FINANCE, display_name=f"规模测试财务{i}")
              for i in (1, 2, 3)],
            User(username=f"{USER_PREFIX}evaluator", role=Role.EVALUATOR, display_name="规模测试评估机构"),
        ]
        for u in staff:
            u.password = self.password
        staff = insert(staff)
        users, experts = [], []
        for k in range(1, self.n_experts + 1):
            email = f"{USER_PREFIX}expert-{k:04d}@example.org"
            name = _name(self.rng)
            users.append(User(username=email, email=email, role=Role.EXPERT, display_name=name, password=self.password))
            experts.append(Expert(
                name=name, email=email, employer=self.rng.choice(["浙江大学", "浙江工业大学", "温州大学", "省社会工作协会",
                                                                   "会计师事务所", "市民政局退休干部"]),
                title=self.rng.choice(["教授", "副教授", "高级社工师", "注册会计师", "研究员"]),
                domains=self.rng.sample(list(defaults.DOMAINS), self.rng.randint(1, 3)),
                district=self.rng.choice(DISTRICTS), is_finance=k % 5 == 0,
            ))
        users = insert(users)
        for user, expert in zip(users, experts, strict=True):
            expert.user = user
        experts = insert(experts)
        self.people = People(officer=staff[0], finance=staff[1:4], evaluator=staff[4], experts=experts)
        self._shared_pdf()
        reset_sequences()
        return self.round

    def _shared_pdf(self) -> None:
        store = storage.protected()
        if not store.exists(SHARED_PDF):
            store.save(SHARED_PDF, ContentFile(PDF_BYTES))

    # -------------------------------------------------------- projects

    def add_projects(self, n: int) -> dict:
        """n more projects in the round, in the STATE_MIX proportions, with their whole history."""
        assert self.round is not None and self.people is not None, "create_round() first"
        try:
            return self._add_projects(n)
        except BaseException:
            reset_sequences(failed=True)
            raise

    def _add_projects(self, n: int) -> dict:
        """Chunk by chunk (self.chunk projects): each chunk's whole history is generated, written and
        dropped before the next, as an officer running auto-assignment on each intake would have."""
        states = [S.UNDER_REVIEW.value] * n if self.no_assignments else _counts(n, self.rng)
        stages: dict[str, float] = defaultdict(float)
        started, rows_before = time.perf_counter(), written.total()
        for i in range(0, n, self.chunk):
            self._add_chunk(states[i:i + self.chunk], stages)
            rows, elapsed = written.total() - rows_before, time.perf_counter() - started
            self.log(f"  {min(n, i + self.chunk)}/{n} projects: {rows} rows in {elapsed:.1f} s "
                     f"({rows / max(elapsed, 1e-9):.0f} rows/s), peak RSS {peak_rss_mib():.0f} MiB")
        for label, seconds in stages.items():
            self.log(f"    {label}: {seconds:.1f} s")
        self._set_pot()
        # Seats, evaluations, indicators and states were bulk-inserted past reviewers.seat_counts and
        # projects.dashboard_cells: count them once for the whole round.
        seat_counts.rebuild_round(self.round)
        dashboard_cells.rebuild_round(self.round)
        reset_sequences()
        return self.summary()

    def _add_chunk(self, states: list[str], stages: dict[str, float]) -> None:
        def stage(label: str, fn, *args):
            t = time.perf_counter()
            result = fn(*args)
            stages[label] += time.perf_counter() - t
            return result

        plans = stage("organizations, members and projects", self._projects, states)
        stage("budgets, milestones, indicators, attachments", self._application_rows, plans)
        stage("application audit trail", self._application_events, plans)
        reviewed = [p for p in plans if p.state in REVIEWED_STATES]
        if self.no_assignments:
            stage("conflicts, no panels", self._relations, reviewed)
            # Every chunk so far, not this one alone: a cap fitted to one chunk left most projects of a
            # chunked build unstaffable (47 seats per expert for 20,000 projects in chunks of 5,000).
            self.waiting += len(reviewed)
            self._raise_max_load(self.waiting)
        else:
            stage("panels and scores", self._review, reviewed)
        stage("decisions, 公示 and agreements", self._decisions, plans)
        stage("tranches, batches, payments and ledger", self._money, [p for p in plans if p.state in SIGNED_STATES])

    def _projects(self, states: list[str]) -> list[Plan]:
        c, rng = self.clock, self.rng
        orgs, members, projects = [], [], []
        for _state in states:  # one organization and member per project; states are zipped in below
            k = self.next_org
            self.next_org += 1
            name = f"{ORG_PREFIX}{rng.choice(DISTRICTS)}社会工作服务中心{k:06d}"
            orgs.append(Organization(
                name=name, credit_code=_credit_code(k), org_type=OrgType.SOCIAL_SERVICE,
                registration_date=c.day(rng.randint(2, 12) * 365), district=rng.choice(DISTRICTS),
                address="某街道某路1号", contact_name=_name(rng), contact_phone=f"138{k:08d}",
                bank_account_name=name, bank_name="中国工商银行股份有限公司温州分行",
                bank_account_no=f"6222{k:015d}", bank_code="102333000011",
            ))
            members.append(User(username=f"{USER_PREFIX}org-{k:06d}", role=Role.APPLICANT, display_name=_name(rng),
                                password=self.password))
        orgs = insert(orgs)
        members = insert(members)
        insert(
            [Membership(organization=o, user=u, is_manager=True) for o, u in zip(orgs, members, strict=True)])
        plans = []
        for state, org, member in zip(states, orgs, members, strict=True):
            domain = rng.choice(list(defaults.DOMAINS))
            requested = Decimal(rng.randrange(2_000_000, 15_000_000)) / 100
            submitted = state != S.DRAFT
            project = Project(
                round=self.round, organization=org, title=f"{rng.choice(TITLES[domain])}项目", domain=domain,
                summary="面向辖区服务对象开展常态化专业服务，链接社区资源，形成可持续的服务模式。",
                need_analysis="经入户走访与问卷调查，辖区服务对象需求集中在日常照护、精神慰藉与社会参与。",
                target_group="辖区困难群体", beneficiaries=rng.randint(50, 2000), service_district=org.district,
                service_street="某街道", activity_plan="每月开展主题活动，每周提供常态化服务。",
                team="专职社工3名，志愿者20名", requested_amount=requested, state=state, created_by=member,
                submitted_at=c.at(rng.randint(201, 230)) if submitted else None,
            )
            plan = Plan(project, member, state)
            self._decide(plan)
            projects.append(project)
            plans.append(plan)
        for project, pk in zip(projects, allocate(Project, len(projects)), strict=True):
            project.pk = pk
            project.code = f"{self.round.code}-{pk:05d}"  # the number create_project gives
        insert(projects)
        return plans

    def _decide(self, plan: Plan) -> None:
        """The fields the decision, 公示, signing and evaluation services set, for the project's state."""
        p, c = plan.project, self.clock
        if plan.state == S.REJECTED:
            p.decided_at = c.at(168)
        if plan.state in DECIDED_APPROVED:
            p.approved_amount, p.decided_at = p.requested_amount, c.at(168)
            if plan.state != S.APPROVED:
                p.publicity_start = c.day(165)
                p.publicity_end = add_working_days(p.publicity_start, self.round.publicity_days)
        if plan.state in SIGNED_STATES:
            p.signed_at, p.signed_by_name, p.signed_ip = c.at(150), plan.member.display_name, "127.0.0.1"
            plan.tranche_plan = self._tranche_targets(plan)
            p.midterm_passed = plan.midterm_passed
            if plan.state == S.COMPLETED:
                p.grade = grade_for(total_of(self.round.final_rubric, self._final_scores()), self.round.grade_thresholds)

    def _budget(self, project: Project) -> list[BudgetLine]:
        return budget_lines(project, self.rng)

    def _application_rows(self, plans: list[Plan]) -> None:
        lines, milestones, indicators, files = [], [], [], []
        for plan in plans:
            p = plan.project
            lines += self._budget(p)
            milestones += [
                Milestone(project=p, title="项目启动", due_date=self.clock.day(140), deliverable="启动会纪要"),
                Milestone(project=p, title="中期总结", due_date=self.clock.day(40), deliverable="中期报告"),
                Milestone(project=p, title="结项总结", due_date=self.clock.day(-120), deliverable="结项报告"),
            ]
            indicators += [
                Indicator(project=p, name="服务人次", unit="人次", target=Decimal(p.beneficiaries * 10)),
                Indicator(project=p, name="活动场次", unit="场", target=Decimal(24)),
            ]
            files += [
                Attachment(project=p, kind=kind, file=SHARED_PDF, original_name=f"{kind}.pdf",
                           content_type="application/pdf", size=len(PDF_BYTES), sha256="0" * 64,
                           uploaded_by=plan.member)
                for kind in self.round.required_attachments
            ]
        insert(lines)
        insert(milestones)
        insert(indicators)
        insert(files)
        self._lines = {}
        for line in lines:
            self._lines.setdefault(line.project_id, []).append(line)

    def _snapshot(self, plan: Plan) -> dict:
        """What projects.services.snapshot() stores in the submit row."""
        p = plan.project
        data = {f: str(getattr(p, f)) for f in sorted(EDITABLE_FIELDS)}
        data["budget"] = [
            {"category": b.category, "item": b.item, "unit_price": str(b.unit_price), "quantity": str(b.quantity),
             "amount": str(b.amount), "source": b.source, "explanation": b.explanation}
            for b in self._lines[p.pk]
        ]
        data["milestones"] = []
        data["indicators"] = []
        return data

    def _event(self, plan: Plan, actor, action: str, frm: str = "", to: str = "", comment: str = "",
               data: dict | None = None) -> ProjectEvent:
        return ProjectEvent(project=plan.project, actor=actor, action=action, from_state=frm, to_state=to,
                            comment=comment, data=data or {})

    def _application_events(self, plans: list[Plan]) -> None:
        officer = self.people.officer
        events = []
        for plan in plans:
            ev = [self._event(plan, plan.member, "create", to=S.DRAFT)]
            for kind in self.round.required_attachments:
                ev.append(self._event(plan, plan.member, "attachment", comment=f"上传附件：{kind}.pdf"))
            if plan.state != S.DRAFT:
                ev.append(self._event(plan, plan.member, "submit", S.DRAFT, S.SUBMITTED,
                                      data={"version": 1, "snapshot": self._snapshot(plan)}))
            if plan.state == S.RETURNED:
                ev.append(self._event(plan, officer, "return_for_revision", S.SUBMITTED, S.RETURNED,
                                      comment="请补充近一年财务报告"))
            elif plan.state == S.INELIGIBLE:
                ev.append(self._event(plan, officer, "mark_ineligible", S.SUBMITTED, S.INELIGIBLE,
                                      comment="成立未满12个月，不符合申报条件"))
            elif plan.state == S.WITHDRAWN:
                ev.append(self._event(plan, plan.member, "withdraw", S.SUBMITTED, S.WITHDRAWN,
                                      comment="机构调整工作计划，撤回申报"))
            elif plan.state in REVIEWED_STATES:
                ev.append(self._event(plan, officer, "accept_for_review", S.SUBMITTED, S.UNDER_REVIEW))
            events += ev
        insert(events)

    # -------------------------------------------------------- review

    def _review(self, plans: list[Plan]) -> None:
        if not plans:
            return
        people, c = self.people, self.clock
        experts = people.experts
        conflicts = self._relations(plans)
        if self.loads is None:
            self.loads = dict(Assignment.objects.filter(project__round=self.round).values("expert_id")
                              .annotate(n=djmodels.Count("id")).values_list("expert_id", "n"))
        loads = self.loads
        per = self.round.experts_per_project
        needed = -(-(sum(loads.values()) + len(plans) * per) // len(experts)) + 5
        if needed > self.round.max_load_per_expert:
            self.round.max_load_per_expert = needed
            self.round.save(update_fields=["max_load_per_expert"])
        result = assign(
            [ProjectIn(p.project.pk, p.project.organization_id, p.project.domain) for p in plans],
            [ExpertIn(e.pk, tuple(e.domains), e.is_finance, loads.get(e.pk, 0)) for e in experts],
            conflicts, per_project=per, require_finance=True, max_load=self.round.max_load_per_expert, seed=2026,
        )
        run = AssignmentRun.objects.create(
            round=self.round, seed=2026, requested_by=people.officer, state=RunState.DONE,
            created=len(result.assignments), stats=load_stats(result.loads) | {"projects": len(plans)},
            unstaffed=[{"project_id": u.project_id, "found": u.found, "reasons": list(u.reasons)} for u in result.unstaffed],
            finished_at=c.at(196),
        )
        by_project: dict[int, list[int]] = {}
        for pid, eid in result.assignments:
            by_project.setdefault(pid, []).append(eid)
            loads[eid] = loads.get(eid, 0) + 1
        expert_by_id = {e.pk: e for e in experts}
        rubric = self.round.rubric
        assignments, events = [], []
        for plan in plans:
            panel = by_project.get(plan.project.pk, [])
            events.append(self._event(
                plan, people.officer, "auto_assign", comment="自动分配评审专家：" + "、".join(expert_by_id[e].name for e in panel),
                data={"run": run.pk, "seed": run.seed, "experts": panel}))
            mean = FUNDED_MEAN if plan.state in DECIDED_APPROVED else SCORE_MEAN[plan.state]
            for i, eid in enumerate(panel):
                expert = expert_by_id[eid]
                # Under review: two submitted, two with a saved draft, the last not yet declared.
                if plan.state == S.UNDER_REVIEW and i >= 2:
                    state = A.ACCEPTED if i < 4 else A.ASSIGNED
                else:
                    state = A.SUBMITTED
                a = Assignment(project=plan.project, expert=expert, state=state, run=run)
                if state != A.ASSIGNED:
                    a.declared_at = c.at(194)
                    events.append(self._event(plan, expert.user, "expert_declared", comment=f"评审专家{expert.name}声明无利益冲突"))
                if state in (A.SUBMITTED, A.ACCEPTED):
                    a.scores = self._scores(rubric, mean)
                    a.total = total_of(rubric, a.scores)
                    a.comment = "项目设计完整，预算基本合理。" if a.total >= 60 else "需求论证不足，建议完善后再申报。"
                if state == A.ACCEPTED:
                    a.scores = dict(list(a.scores.items())[:3])  # a draft: the first criteria only
                    a.total = sum((Decimal(v) for v in a.scores.values()), Decimal("0")).quantize(Decimal("0.01"))
                    a.draft_saved_at = c.at(190)
                if state == A.SUBMITTED:
                    a.submitted_at = c.at(180)
                    events.append(self._event(plan, expert.user, "review_submitted", comment=f"评审专家{expert.name}提交评分"))
                assignments.append(a)
            if plan.state != S.UNDER_REVIEW and panel:
                events.append(self._event(plan, expert_by_id[panel[-1]].user, "finish_review", S.UNDER_REVIEW, S.REVIEWED,
                                          comment="全部评审意见已提交，系统自动流转"))
        insert(assignments)
        insert(events)

    def _relations(self, plans: list[Plan]) -> set[tuple[int, int]]:
        """A few known conflicts, so the assignment honours some: employers and board seats."""
        rng, people, c = self.rng, self.people, self.clock
        relations = [
            ExpertRelation(expert=rng.choice(people.experts), organization=rng.choice(plans).project.organization,
                           kind=rng.choice([RelationKind.EMPLOYER, RelationKind.BOARD]), start=c.day(900),
                           recorded_by=people.officer)
            for _ in range(max(1, len(plans) // 20))
        ]
        insert(relations)
        return conflict_pairs(
            [Relation(r.expert_id, r.organization_id, r.kind, r.start, r.end) for r in relations], c.today)

    def _raise_max_load(self, n_plans: int) -> dict[int, int]:
        """Raises the round's cap so that n_plans more full panels fit; returns the experts' loads."""
        loads = dict(Assignment.objects.filter(project__round=self.round).values("expert_id")
                     .annotate(n=djmodels.Count("id")).values_list("expert_id", "n"))
        per = self.round.experts_per_project
        needed = -(-(sum(loads.values()) + n_plans * per) // len(self.people.experts)) + 5
        if needed > self.round.max_load_per_expert:
            self.round.max_load_per_expert = needed
            self.round.save(update_fields=["max_load_per_expert"])
        return loads

    def _scores(self, rubric: list[dict], mean: int) -> dict[str, str]:
        """Half-point scores per criterion around the outcome's mean share of each maximum."""
        scores = {}
        for criterion in rubric:
            top = Decimal(str(criterion["max"]))
            value = top * Decimal(mean) / 100 + Decimal(self.rng.randint(-6, 6)) / 2
            value = min(top, max(Decimal(0), (value * 2).to_integral_value() / 2))
            scores[criterion["code"]] = str(int(value)) if value == value.to_integral_value() else f"{value:.1f}"
        return scores

    # -------------------------------------------------------- decisions, 公示, signing

    def _decisions(self, plans: list[Plan]) -> None:
        officer = self.people.officer
        events = []
        for plan in plans:
            p = plan.project
            if plan.state == S.REJECTED:
                events.append(self._event(plan, officer, "reject", S.REVIEWED, S.REJECTED, comment="评审得分未进入资助范围"))
            elif plan.state == S.WAITLISTED:
                events.append(self._event(plan, officer, "waitlist", S.REVIEWED, S.WAITLISTED))
            elif plan.state in DECIDED_APPROVED:
                events.append(self._event(plan, officer, "approve", S.REVIEWED, S.APPROVED,
                                          data={"approved_amount": str(p.approved_amount)}))
                if plan.state != S.APPROVED:
                    events.append(self._event(plan, officer, "publish", S.APPROVED, S.PUBLICITY))
                if plan.state == S.OBJECTION:
                    events.append(self._event(plan, officer, "raise_objection", S.PUBLICITY, S.OBJECTION,
                                              comment="收到实名异议：服务对象重复申报"))
                if plan.state in SIGNED_STATES:
                    events.append(self._event(plan, plan.member, "sign", S.PUBLICITY, S.CONTRACTED,
                                              data={"signer_name": p.signed_by_name, "ip": p.signed_ip}))
        insert(events)

    # -------------------------------------------------------- money and implementation

    def _tranche_targets(self, plan: Plan) -> list[str]:
        """Where each of the three tranches (signing, mid-term, final) stands for the project's state."""
        r = self.rng.random()
        match plan.state:
            case S.CONTRACTED:
                return [T.RELEASABLE, T.PLANNED, T.PLANNED]
            case S.IN_PROGRESS:
                plan.midterm_passed = r < 0.5
                if not plan.midterm_passed:
                    return [T.PAID, T.PLANNED, T.PLANNED]
                return [T.PAID, T.PAID if r < 0.2 else (T.IN_BATCH if r < 0.3 else T.RELEASABLE), T.PLANNED]
            case S.MIDTERM_REVIEW:
                return [T.PAID, T.PLANNED, T.PLANNED]
            case S.FINAL_REVIEW:
                plan.midterm_passed = True
                return [T.PAID, T.PAID, T.PLANNED]
            case S.COMPLETED:
                plan.midterm_passed = True
                return [T.PAID, T.PAID, T.PAID if r < 0.6 else T.RELEASABLE]
            case S.TERMINATED:
                return [T.PAID, T.CANCELLED, T.CANCELLED]
        raise ValueError(plan.state)

    def _money(self, plans: list[Plan]) -> None:
        if not plans:
            return
        c, round = self.clock, self.round
        template = round.tranche_template
        percents = [Decimal(str(t["percent"])) for t in template]
        tranches, targets = [], []
        for plan in plans:
            amounts = split_amount(plan.project.approved_amount, percents)
            for seq, (t, amount, target) in enumerate(zip(template, amounts, plan.tranche_plan, strict=True), start=1):
                tranche = Tranche(project=plan.project, round=round, seq=seq, name=t["name"], percent=percents[seq - 1],
                                  trigger=t["trigger"], amount=amount, state=target)
                if target in (T.RELEASABLE, T.IN_BATCH, T.PAID):
                    tranche.released_at = c.at(150 if seq == 1 else (60 if seq == 2 else 10))
                tranches.append(tranche)
                targets.append((plan, tranche))
        # Paid tranches went through closed batches of up to 500; tranches waiting in a batch sit
        # in approved batches (signed off, bank transfer pending).
        paid = [t for _, t in targets if t.state == T.PAID]
        waiting = [t for _, t in targets if t.state == T.IN_BATCH]
        self._batches(paid, BatchState.CLOSED)
        self._batches(waiting, BatchState.APPROVED)
        insert(tranches)
        payment_events = self._ledger_and_payments(targets)
        self._implementation(plans, payment_events)

    def _batches(self, tranches: list[Tranche], state: str) -> list[Batch]:
        people, c = self.people, self.clock
        groups = [tranches[i:i + 500] for i in range(0, len(tranches), 500)]
        batches = insert([
            Batch(pk=pk, number=f"BF{c.today:%Y}-{pk:05d}", round=self.round, state=state,
                  prepared_by=people.finance[0], submitted_at=c.at(140), checked_by=people.finance[1],
                  checked_at=c.at(139), approved_by=people.finance[2], approved_at=c.at(138))
            for pk in allocate(Batch, len(groups))
        ])
        for batch, group in zip(batches, groups, strict=True):
            for t in group:
                t.batch = batch
        f1, f2, f3 = people.finance
        steps = [("create", BatchState.DRAFT, BatchState.DRAFT, f1), ("submit", BatchState.DRAFT, BatchState.SUBMITTED, f1),
                 ("mark_checked", BatchState.SUBMITTED, BatchState.CHECKED, f2),
                 ("approve", BatchState.CHECKED, BatchState.APPROVED, f3)]
        if state == BatchState.CLOSED:
            steps.append(("close", BatchState.APPROVED, BatchState.CLOSED, f1))
        comments = {"close": "批次内全部款项已拨付"}
        insert([
            BatchEvent(batch=b, actor=actor, action=action, from_state=frm, to_state=to,
                       comment=f"{len(g)} 笔" if action == "create" else comments.get(action, ""))
            for b, g in zip(batches, groups, strict=True) for action, frm, to, actor in steps
        ])
        return batches

    def _ledger_and_payments(self, targets: list[tuple[Plan, Tranche]]) -> dict[tuple[int, int], list[ProjectEvent]]:
        """One ledger entry per tranche move (finance.services._ledger), a payment per paid tranche;
        returns the payment audit rows by (project, tranche seq) for the project's timeline."""
        people, c = self.people, self.clock
        fin = people.finance[0]
        ledger, payments, events = [], [], {}

        def entry(t: Tranche, kind: str, frm: str, to: str, actor, when: date, **extra) -> None:
            ledger.append(LedgerEntry(round=self.round, project=t.project, tranche=t, kind=kind, from_state=frm,
                                      to_state=to, amount=t.amount, occurred_on=when, actor=actor, **extra))

        for plan, t in targets:
            days = {1: 150, 2: 60, 3: 10}[t.seq]
            entry(t, LedgerKind.APPROVED, "", T.PLANNED, plan.member, c.day(150),
                  note=f"签订协议，核定金额 {format_yuan(plan.project.approved_amount)} 元")
            if t.state == T.CANCELLED:
                entry(t, LedgerKind.CANCELLED, T.PLANNED, T.CANCELLED, people.officer, c.day(30), note="项目终止")
                continue
            if t.state == T.PLANNED:
                continue
            releaser = plan.member if t.seq == 1 else people.evaluator
            entry(t, LedgerKind.RELEASED, T.PLANNED, T.RELEASABLE, releaser, c.day(days))
            if t.state in (T.IN_BATCH, T.PAID):
                entry(t, LedgerKind.BATCHED, T.RELEASABLE, T.IN_BATCH, fin, c.day(days - 5), batch=t.batch,
                      note=t.batch.number)
            if t.state == T.PAID:
                ref = f"BANK{t.pk:010d}"
                entry(t, LedgerKind.PAID, T.IN_BATCH, T.PAID, fin, c.day(days - 8), batch=t.batch, reference=ref)
                payments.append(Payment(tranche=t, amount=t.amount, paid_on=c.day(days - 8), bank_reference=ref,
                                        recorded_by=fin))
                rows = [self._event(plan, fin, "payment", comment=f"{t.name} {format_yuan(t.amount)} 元已拨付",
                                    data={"tranche": t.seq})]
                if t.seq == 1:
                    rows.append(self._event(plan, fin, "start", S.CONTRACTED, S.IN_PROGRESS,
                                            comment="首期资金已到账，系统自动流转"))
                events[(plan.project.pk, t.seq)] = rows
        insert(ledger)
        insert(payments)
        return events

    def _final_scores(self) -> dict[str, str]:
        return {c["code"]: str(int(Decimal(str(c["max"])) * Decimal("0.85"))) for c in self.round.final_rubric}

    def _implementation(self, plans: list[Plan], payment_events: dict) -> None:
        """Payments, evaluations and their transitions, in the order they happened for each project."""
        round, officer, evaluator = self.round, self.people.officer, self.people.evaluator
        evaluations, events = [], []
        for plan in plans:
            pk = plan.project.pk
            events += payment_events.get((pk, 1), [])
            if plan.state == S.TERMINATED:
                events.append(self._event(plan, officer, "terminate", S.IN_PROGRESS, S.TERMINATED,
                                          comment="机构无法继续履行协议，项目终止", data={"clawback": "0.00"}))
                continue
            if plan.state == S.CONTRACTED or (plan.state == S.IN_PROGRESS and not plan.midterm_passed):
                continue
            events.append(self._event(plan, officer, "begin_midterm", S.IN_PROGRESS, S.MIDTERM_REVIEW))
            if plan.state == S.MIDTERM_REVIEW:
                continue
            scores = {c["code"]: str(int(Decimal(str(c["max"])) * Decimal("0.8"))) for c in round.midterm_rubric}
            total = total_of(round.midterm_rubric, scores)
            evaluations.append(Evaluation(project=plan.project, kind=EvaluationKind.MIDTERM, evaluator=evaluator,
                                          scores=scores, total=total, passed=True))
            events.append(self._event(plan, evaluator, "pass_midterm", S.MIDTERM_REVIEW, S.IN_PROGRESS,
                                      comment=f"中期评估 {total} 分"))
            events += payment_events.get((pk, 2), [])
            if plan.state == S.IN_PROGRESS:
                continue
            events.append(self._event(plan, officer, "begin_final", S.IN_PROGRESS, S.FINAL_REVIEW))
            if plan.state == S.FINAL_REVIEW:
                continue
            scores = self._final_scores()
            total = total_of(round.final_rubric, scores)
            grade = grade_for(total, round.grade_thresholds)
            evaluations.append(Evaluation(project=plan.project, kind=EvaluationKind.FINAL, evaluator=evaluator,
                                          scores=scores, total=total, grade=grade, passed=True))
            events.append(self._event(plan, evaluator, "complete", S.FINAL_REVIEW, S.COMPLETED,
                                      comment=f"结项评估 {total} 分，{grade}"))
            events += payment_events.get((pk, 3), [])
        insert(evaluations)
        insert(events)

    def _set_pot(self) -> None:
        """The pot covers what was approved, rounded up to the next 10,000 yuan, with 2 % left over."""
        total = Project.objects.filter(round=self.round, approved_amount__isnull=False).aggregate(
            s=djmodels.Sum("approved_amount"))["s"] or Decimal("0")
        pot = max(Decimal("1000000.00"), ((total * Decimal("1.02")) / 10000).to_integral_value(rounding="ROUND_CEILING") * 10000)
        GrantRound.objects.filter(pk=self.round.pk).update(pot=pot)
        self.round.pot = pot

    def summary(self) -> dict:
        r = self.round
        return {
            "projects": Project.objects.filter(round=r).count(),
            "states": dict(Project.objects.filter(round=r).values_list("state").annotate(n=Count("id")).order_by()),
            "scores": Assignment.objects.filter(project__round=r, state=A.SUBMITTED).count(),
            "assignments": Assignment.objects.filter(project__round=r).count(),
            "events": ProjectEvent.objects.filter(project__round=r).count(),
            "tranches": Tranche.objects.filter(project__round=r).count(),
            "payments": Payment.objects.filter(tranche__project__round=r).count(),
            "ledger": LedgerEntry.objects.filter(round=r).count(),
            "requested": Project.objects.filter(round=r).aggregate(s=Sum("requested_amount"))["s"],
            "approved": Project.objects.filter(round=r).aggregate(s=Sum("approved_amount"))["s"],
            "pot": r.pot,
        }


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def analyze() -> None:
    """Fresh statistics and visibility map after the build (PostgreSQL), so the planner and
    index-only scans see the round as they would after autovacuum; outside any transaction."""
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE)")


def budget_lines(project: Project, rng: random.Random, *, office: bool = False) -> list[BudgetLine]:
    """Grant-paid lines sum to the request; grant-paid labor is 30–50 % of it (the labor rule).
    `office`: one more co-funded line (the deadline round's drafts carry five)."""
    requested = project.requested_amount
    months = Decimal(12)
    share = Decimal(rng.randint(30, 50)) / 100
    monthly = (requested * share / months).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
    labor = monthly * months
    publicity = Decimal("2.50") * 400
    activity = requested - labor - publicity
    rows = [
        ("labor", "项目社工劳务费", monthly, months, "grant", "2名社工×12个月"),
        ("publicity", "宣传折页印制", Decimal("2.50"), Decimal(400), "grant", ""),
        ("activity", "社区活动物资与场地", activity, Decimal(1), "grant", "按活动计划"),
        *([("office", "办公耗材", Decimal("120.00"), Decimal(5), "cofund", "机构自筹")] if office else []),
        ("labor", "志愿者交通补贴", Decimal("50.00"), Decimal(60), "cofund", "机构自筹"),
    ]
    return [
        BudgetLine(project=project, position=i, category=cat, item=item, unit_price=price, quantity=qty,
                   amount=(price * qty).quantize(Decimal("0.01")), source=src, explanation=note)
        for i, (cat, item, price, qty, src, note) in enumerate(rows, start=1)
    ]


def build_scale_round(*, projects: int, experts: int, seed: int = 2026, reviews_per_project: int = 5,
                      chunk: int = CHUNK, log: Callable[[str], None] | None = None,
                      no_assignments: bool = False) -> tuple[ScaleBuilder, dict]:
    """The whole round in one transaction; returns the builder (for tests that add more) and a summary.
    With `no_assignments`, every project waits under review without a panel."""
    builder = ScaleBuilder(experts=experts, seed=seed, log=log, reviews_per_project=reviews_per_project, chunk=chunk,
                           no_assignments=no_assignments)
    with transaction.atomic():
        builder.timed(f"round, staff and {experts} experts", builder.create_round)
        summary = builder.add_projects(projects)
    if connection.vendor == "postgresql":
        # Planner statistics for the new rows, as a database in use would have them; until autovacuum
        # gets to it, a join over the round is planned for an empty table (minutes instead of seconds).
        with connection.cursor() as cursor:
            builder.timed("planner statistics (ANALYZE)", cursor.execute, "ANALYZE")
    with transaction.atomic():
        builder.timed("stored review aggregates", lambda: aggregates.rebuild_round(builder.round))
    with transaction.atomic():  # the ledger was bulk-inserted past finance.money_cells.append
        builder.timed("stored money cells", lambda: money_cells.rebuild_round(builder.round))
    return builder, summary
