"""Model-level validation (full_clean) of organizations, rounds and budget caps."""
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from grants.models import BudgetCap, CapKind, OrgType
from tests.factories import OrganizationFactory, RoundFactory

pytestmark = pytest.mark.django_db


def errors_of(instance) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as invalid:
        instance.full_clean()
    return invalid.value.message_dict


class TestOrganizationCreditCode:
    @pytest.mark.parametrize("code, org_type", [
        ("53420000MJH2448303", OrgType.FOUNDATION),
        ("52420000MJH233402K", OrgType.SOCIAL_SERVICE),
    ])
    def test_valid_codes_matching_the_type_pass(self, code, org_type):
        OrganizationFactory.build(credit_code=code, org_type=org_type).full_clean()

    def test_spaces_and_lower_case_are_normalized(self):
        org = OrganizationFactory.build(credit_code=" 52420000 mjh233402k ", org_type=OrgType.SOCIAL_SERVICE)
        org.full_clean()
        assert org.credit_code == "52420000MJH233402K"

    @pytest.mark.parametrize("code, wrong_type", [
        ("53420000MJH2448303", OrgType.SOCIAL_SERVICE),
        ("52420000MJH233402K", OrgType.FOUNDATION),
        ("52420000MJH233402K", OrgType.SOCIAL_GROUP),
    ])
    def test_a_civil_affairs_code_must_match_the_type(self, code, wrong_type):
        problems = errors_of(OrganizationFactory.build(credit_code=code, org_type=wrong_type))
        assert list(problems) == ["credit_code"]
        assert len(problems["credit_code"]) == 1
        assert problems["credit_code"][0].startswith("信用代码第1–2位")

    def test_a_code_of_another_authority_does_not_pass_as_a_social_organization(self):
        # 9x is a 工商 (enterprise) code: a 社会服务机构 is registered by 民政 and its code starts 52.
        problems = errors_of(OrganizationFactory.build(credit_code="91350200776049653A", org_type=OrgType.SOCIAL_SERVICE))
        assert "与所选类型「社会服务机构（民办非企业单位）」不一致" in problems["credit_code"][0]

    def test_a_wrong_check_character_names_the_expected_one(self):
        problems = errors_of(OrganizationFactory.build(credit_code="51420000MJH2003664", org_type=OrgType.SOCIAL_GROUP))
        assert problems["credit_code"] == ["统一社会信用代码校验位应为「N」，实际为「4」，请核对是否填错"]

    def test_a_code_with_forbidden_letters_names_their_positions(self):
        problems = errors_of(OrganizationFactory.build(credit_code="52420000MJH23340IO", org_type=OrgType.SOCIAL_SERVICE))
        assert any("第17位「I」" in p and "第18位「O」" in p for p in problems["credit_code"])

    def test_a_registered_organization_needs_a_code(self):
        problems = errors_of(OrganizationFactory.build(credit_code=None, org_type=OrgType.SOCIAL_GROUP))
        assert problems["credit_code"] == ["已登记的社会组织必须填写统一社会信用代码"]


class TestOrganizationPayee:
    def test_the_account_name_must_equal_the_registered_name(self):
        org = OrganizationFactory.build(name="温州市鹿城区阳光社工服务中心", bank_account_name="阳光社工")
        assert errors_of(org)["bank_account_name"] == [
            "户名「阳光社工」必须与机构登记名称「温州市鹿城区阳光社工服务中心」一致"
        ]

    def test_a_community_organization_needs_a_host(self):
        org = OrganizationFactory.build(org_type=OrgType.COMMUNITY, credit_code=None, bank_account_name="")
        assert errors_of(org)["host"] == ["备案社区社会组织须填写依托单位（登记注册的社会组织），由其代为收款"]

    def test_the_host_of_a_community_organization_is_its_payee(self):
        host = OrganizationFactory()
        org = OrganizationFactory.build(org_type=OrgType.COMMUNITY, credit_code=None, host=host,
                                        bank_account_name=host.name)
        org.full_clean()
        assert org.payee == host
        assert host.payee == host

    def test_a_host_must_be_registered(self):
        host = OrganizationFactory()
        community = OrganizationFactory(org_type=OrgType.COMMUNITY, credit_code=None, host=host, bank_account_name="")
        nested = OrganizationFactory.build(org_type=OrgType.COMMUNITY, credit_code=None, host=community,
                                           bank_account_name="")
        assert errors_of(nested)["host"] == ["依托单位必须是已登记的社会组织，不能是另一个备案社区社会组织"]

    def test_only_community_organizations_have_a_host(self):
        org = OrganizationFactory.build(host=OrganizationFactory())
        assert errors_of(org)["host"] == ["只有备案社区社会组织需要依托单位"]

    def test_a_rating_needs_its_validity_date(self):
        org = OrganizationFactory.build(rating=4, rating_valid_until=None)
        assert errors_of(org)["rating_valid_until"] == ["填写评估等级时须填写有效期"]

    def test_the_bank_code_has_twelve_digits(self):
        assert "bank_code" in errors_of(OrganizationFactory.build(bank_code="10233300001"))


