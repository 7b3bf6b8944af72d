"""The guard of each transition, through the services, at its edges."""
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from core.calendar import SHANGHAI
from grants.models import BudgetCap, CapKind
from projects import services
from projects.errors import ProjectError
from projects.models import Project
from projects.states import State
from tests.builders import PDF, World
from tests.factories import ExpertFactory, list_org
from tests.projects.lifecycle import MIDTERM_FAIL

pytestmark = pytest.mark.django_db


def shanghai(day, hour=0, minute=0, second=0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI)


def refusal(call) -> list[str]:
    with pytest.raises(ProjectError) as refused:
        call()
    return refused.value.errors


def line(category: str, amount: str, source: str = "grant", item: str = "") -> dict:
    return {"category": category, "item": item or f"{category}支出", "unit_price": amount, "quantity": "1",
            "source": source}


def state_of(project) -> str:
    return Project.objects.get(pk=project.pk).state


# ---------------------------------------------------------------- application window

class TestApplicationWindow:
    def test_last_second_of_the_deadline_day_in_shanghai_is_accepted(self, world):
        project = world.draft()
        end = world.round.apply_end
        services.submit_project(actor=world.member, project_id=project.pk, now=shanghai(end, 23, 59, 59))
        assert state_of(project) == State.SUBMITTED

    def test_midnight_after_the_deadline_day_is_refused(self, world):
        project = world.draft()
        midnight = shanghai(world.round.apply_end + timedelta(days=1))
        problems = refusal(lambda: services.submit_project(actor=world.member, project_id=project.pk, now=midnight))
        assert any(p.startswith("不在申报时间内") for p in problems)
        assert state_of(project) == State.DRAFT

    def test_the_deadline_is_shanghai_time_whatever_zone_the_moment_is_in(self, world):
        project = world.draft()
        end = world.round.apply_end
        utc_last_second = shanghai(end, 23, 59, 59).astimezone(UTC)
        assert utc_last_second.hour == 15
        services.submit_project(actor=world.member, project_id=project.pk, now=utc_last_second)
        assert state_of(project) == State.SUBMITTED

    def test_before_the_window_opens_is_refused(self, world):
        project = world.draft()
        start = world.round.apply_start
        just_before = shanghai(start) - timedelta(seconds=1)
        problems = refusal(lambda: services.submit_project(actor=world.member, project_id=project.pk, now=just_before))
        assert any("不在申报时间内" in p for p in problems)
        services.submit_project(actor=world.member, project_id=project.pk, now=shanghai(start))
        assert state_of(project) == State.SUBMITTED


# ---------------------------------------------------------------- eligibility

def test_every_eligibility_reason_is_returned_together_at_submission():
    world = World()
    first = world.draft()
    second = world.draft(government_funded=True)  # started while eligible: submission checks again
    services.submit_project(actor=world.member, project_id=first.pk)
    world.round.min_rating = 3
    world.round.save()
    earlier = World(max_applications_per_org=2)
    unfinished = earlier.draft(org=world.org, member=world.member, title="四点半课堂")
    failed = earlier.draft(org=world.org, member=world.member, title="邻里守望")
    earlier.advance(unfinished, State.SUBMITTED)
    earlier.advance(failed, State.SUBMITTED)
    earlier.advance(unfinished, State.IN_PROGRESS)
    failed = earlier.advance(failed, State.MIDTERM_REVIEW)
    services.record_evaluation(actor=earlier.evaluator, project_id=failed.pk, kind="midterm",
                               scores=MIDTERM_FAIL, comment="活动未按计划开展")
    services.terminate_project(actor=earlier.officer, project_id=failed.pk, reason="中期评估不合格")

    org = world.org
    org.registration_date = timezone.localdate() - timedelta(days=100)
    org.rating, org.rating_valid_until = 2, timezone.localdate() + timedelta(days=365)
    org.save()
    list_org(org, "abnormal", days_ago=30)

    problems = refusal(lambda: services.submit_project(actor=world.member, project_id=second.pk))
    expected = [
        "近1年内被列入活动异常名录",
        "登记成立不满12个月",
        "评估等级为2A，本批次要求3A及以上",
        "本批次每个机构限申报1个项目，已申报1个",
        "尚有未结项项目：《四点半课堂》",
        "因绩效评价不合格",
        "该项目已获得政府资金资助",
    ]
    for reason in expected:
        assert any(reason in p for p in problems), reason
    assert "《邻里守望》" not in "".join(problems)  # terminated is finished, though it still bars as failed
    assert state_of(second) == State.DRAFT


