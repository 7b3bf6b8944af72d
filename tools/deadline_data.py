"""Deadline day: an OPEN round whose application window ends today, with thousands of organizations
each editing a draft, for bench/deadline.py (autosave under load).

Bulk inserts through tools.scale_data's `insert` (see its docstring for why the generators bypass the
per-row services and what they promise instead). The rows are those `projects.services.create_project`
and the drafting services would have written for the same history: one organization and one managing
member per draft, a draft project in state `draft` with its code, an edit version, a budget whose
grant-paid lines sum to the requested amount (labor at most 50 % of it), milestones, indicators and
the `create` audit row. The round is published, its window runs from 30 days ago to today (Shanghai),
so the real autosave view accepts the drafts' saves.

Kept apart from tools/scale_data.py (the closed scale round) on purpose: its round code, user and
organization prefixes are its own, so both can live in one database.
"""
from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import Role, User
from core.calendar import today
from grants.models import GrantRound, Membership, Organization, OrgType
from grants.rules.credit_code import check_char
from projects.models import Indicator, Milestone, Project, ProjectEvent
from projects.states import State
from tools import scale_data
from tools.scale_data import insert, reset_sequences

ROUND_CODE = "DEADLINE"
USER_PREFIX = "deadline-"
ORG_PREFIX = "截止日测试"
PASSWORD = "pass-12345"
DISTRICTS = scale_data.DISTRICTS
TITLES = scale_data.TITLES


def existing_round() -> GrantRound | None:
    return GrantRound.objects.filter(code=ROUND_CODE).first()


def remove_deadline_round() -> None:
    with transaction.atomic():
        scale_data._purge(GrantRound.objects.filter(code=ROUND_CODE))
        scale_data._purge(Organization.objects.filter(name__startswith=ORG_PREFIX))
        scale_data._purge(User.objects.filter(username__startswith=USER_PREFIX))


def _credit_code(k: int) -> str:
    # "DL" where the scale round has "YC": the two generators never hand out the same code.
    body = f"52330000DL{k:07d}"
    return body + check_char(body)


def member_name(k: int) -> str:
    return f"{USER_PREFIX}org-{k:06d}"


def build_deadline_round(*, drafts: int = 2000, seed: int = 2026,
                         log: Callable[[str], None] | None = None) -> tuple[GrantRound, dict]:
    """The open round and `drafts` organizations, members and draft applications, in one transaction."""
    log = log or (lambda _msg: None)
    rng = random.Random(seed)
    started = time.perf_counter()
    day = today()
    password = make_password(PASSWORD)  # hashed once
    try:
        with transaction.atomic():
            round = GrantRound.objects.create(
                name=f"{day.year}年公益创投（截止日测试）", year=day.year, code=ROUND_CODE,
                description="申报截止日当天：大量机构同时编辑申报书。", pot=Decimal("50000000.00"),
                min_amount=Decimal("10000.00"), max_amount=Decimal("200000.00"),
                apply_start=day - timedelta(days=30), apply_end=day,
                review_start=day + timedelta(days=5), review_end=day + timedelta(days=30),
            )
            orgs, members = [], []
            for k in range(1, drafts + 1):
                district = rng.choice(DISTRICTS)
                name = f"{ORG_PREFIX}{district}社会工作服务中心{k:06d}"
                orgs.append(Organization(
                    name=name, credit_code=_credit_code(k), org_type=OrgType.SOCIAL_SERVICE,
                    registration_date=day - timedelta(days=rng.randint(2, 12) * 365), district=district,
                    address="某街道某路1号", contact_name=scale_data._name(rng), contact_phone=f"139{k:08d}",
                    bank_account_name=name, bank_name="中国工商银行股份有限公司温州分行",
                    bank_account_no=f"6223{k:015d}", bank_code="102333000011",
                ))
                members.append(User(username=member_name(k), role=Role.APPLICANT,
                                    display_name=scale_data._name(rng), password=password))
            orgs, members = insert(orgs), insert(members)
            insert([Membership(organization=o, user=u, is_manager=True) for o, u in zip(orgs, members, strict=True)])
            projects = []
            for org, member in zip(orgs, members, strict=True):
                domain = rng.choice(list(TITLES))
                projects.append(Project(
                    round=round, organization=org, title=f"{rng.choice(TITLES[domain])}项目", domain=domain,
                    summary="面向辖区服务对象开展常态化专业服务，链接社区资源，形成可持续的服务模式。",
                    need_analysis="经入户走访与问卷调查，辖区服务对象需求集中在日常照护、精神慰藉与社会参与。" * 4,
                    target_group="辖区困难群体", beneficiaries=rng.randint(50, 2000), service_district=org.district,
                    service_street="某街道", activity_plan="每月开展主题活动，每周提供常态化服务。" * 6,
                    team="专职社工3名，志愿者20名", requested_amount=Decimal(rng.randrange(2_000_000, 15_000_000)) / 100,
                    state=State.DRAFT, created_by=member, edit_version=rng.randint(1, 40),
                ))
            for project, pk in zip(projects, scale_data.allocate(Project, len(projects)), strict=True):
                project.pk = pk
                project.code = f"{round.code}-{pk:05d}"
            insert(projects)
            lines, milestones, indicators, events = [], [], [], []
            for project in projects:
                lines += scale_data.budget_lines(project, rng, office=True)
                milestones += [
                    Milestone(project=project, title="项目启动", due_date=day + timedelta(days=60), deliverable="启动会纪要"),
                    Milestone(project=project, title="中期总结", due_date=day + timedelta(days=200), deliverable="中期报告"),
                    Milestone(project=project, title="结项总结", due_date=day + timedelta(days=400), deliverable="结项报告"),
                ]
                indicators += [
                    Indicator(project=project, name="服务人次", unit="人次", target=Decimal(project.beneficiaries * 10)),
                    Indicator(project=project, name="活动场次", unit="场", target=Decimal(24)),
                ]
                events.append(ProjectEvent(project=project, actor=project.created_by, action="create", to_state=State.DRAFT))
            insert(lines)
            insert(milestones)
            insert(indicators)
            insert(events)
            reset_sequences()
    except BaseException:
        reset_sequences(failed=True)
        raise
    summary = {"drafts": len(projects), "budget_lines": len(lines), "seconds": round_seconds(started)}
    log(f"deadline round {ROUND_CODE}: {summary['drafts']} drafts, {summary['budget_lines']} budget lines "
        f"in {summary['seconds']} s")
    return round, summary


def round_seconds(started: float) -> float:
    return round(time.perf_counter() - started, 1)