class TestRoundClean:
    def test_a_factory_round_is_valid(self):
        RoundFactory.build().full_clean()

    def test_a_tranche_template_must_sum_to_100(self):
        round = RoundFactory.build(tranche_template=[
            {"name": "首期", "percent": "40", "trigger": "signing"},
            {"name": "尾款", "percent": "50", "trigger": "final_passed"},
        ])
        assert errors_of(round)["tranche_template"] == ["各期比例合计为 90.00%，必须等于 100%"]

    def test_a_tranche_template_with_an_unknown_trigger(self):
        round = RoundFactory.build(tranche_template=[{"name": "首期", "percent": "100", "trigger": "whenever"}])
        assert any(p.startswith("第1期「首期」拨付条件「whenever」无效") for p in errors_of(round)["tranche_template"])

    def test_a_bad_rubric_lists_every_problem(self):
        round = RoundFactory.build(rubric=[
            {"code": "need", "name": "需求分析", "max": "0"},
            {"code": "need", "name": "项目设计", "max": "abc"},
            {"code": "", "name": "团队", "max": "15", "weight": "-1"},
        ])
        assert errors_of(round)["rubric"] == [
            "评分指标「需求分析」的满分必须大于0",
            "评分指标代码「need」重复",
            "评分指标「项目设计」的满分不是有效数字",
            "第3项评分指标缺少代码或名称",
            "评分指标「团队」的权重必须大于0",
        ]

    def test_an_empty_rubric_is_refused(self):
        assert "评分细则至少需要一项评分指标" in errors_of(RoundFactory.build(final_rubric=[]))["final_rubric"]

    def test_amounts_dates_and_domains_are_consistent(self):
        round = RoundFactory.build(
            pot=Decimal("50000.00"), min_amount=Decimal("60000.00"), max_amount=Decimal("55000.00"),
            apply_start=date(2026, 5, 1), apply_end=date(2026, 4, 30), domains=["elderly", "pets"],
        )
        problems = errors_of(round)
        assert problems["max_amount"] == ["单个项目资助上限不能低于下限", "单个项目资助上限不能超过资金总额"]
        assert problems["apply_end"] == ["申报截止日期不能早于开始日期"]
        assert problems["domains"] == ["未知的服务领域：pets"]


class TestBudgetCapClean:
    def _cap(self, **kwargs) -> BudgetCap:
        return BudgetCap(round=RoundFactory(), **kwargs)

    def test_a_forbidden_cap_drops_its_value(self):
        cap = self._cap(category="other", kind=CapKind.FORBIDDEN, value=Decimal("10"))
        cap.full_clean()
        assert cap.value is None

    @pytest.mark.parametrize("kwargs, field, message", [
        ({"category": "cash", "kind": CapKind.FIXED, "value": Decimal("1")}, "category", "未知的预算科目：cash"),
        ({"category": "labor", "kind": CapKind.PCT_GRANT, "value": Decimal("100.01")}, "value", "百分比上限不能超过100"),
        ({"category": "labor", "kind": CapKind.PCT_TOTAL, "value": None}, "value", "请填写不小于0的上限值"),
        ({"category": "travel", "kind": CapKind.FIXED, "value": Decimal("-1")}, "value", "请填写不小于0的上限值"),
    ])
    def test_invalid_caps(self, kwargs, field, message):
        assert message in errors_of(self._cap(**kwargs))[field]

    def test_a_hundred_percent_and_a_fixed_zero_are_allowed(self):
        self._cap(category="labor", kind=CapKind.PCT_GRANT, value=Decimal("100")).full_clean()
        self._cap(category="travel", kind=CapKind.FIXED, value=Decimal("0")).full_clean()
