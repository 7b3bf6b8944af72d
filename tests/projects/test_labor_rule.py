"""The labor-cost rule (grant-paid labor ≤ 50% of the grant) at the four points where the numbers change."""
from decimal import Decimal

import pytest

from grants.models import BudgetCap, CapKind
from projects import services
from projects.errors import ProjectError
from projects.models import AdjustmentState, BudgetAdjustment, Project, Report
from projects.states import State
from tests.builders import World, budget

pytestmark = pytest.mark.django_db

OVER_BY_A_FEN = "人员经费/劳务费（资助资金支付）合计 50,000.01 元，超过上限 50,000.00 元（资助金额 100,000.00 元的 50%）"


def refusal(call) -> list[str]:
    with pytest.raises(ProjectError) as refused:
        call()
    return refused.value.errors


def state_of(project) -> str:
    return Project.objects.get(pk=project.pk).state


def cut_and_signed(world):
    """Requested 100,000.00, approved 80,000.00, budget revised to fit (30,000.00 labor), signed, started."""
    project = world.advance(world.draft(grant_total="100000.00", labor="30000.00"), State.REVIEWED)
    services.approve_project(actor=world.officer, project_id=project.pk, approved_amount="80000.00",
                             comment="核减宣传费")
    project = world.advance(project, State.PUBLICITY)
    services.revise_budget_for_approval(actor=world.member, project_id=project.pk,
                                        lines=budget("80000.00", "30000.00"))
    return world.advance(project, State.IN_PROGRESS)


# ---------------------------------------------------------------- 1. at submission, against the request

class TestAtSubmission:
    def test_exactly_half_passes(self, world):
        project = world.draft(grant_total="100000.00", labor="50000.00")
        services.submit_project(actor=world.member, project_id=project.pk)
        assert state_of(project) == State.SUBMITTED

    def test_one_fen_more_fails_showing_both_amounts(self, world):
        project = world.draft(grant_total="100000.00", labor="50000.01")
        problems = refusal(lambda: services.submit_project(actor=world.member, project_id=project.pk))
        assert problems == [OVER_BY_A_FEN]
        assert state_of(project) == State.DRAFT

    def test_cofunded_labor_does_not_count(self, world):
        project = world.draft()
        services.replace_budget(actor=world.member, project_id=project.pk,
                                lines=budget("100000.00", "50000.00", cofund_labor="30000.00"))
        project = Project.objects.get(pk=project.pk)
        assert project.requested_amount == Decimal("100000.00")
        services.submit_project(actor=world.member, project_id=project.pk)
        assert state_of(project) == State.SUBMITTED

    @pytest.mark.parametrize("labor, accepted", [("50000.00", True), ("50000.01", False)])
    def test_half_of_an_odd_amount_is_compared_exactly(self, world, labor, accepted):
        # 50% of 100,000.01 is 50,000.005: 50,000.00 fits, 50,000.01 does not.
        project = world.draft(grant_total="100000.01", labor=labor)
        if accepted:
            services.submit_project(actor=world.member, project_id=project.pk)
            assert state_of(project) == State.SUBMITTED
        else:
            assert refusal(lambda: services.submit_project(actor=world.member, project_id=project.pk)) == [
                "人员经费/劳务费（资助资金支付）合计 50,000.01 元，超过上限 50,000.00 元（资助金额 100,000.01 元的 50%）"
            ]

    def test_a_round_may_set_its_own_labor_cap(self):
        world = World()
        BudgetCap.objects.create(round=world.round, category="labor", kind=CapKind.PCT_GRANT, value=Decimal("40"))
        over = world.draft(grant_total="100000.00", labor="40000.01")
        assert refusal(lambda: services.submit_project(actor=world.member, project_id=over.pk)) == [
            "人员经费/劳务费（资助资金支付）合计 40,000.01 元，超过上限 40,000.00 元（资助金额 100,000.00 元的 40%）"
        ]
        org, member = world.new_org()
        fits = world.draft(org, member, grant_total="100000.00", labor="40000.00")
        services.submit_project(actor=member, project_id=fits.pk)
        assert state_of(fits) == State.SUBMITTED


# ---------------------------------------------------------------- 2. at the decision, against the approved amount