def test_eligibility_is_checked_again_when_the_officer_accepts(world):
    project = world.advance(world.draft(), State.SUBMITTED)
    list_org(world.org, "serious", days_ago=1)
    problems = refusal(lambda: services.accept_for_review(actor=world.officer, project_id=project.pk))
    assert len(problems) == 1 and "严重违法失信名单" in problems[0]
    assert state_of(project) == State.SUBMITTED


def test_a_withdrawn_application_does_not_count_against_the_limit(world):
    first = world.advance(world.draft(), State.SUBMITTED)
    services.withdraw_project(actor=world.member, project_id=first.pk, reason="重新申报")
    second = world.draft()
    services.submit_project(actor=world.member, project_id=second.pk)
    assert state_of(second) == State.SUBMITTED


# ---------------------------------------------------------------- amount, budget, attachments, completeness

@pytest.mark.parametrize("amount, accepted", [
    ("9999.99", False), ("10000.00", True), ("200000.00", True), ("200000.01", False),
])
def test_requested_amount_within_the_round_min_and_max(world, amount, accepted):
    project = world.draft(grant_total=amount, labor="0")
    assert project.requested_amount == Decimal(amount)
    if accepted:
        services.submit_project(actor=world.member, project_id=project.pk)
        assert state_of(project) == State.SUBMITTED
    else:
        problems = refusal(lambda: services.submit_project(actor=world.member, project_id=project.pk))
        assert problems == [
            f"申请资助金额 {Decimal(amount):,.2f} 元不在本批次范围内（10,000.00 至 200,000.00 元）"
        ]


CAP_CASES = {
    "pct_grant": (
        ("publicity", CapKind.PCT_GRANT, "10"),
        [line("publicity", "10000.00"), line("activity", "90000.00")],
        [line("publicity", "10000.01"), line("activity", "89999.99")],
        "宣传印刷费（资助资金支付）合计 10,000.01 元，超过上限 10,000.00 元（资助金额 100,000.00 元的 10%）",
    ),
    "pct_total": (
        ("management", CapKind.PCT_TOTAL, "5"),
        # Co-funding is part of the total budget: 5% of 105,000.00 is 5,250.00.
        [line("management", "5250.00"), line("activity", "94750.00"), line("activity", "5000.00", "cofund")],
        [line("management", "5250.01"), line("activity", "94749.99"), line("activity", "5000.00", "cofund")],
        "管理费（资助资金支付）合计 5,250.01 元，超过上限 5,250.00 元（预算总额 105,000.00 元的 5%）",
    ),
    "fixed": (
        ("travel", CapKind.FIXED, "3000"),
        [line("travel", "3000.00"), line("activity", "97000.00")],
        [line("travel", "3000.01"), line("activity", "96999.99")],
        "交通差旅费（资助资金支付）合计 3,000.01 元，超过上限 3,000.00 元（固定限额）",
    ),
    "forbidden": (
        ("other", CapKind.FORBIDDEN, None),
        [line("other", "800.00", "cofund"), line("activity", "100000.00")],
        [line("other", "0.01"), line("activity", "99999.99")],
        "其他不得使用资助资金支付，当前资助资金支付 0.01 元",
    ),
}


