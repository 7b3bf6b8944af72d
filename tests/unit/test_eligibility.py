from dataclasses import replace
from datetime import date

import pytest

from grants.rules.eligibility import (
    CreditEntry,
    EligibilityPolicy,
    OrganizationFacts,
    eligibility_reasons,
    failed_bar_until,
)

TODAY = date(2026, 6, 15)
POLICY = EligibilityPolicy()


def org(**changes):
    base = OrganizationFacts(
        name="温州市鹿城区阳光社工服务中心",
        registration_date=date(2020, 1, 1),
        rating=4,
        rating_valid_until=date(2028, 12, 31),
    )
    return replace(base, **changes)


def reasons(policy=POLICY, today=TODAY, **changes):
    return eligibility_reasons(org(**changes), policy, today)


def test_eligible_organization_has_no_reasons():
    assert reasons() == []


class TestRegistration:
    def test_too_young(self):
        assert reasons(registration_date=date(2026, 3, 1), today=date(2026, 6, 15)) == [
            "登记成立不满12个月（成立于2026年03月01日，满12个月的日期为2027年03月01日）"
        ]

    def test_exactly_twelve_months_passes(self):
        assert reasons(registration_date=date(2025, 6, 15)) == []
        assert reasons(registration_date=date(2025, 6, 16)) != []

    def test_custom_minimum(self):
        policy = EligibilityPolicy(min_months_registered=24)
        assert reasons(policy, registration_date=date(2025, 1, 1)) == [
            "登记成立不满24个月（成立于2025年01月01日，满24个月的日期为2027年01月01日）"
        ]
        assert reasons(EligibilityPolicy(min_months_registered=0), registration_date=None) == []

    def test_missing_and_future(self):
        assert reasons(registration_date=None) == ["未填写登记成立日期，无法核验是否成立满12个月"]
        assert reasons(registration_date=date(2026, 7, 1)) == ["登记成立日期（2026年07月01日）晚于今天，请核对"]


class TestRating:
    policy = EligibilityPolicy(min_rating=3)

    def test_no_minimum_ignores_rating(self):
        assert reasons(rating=None, rating_valid_until=None) == []

    def test_too_low(self):
        assert reasons(self.policy, rating=2) == ["评估等级为2A，本批次要求3A及以上"]

    def test_enough(self):
        assert reasons(self.policy, rating=3) == []
        assert reasons(self.policy, rating=5, rating_valid_until=None) == []

    def test_missing(self):
        assert reasons(self.policy, rating=None, rating_valid_until=None) == ["未取得社会组织评估等级，本批次要求3A及以上"]

    def test_expired(self):
        assert reasons(self.policy, rating=5, rating_valid_until=date(2026, 6, 14)) == [
            "评估等级5A已于2026年06月14日过期，本批次要求3A及以上"
        ]

    def test_valid_on_last_day(self):
        assert reasons(self.policy, rating=5, rating_valid_until=TODAY) == []

    def test_policy_validates_rating(self):
        with pytest.raises(ValueError):
            EligibilityPolicy(min_rating=6)