class TestAtDecision:
    def _cut(self, world, amount="80000.00"):
        project = world.advance(world.draft(grant_total="100000.00", labor="50000.00"), State.REVIEWED)
        services.approve_project(actor=world.officer, project_id=project.pk, approved_amount=amount, comment="核减")
        return world.advance(project, State.PUBLICITY)

    def test_a_cut_is_approved_but_signing_is_refused_until_the_budget_is_revised(self, world):
        project = self._cut(world)
        assert project.approved_amount == Decimal("80000.00")
        problems = refusal(lambda: services.sign_agreement(actor=world.member, project_id=project.pk, signer_name="李四"))
        assert (
            "按核定资助金额 80,000.00 元：人员经费/劳务费（资助资金支付）合计 50,000.00 元，"
            "超过上限 40,000.00 元（资助金额 80,000.00 元的 50%）"
        ) in problems
        assert all("核定" in p for p in problems)
        assert state_of(project) == State.PUBLICITY
        assert not project.tranches.exists()

    def test_the_officer_cannot_sign_over_a_broken_budget_either(self, world):
        project = self._cut(world)
        problems = refusal(lambda: services.sign_agreement(actor=world.officer, project_id=project.pk, signer_name="王五"))
        assert any("超过上限 40,000.00 元" in p for p in problems)

    def test_the_application_budget_is_frozen_during_publicity(self, world):
        project = self._cut(world)
        problems = refusal(lambda: services.replace_budget(
            actor=world.member, project_id=project.pk, lines=budget("80000.00", "40000.00")))
        assert problems == [f"项目当前状态为「{State.PUBLICITY.label}」，申报内容已冻结，不能修改"]
        problems = refusal(lambda: services.request_budget_adjustment(
            actor=world.member, project_id=project.pk, lines=budget("80000.00", "40000.00"), reason="按核定金额调整"))
        assert problems == [f"项目当前状态为「{State.PUBLICITY.label}」，签订协议后方可申请预算调整"]
        assert list(Project.objects.get(pk=project.pk).budget_lines.values_list("amount", flat=True)) == [
            Decimal("50000.00"), Decimal("50000.00")
        ]

    def test_revising_the_budget_to_the_cut_amount_lets_the_agreement_be_signed(self, world):
        project = self._cut(world)
        problems = refusal(lambda: services.revise_budget_for_approval(
            actor=world.member, project_id=project.pk, lines=budget("80000.00", "40000.01")))
        assert problems == [
            "按核定资助金额 80,000.00 元：人员经费/劳务费（资助资金支付）合计 40,000.01 元，"
            "超过上限 40,000.00 元（资助金额 80,000.00 元的 50%）"
        ]
        services.revise_budget_for_approval(
            actor=world.member, project_id=project.pk, lines=budget("80000.00", "40000.00", cofund_labor="10000.00"))
        revised = project.events.get(action="budget_revised")
        assert revised.actor == world.member and revised.data["approved_amount"] == "80000.00"
        services.sign_agreement(actor=world.member, project_id=project.pk, signer_name="李四")
        project = Project.objects.get(pk=project.pk)
        assert project.state == State.CONTRACTED
        assert project.requested_amount == Decimal("100000.00")
        assert sum(project.tranches.values_list("amount", flat=True)) == Decimal("80000.00")

    def test_only_the_applicant_revises_and_only_before_signing(self, world):
        project = self._cut(world)
        _, outsider = world.new_org()
        for user in (outsider, world.officer):
            assert refusal(lambda u=user: services.revise_budget_for_approval(
                actor=u, project_id=project.pk, lines=budget("80000.00", "40000.00"))) == [
                "只有申报机构的成员可以编辑该项目"
            ]
        services.revise_budget_for_approval(actor=world.member, project_id=project.pk, lines=budget("80000.00", "40000.00"))
        project = world.advance(project, State.CONTRACTED)
        assert refusal(lambda: services.revise_budget_for_approval(
            actor=world.member, project_id=project.pk, lines=budget("80000.00", "30000.00"))) == [
            f"项目当前状态为「{State.CONTRACTED.label}」，只有拟资助或公示期间可以按核定金额修改预算"
        ]

    def test_an_uncut_approval_signs_at_exactly_half(self, world):
        project = world.advance(world.draft(grant_total="100000.00", labor="50000.00"), State.PUBLICITY)
        services.sign_agreement(actor=world.member, project_id=project.pk, signer_name="李四")
        assert state_of(project) == State.CONTRACTED


# ---------------------------------------------------------------- 3. on budget adjustments after signing