@pytest.mark.parametrize("kind", list(CAP_CASES))
def test_each_kind_of_budget_cap_at_its_edge(world, kind):
    (category, cap_kind, value), at_limit, over, message = CAP_CASES[kind]
    BudgetCap.objects.create(round=world.round, category=category, kind=cap_kind,
                             value=Decimal(value) if value else None)
    over_project = world.draft()
    services.replace_budget(actor=world.member, project_id=over_project.pk, lines=over)
    assert refusal(lambda: services.submit_project(actor=world.member, project_id=over_project.pk)) == [message]

    other_org, other_member = world.new_org()
    ok_project = world.draft(org=other_org, member=other_member)
    services.replace_budget(actor=other_member, project_id=ok_project.pk, lines=at_limit)
    services.submit_project(actor=other_member, project_id=ok_project.pk)
    assert state_of(ok_project) == State.SUBMITTED


def test_a_forbidden_use_in_a_grant_line_is_refused_but_not_in_a_cofunded_one(world):
    project = world.draft()
    services.replace_budget(actor=world.member, project_id=project.pk, lines=[
        line("activity", "99000.00"), line("other", "1000.00", item="公务接待餐费"),
        line("other", "500.00", "cofund", item="公务接待餐费"), line("activity", "1.00", "cofund", item="非营利宣传"),
    ])
    problems = refusal(lambda: services.submit_project(actor=world.member, project_id=project.pk))
    assert problems == ["第2行「公务接待餐费」属于「公务接待」，不得使用资助资金支付"]


def test_missing_required_attachments_are_each_named():
    world = World(required_attachments=[])
    project = world.draft()
    world.round.required_attachments = ["registration_certificate", "charter", "financial_report"]
    world.round.save()
    problems = refusal(lambda: services.submit_project(actor=world.member, project_id=project.pk))
    assert len([p for p in problems if p.startswith("缺少必需附件：")]) == 3
    assert len(problems) == 3


def test_a_rated_organization_must_upload_its_rating_certificate(world):
    world.org.rating, world.org.rating_valid_until = 4, timezone.localdate() + timedelta(days=365)
    world.org.save()
    project = world.draft()
    assert refusal(lambda: services.submit_project(actor=world.member, project_id=project.pk)) == [
        "机构填写了评估等级，请上传评估等级证书"
    ]
    services.add_attachment(actor=world.member, project_id=project.pk, kind="rating_certificate",
                            uploaded_file=SimpleUploadedFile("4A.pdf", PDF, content_type="application/pdf"))
    services.submit_project(actor=world.member, project_id=project.pk)
    assert state_of(project) == State.SUBMITTED


def test_an_incomplete_application_lists_every_missing_part():
    world = World(domains=["youth"], required_attachments=[])
    project = services.create_project(actor=world.member, round=world.round, organization=world.org,
                                      title="青少年成长营", domain="elderly")
    services.replace_budget(actor=world.member, project_id=project.pk, lines=[line("activity", "50000.00")])
    problems = refusal(lambda: services.submit_project(actor=world.member, project_id=project.pk))
    for part in ("项目简介", "需求分析", "服务对象", "活动计划", "团队介绍"):
        assert f"请填写「{part}」" in problems
    assert any(p.endswith("不在本批次征集范围内") for p in problems)
    assert "请填写受益人数" in problems
    assert "请至少填写一个项目节点（里程碑）" in problems
    assert "请至少填写一个绩效指标" in problems
    assert "请填写「项目名称」" not in problems


def test_several_kinds_of_problem_are_reported_at_once(world):
    project = world.draft(grant_total="100000.00", labor="50000.01")
    late = shanghai(world.round.apply_end + timedelta(days=1))
    problems = refusal(lambda: services.submit_project(actor=world.member, project_id=project.pk, now=late))
    assert any(p.startswith("不在申报时间内") for p in problems)
    assert any("人员经费/劳务费" in p for p in problems)


# ---------------------------------------------------------------- review and decision

def test_review_cannot_finish_without_experts_or_with_pending_scores(world):
    project = world.advance(world.draft(), State.UNDER_REVIEW)
    assert refusal(lambda: services.finish_review(actor=world.officer, project_id=project.pk)) == ["尚未分配评审专家"]
    from reviewers import services as review

    review.assign_expert(actor=world.officer, project=project, expert=ExpertFactory())
    assert refusal(lambda: services.finish_review(actor=world.officer, project_id=project.pk)) == [
        "还有 1 位专家未提交评分"
    ]
    assert state_of(project) == State.UNDER_REVIEW