class TestCreditLists:
    def test_abnormal_still_listed(self):
        entry = CreditEntry("abnormal", date(2026, 5, 1), None)
        assert reasons(credit_entries=(entry,)) == ["近1年内被列入活动异常名录（2026年05月01日列入）"]

    def test_abnormal_listed_long_ago_but_never_removed(self):
        entry = CreditEntry("abnormal", date(2019, 5, 1), None)
        assert reasons(credit_entries=(entry,)) == ["近1年内被列入活动异常名录（2019年05月01日列入）"]

    def test_abnormal_removed_inside_window(self):
        entry = CreditEntry("abnormal", date(2024, 3, 1), date(2025, 9, 1))
        assert reasons(credit_entries=(entry,)) == ["近1年内被列入活动异常名录（2024年03月01日列入，2025年09月01日移出）"]

    def test_abnormal_removed_before_window(self):
        entry = CreditEntry("abnormal", date(2024, 3, 1), date(2025, 6, 14))
        assert reasons(credit_entries=(entry,)) == []

    def test_window_start_day_is_inside(self):
        entry = CreditEntry("abnormal", date(2024, 3, 1), date(2025, 6, 15))
        assert len(reasons(credit_entries=(entry,))) == 1

    def test_serious_two_year_window(self):
        inside = CreditEntry("serious", date(2023, 1, 1), date(2024, 7, 1))
        outside = CreditEntry("serious", date(2022, 1, 1), date(2024, 6, 1))
        assert reasons(credit_entries=(inside, outside)) == [
            "近2年内被列入严重违法失信名单（2023年01月01日列入，2024年07月01日移出）"
        ]

    def test_future_listing_ignored(self):
        assert reasons(credit_entries=(CreditEntry("serious", date(2026, 7, 1)),)) == []

    def test_custom_lookback(self):
        entry = CreditEntry("abnormal", date(2023, 3, 1), date(2024, 9, 1))
        assert reasons(EligibilityPolicy(abnormal_lookback_years=3), credit_entries=(entry,)) == [
            "近3年内被列入活动异常名录（2023年03月01日列入，2024年09月01日移出）"
        ]

    def test_entry_validation(self):
        with pytest.raises(ValueError):
            CreditEntry("blacklist", date(2026, 1, 1))
        with pytest.raises(ValueError):
            CreditEntry("abnormal", date(2026, 1, 2), date(2026, 1, 1))


class TestOtherBars:
    def test_application_limit(self):
        assert reasons(other_applications_in_round=1) == ["本批次每个机构限申报1个项目，已申报1个"]
        assert reasons(EligibilityPolicy(max_applications=2), other_applications_in_round=1) == []

    def test_unfinished(self):
        assert reasons(unfinished_projects=("夕阳红助餐", "护苗行动")) == ["尚有未结项项目：《夕阳红助餐》、《护苗行动》"]
        policy = EligibilityPolicy(bar_unfinished=False)
        assert reasons(policy, unfinished_projects=("夕阳红助餐",)) == []

    def test_failed_until(self):
        assert reasons(failed_until=date(2027, 6, 30)) == ["因绩效评价不合格，2027年06月30日前不得申报"]
        assert reasons(failed_until=TODAY) == []
        assert reasons(EligibilityPolicy(bar_failed_years=0), failed_until=date(2027, 6, 30)) == []

    def test_failed_bar_until(self):
        assert failed_bar_until(date(2024, 6, 30), POLICY) == date(2027, 6, 30)
        assert failed_bar_until(date(2024, 6, 30), EligibilityPolicy(bar_failed_years=0)) is None

    def test_government_funded(self):
        assert reasons(government_funded=True) == ["该项目已获得政府资金资助，不得重复申报"]
        assert reasons(EligibilityPolicy(bar_government_funded=False), government_funded=True) == []


def test_all_reasons_at_once():
    policy = EligibilityPolicy(min_rating=3)
    result = reasons(
        policy,
        registration_date=date(2026, 3, 1),
        rating=2,
        credit_entries=(
            CreditEntry("abnormal", date(2026, 5, 1)),
            CreditEntry("serious", date(2025, 1, 1), date(2025, 12, 1)),
        ),
        other_applications_in_round=1,
        unfinished_projects=("社区微治理",),
        failed_until=date(2027, 1, 1),
        government_funded=True,
    )
    assert result == [
        "登记成立不满12个月（成立于2026年03月01日，满12个月的日期为2027年03月01日）",
        "评估等级为2A，本批次要求3A及以上",
        "近1年内被列入活动异常名录（2026年05月01日列入）",
        "近2年内被列入严重违法失信名单（2025年01月01日列入，2025年12月01日移出）",
        "本批次每个机构限申报1个项目，已申报1个",
        "尚有未结项项目：《社区微治理》",
        "因绩效评价不合格，2027年01月01日前不得申报",
        "该项目已获得政府资金资助，不得重复申报",
    ]