class TestAtAdjustment:
    def test_request_at_exactly_half_is_accepted_one_fen_more_refused(self, world):
        project = world.advance(world.draft(labor="30000.00"), State.IN_PROGRESS)
        problems = refusal(lambda: services.request_budget_adjustment(
            actor=world.member, project_id=project.pk, lines=budget("100000.00", "50000.01"), reason="增加社工"))
        assert problems == [f"按核定资助金额 100,000.00 元：{OVER_BY_A_FEN}"]
        assert not BudgetAdjustment.objects.filter(project=project).exists()
        adjustment = services.request_budget_adjustment(
            actor=world.member, project_id=project.pk, lines=budget("100000.00", "50000.00"), reason="增加社工")
        assert adjustment.state == AdjustmentState.PENDING

    def test_adjustments_are_measured_against_the_approved_not_the_requested_amount(self, world):
        project = cut_and_signed(world)
        problems = refusal(lambda: services.request_budget_adjustment(
            actor=world.member, project_id=project.pk, lines=budget("80000.00", "40000.01"), reason="增加社工"))
        assert problems == [
            "按核定资助金额 80,000.00 元：人员经费/劳务费（资助资金支付）合计 40,000.01 元，"
            "超过上限 40,000.00 元（资助金额 80,000.00 元的 50%）"
        ]
        services.request_budget_adjustment(
            actor=world.member, project_id=project.pk, lines=budget("80000.00", "40000.00"), reason="增加社工")

    def test_cofunded_labor_is_not_counted_in_an_adjustment(self, world):
        project = world.advance(world.draft(), State.CONTRACTED)
        adjustment = services.request_budget_adjustment(
            actor=world.member, project_id=project.pk,
            lines=budget("100000.00", "50000.00", cofund_labor="25000.00"), reason="机构自筹志愿者补贴")
        services.decide_budget_adjustment(actor=world.officer, adjustment_id=adjustment.pk, approve=True)
        lines = Project.objects.get(pk=project.pk).budget_lines.order_by("position")
        assert [(b.category, b.amount, b.source) for b in lines] == [
            ("labor", Decimal("50000.00"), "grant"), ("activity", Decimal("50000.00"), "grant"),
            ("labor", Decimal("25000.00"), "cofund"),
        ]

    def test_approval_checks_the_rule_again(self, world):
        project = world.advance(world.draft(labor="30000.00"), State.IN_PROGRESS)
        adjustment = services.request_budget_adjustment(
            actor=world.member, project_id=project.pk, lines=budget("100000.00", "45000.00"), reason="增加社工")
        # The round's labor cap was tightened while the request waited.
        BudgetCap.objects.create(round=world.round, category="labor", kind=CapKind.PCT_GRANT, value=Decimal("40"))
        problems = refusal(lambda: services.decide_budget_adjustment(
            actor=world.officer, adjustment_id=adjustment.pk, approve=True))
        assert problems == [
            "按核定资助金额 100,000.00 元：人员经费/劳务费（资助资金支付）合计 45,000.00 元，"
            "超过上限 40,000.00 元（资助金额 100,000.00 元的 40%）"
        ]
        assert BudgetAdjustment.objects.get(pk=adjustment.pk).state == AdjustmentState.PENDING
        labor = Project.objects.get(pk=project.pk).budget_lines.get(category="labor")
        assert labor.amount == Decimal("30000.00")
        services.decide_budget_adjustment(actor=world.officer, adjustment_id=adjustment.pk, approve=False,
                                          comment="超过本批次人员经费上限")
        assert BudgetAdjustment.objects.get(pk=adjustment.pk).state == AdjustmentState.REJECTED

    def test_only_officers_decide_adjustments(self, world):
        project = world.advance(world.draft(), State.IN_PROGRESS)
        adjustment = services.request_budget_adjustment(
            actor=world.member, project_id=project.pk, lines=budget("100000.00", "40000.00"), reason="调整")
        for user in (world.member, world.finance, world.evaluator):
            assert refusal(lambda u=user: services.decide_budget_adjustment(
                actor=u, adjustment_id=adjustment.pk, approve=True)) == ["只有项目管理员可以审核预算调整"]
        services.decide_budget_adjustment(actor=world.admin, adjustment_id=adjustment.pk, approve=True)
        assert BudgetAdjustment.objects.get(pk=adjustment.pk).state == AdjustmentState.APPROVED


# ---------------------------------------------------------------- 4. on reported spending, cumulative

def _report(world, project, *expenditures):
    return services.submit_report(
        actor=world.member, project_id=project.pk, kind="progress", narrative="本期开展活动12场",
        expenditures=[{"category": c, "item": "支出", "amount": a, "source": s} for c, a, s in expenditures],
    )


class TestOnReportedSpending:
    def test_cumulative_labor_up_to_exactly_half_passes_one_fen_more_fails(self, world):
        project = world.advance(world.draft(), State.IN_PROGRESS)
        _report(world, project, ("labor", "30000.00", "grant"), ("activity", "10000.00", "grant"))
        _report(world, project, ("labor", "20000.00", "grant"))
        problems = refusal(lambda: _report(world, project, ("labor", "0.01", "grant")))
        assert problems == [f"累计实际支出：{OVER_BY_A_FEN}"]
        assert Report.objects.filter(project=project).count() == 2

    def test_cofunded_labor_spending_is_not_counted(self, world):
        project = world.advance(world.draft(), State.IN_PROGRESS)
        _report(world, project, ("labor", "50000.00", "grant"), ("labor", "40000.00", "cofund"))
        _report(world, project, ("labor", "10000.00", "cofund"))
        assert Report.objects.filter(project=project).count() == 2

    def test_one_report_over_the_cap_on_its_own_is_refused(self, world):
        project = world.advance(world.draft(), State.IN_PROGRESS)
        problems = refusal(lambda: _report(world, project, ("labor", "25000.00", "grant"),
                                           ("labor", "25000.01", "grant")))
        assert problems == [f"累计实际支出：{OVER_BY_A_FEN}"]
        assert not Report.objects.filter(project=project).exists()

    def test_spending_is_measured_against_the_approved_not_the_requested_amount(self, world):
        project = cut_and_signed(world)
        _report(world, project, ("labor", "40000.00", "grant"))
        problems = refusal(lambda: _report(world, project, ("labor", "0.01", "grant")))
        assert problems == [
            "累计实际支出：人员经费/劳务费（资助资金支付）合计 40,000.01 元，超过上限 40,000.00 元（资助金额 80,000.00 元的 50%）"
        ]