class TestDecision:
    def test_amount_above_the_request_is_refused(self, world):
        project = world.advance(world.draft(), State.REVIEWED)
        problems = refusal(lambda: services.approve_project(
            actor=world.officer, project_id=project.pk, approved_amount="100000.01"))
        assert problems == ["核定资助金额 100,000.01 元不能高于申请金额 100,000.00 元"]
        assert state_of(project) == State.REVIEWED

    def test_amount_below_the_round_minimum_is_refused_the_minimum_itself_accepted(self, world):
        project = world.advance(world.draft(), State.REVIEWED)
        problems = refusal(lambda: services.approve_project(
            actor=world.officer, project_id=project.pk, approved_amount="9999.99", comment="核减"))
        assert problems == ["核定资助金额 9,999.99 元不在本批次范围内（10,000.00 至 200,000.00 元）"]
        services.approve_project(actor=world.officer, project_id=project.pk, approved_amount="10000.00", comment="核减")
        assert Project.objects.get(pk=project.pk).approved_amount == Decimal("10000.00")

    def test_amount_above_the_round_maximum_reports_both_reasons(self):
        world = World(max_amount=Decimal("100000.00"))
        project = world.advance(world.draft(), State.REVIEWED)
        problems = refusal(lambda: services.approve_project(
            actor=world.officer, project_id=project.pk, approved_amount="100000.01"))
        assert len(problems) == 2
        assert "不能高于申请金额" in problems[0] and "不在本批次范围内" in problems[1]

    def test_zero_is_refused(self, world):
        project = world.advance(world.draft(), State.REVIEWED)
        assert refusal(lambda: services.approve_project(
            actor=world.officer, project_id=project.pk, approved_amount="0")) == ["核定资助金额必须大于0"]

    def test_two_approvals_may_not_exceed_the_pot(self):
        world = World(pot=Decimal("150000.00"), max_amount=Decimal("100000.00"))
        first = world.advance(world.draft(), State.REVIEWED)
        org, member = world.new_org()
        second = world.advance(world.draft(org, member), State.REVIEWED)
        services.approve_project(actor=world.officer, project_id=first.pk, approved_amount="100000.00")
        problems = refusal(lambda: services.approve_project(
            actor=world.officer, project_id=second.pk, approved_amount="50000.01", comment="资金池余额不足，核减"))
        assert problems == [
            "资金池不足：本批次已占用资金 100,000.00 元（含已终止项目已拨付、尚未退回的资金），"
            "加上本项目 50,000.01 元共 150,000.01 元，超过资金总额 150,000.00 元（剩余 50,000.00 元）"
        ]
        services.approve_project(actor=world.officer, project_id=second.pk, approved_amount="50000.00",
                                 comment="资金池余额不足，核减")
        assert state_of(second) == State.APPROVED

    def test_reopening_a_decision_gives_its_money_back_to_the_pot(self):
        world = World(pot=Decimal("150000.00"), max_amount=Decimal("100000.00"))
        first = world.advance(world.draft(), State.REVIEWED)
        org, member = world.new_org()
        second = world.advance(world.draft(org, member), State.REVIEWED)
        services.approve_project(actor=world.officer, project_id=first.pk, approved_amount="100000.00")
        services.reopen_decision(actor=world.officer, project_id=first.pk, comment="复核排序")
        services.approve_project(actor=world.officer, project_id=second.pk, approved_amount="100000.00",
                                 comment="复核后调整资助顺序")
        assert state_of(second) == State.APPROVED
        assert Project.objects.get(pk=first.pk).approved_amount is None


# ---------------------------------------------------------------- signing and implementation

class TestSigning:
    def _in_publicity(self, world):
        project = world.advance(world.draft(), State.APPROVED)
        return services.publish_project(actor=world.officer, project_id=project.pk)

    def test_signing_on_the_last_day_of_publicity_is_refused(self, world):
        project = self._in_publicity(world)
        end = project.publicity_end
        assert end > timezone.localdate()
        problems = refusal(lambda: services.sign_agreement(
            actor=world.member, project_id=project.pk, signer_name="李四", now=shanghai(end, 23, 59, 59)))
        assert problems == [f"公示期至 {end:%Y年%m月%d日} 结束，公示期满后方可签订协议"]
        assert state_of(project) == State.PUBLICITY
        assert not project.tranches.exists()

    def test_signing_the_day_after_publicity_ends_is_accepted(self, world):
        project = self._in_publicity(world)
        next_day = shanghai(project.publicity_end + timedelta(days=1))
        services.sign_agreement(actor=world.member, project_id=project.pk, signer_name="李四", now=next_day)
        project = Project.objects.get(pk=project.pk)
        assert project.state == State.CONTRACTED
        assert project.signed_at == next_day and project.signed_by_name == "李四"

    def test_publicity_lasts_the_round_working_days(self, world):
        project = world.advance(world.draft(), State.APPROVED)
        monday = shanghai(date(2026, 3, 2), 9)
        project = services.publish_project(actor=world.officer, project_id=project.pk, now=monday)
        assert (project.publicity_start.isoformat(), project.publicity_end.isoformat()) == ("2026-03-02", "2026-03-09")

    def test_a_signer_name_is_required(self, world):
        project = world.advance(world.draft(), State.PUBLICITY)
        assert refusal(lambda: services.sign_agreement(actor=world.member, project_id=project.pk, signer_name=" ")) == [
            "请输入签署人姓名以确认协议"
        ]


def test_start_before_the_first_payment_is_refused(world):
    project = world.advance(world.draft(), State.CONTRACTED)
    problems = refusal(lambda: services.start_project(actor=world.finance, project_id=project.pk))
    assert problems == ["首期（40,000.00 元）尚未拨付到账"]
    assert state_of(project) == State.CONTRACTED


def test_final_evaluation_cannot_begin_before_the_midterm_passed(world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    world.final_report(project)
    assert refusal(lambda: services.begin_final(actor=world.officer, project_id=project.pk)) == [
        "中期评估合格后方可开始结项评估"
    ]
    project = world.advance(project, State.MIDTERM_REVIEW)
    services.record_evaluation(actor=world.evaluator, project_id=project.pk, kind="midterm",
                               scores=MIDTERM_FAIL, comment="财务管理不规范")
    assert state_of(project) == State.IN_PROGRESS
    assert refusal(lambda: services.begin_final(actor=world.evaluator, project_id=project.pk)) == [
        "中期评估合格后方可开始结项评估"
    ]


def test_without_a_midterm_tranche_the_final_evaluation_may_begin_directly():
    world = World(tranche_template=[
        {"name": "首期", "percent": "60", "trigger": "signing"},
        {"name": "尾款", "percent": "40", "trigger": "final_passed"},
    ])
    project = world.advance(world.draft(), State.IN_PROGRESS)
    world.final_report(project)
    services.begin_final(actor=world.officer, project_id=project.pk)
    assert state_of(project) == State.FINAL_REVIEW


def test_midterm_is_not_repeated_once_passed(world):
    project = world.advance(world.draft(), State.MIDTERM_REVIEW)
    project = world.advance(project, State.IN_PROGRESS)
    assert project.midterm_passed
    assert refusal(lambda: services.begin_midterm(actor=world.officer, project_id=project.pk)) == [
        "中期评估已合格，不需要再次评估"
    ]


def test_evaluation_scores_are_checked_against_the_rubric(world):
    project = world.advance(world.draft(), State.MIDTERM_REVIEW)
    problems = refusal(lambda: services.record_evaluation(
        actor=world.evaluator, project_id=project.pk, kind="midterm",
        scores={"implementation": 31, "inputs": "10.3", "finance": 20}))
    assert problems == ["「项目实施」的分数须在 0 至 30 之间", "「人力物资投入」的分数须以 0.5 分为单位", "请为「项目成效」打分"]
    assert state_of(project) == State.MIDTERM_REVIEW
    assert not project.evaluations.exists()
