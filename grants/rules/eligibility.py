"""资格审查: whether an organization may apply to a round.

Returns every reason at once, each a sentence the applicant can act on,
because an officer who rejects an application must be able to show the
applicant all of the grounds, not just the first one found. The thresholds
are per-round settings (EligibilityPolicy), defaulting to common practice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from core.calendar import add_months, format_cn_date, months_between
from core.problems import Problem, messages

LIST_NAMES = {"abnormal": "活动异常名录", "serious": "严重违法失信名单"}


@dataclass(frozen=True)
class CreditEntry:
    list_type: str  # "abnormal" | "serious"
    listed_on: date
    removed_on: date | None = None

    def __post_init__(self) -> None:
        if self.list_type not in LIST_NAMES:
            raise ValueError(f"未知的信用名单类型：「{self.list_type}」")
        if self.removed_on is not None and self.removed_on < self.listed_on:
            raise ValueError("移出名录日期不能早于列入日期")


@dataclass(frozen=True)
class EligibilityPolicy:
    min_months_registered: int = 12
    min_rating: int | None = None  # 1..5 for 1A..5A
    abnormal_lookback_years: int = 1
    serious_lookback_years: int = 2
    max_applications: int = 1
    bar_unfinished: bool = True
    bar_failed_years: int = 3
    bar_government_funded: bool = True

    def __post_init__(self) -> None:
        if self.min_rating is not None and not 1 <= self.min_rating <= 5:
            raise ValueError("最低评估等级应在1A至5A之间")


@dataclass(frozen=True)
class OrganizationFacts:
    name: str
    registration_date: date | None
    rating: int | None
    rating_valid_until: date | None  # None: no expiry recorded
    credit_entries: tuple[CreditEntry, ...] = ()
    other_applications_in_round: int = 0
    unfinished_projects: tuple[str, ...] = ()  # titles of earlier-round projects not yet completed
    failed_until: date | None = None  # barred after a failed evaluation until this date
    government_funded: bool = False  # the project already gets government money


def failed_bar_until(failed_on: date, policy: EligibilityPolicy) -> date | None:
    """First date an organization may apply again after a 不合格 evaluation; None if the round does not bar."""
    if policy.bar_failed_years <= 0:
        return None
    return add_months(failed_on, 12 * policy.bar_failed_years)


def _entry_counts(entry: CreditEntry, lookback_years: int, today: date) -> bool:
    # Counts if the listing was in effect on any day of [today − N years, today].
    window_start = add_months(today, -12 * lookback_years)
    if entry.listed_on > today:
        return False
    return entry.removed_on is None or entry.removed_on >= window_start


def _registration_reasons(org: OrganizationFacts, policy: EligibilityPolicy, today: date) -> list[Problem]:
    need = policy.min_months_registered
    if need <= 0:
        return []
    registered = org.registration_date
    code = "eligibility.registration"
    if registered is None:
        return [Problem(code, f"未填写登记成立日期，无法核验是否成立满{need}个月")]
    if registered > today:
        return [Problem(code, f"登记成立日期（{format_cn_date(registered)}）晚于今天，请核对")]
    if months_between(registered, today) < need:
        due = format_cn_date(add_months(registered, need))
        return [Problem(code, f"登记成立不满{need}个月（成立于{format_cn_date(registered)}，满{need}个月的日期为{due}）")]
    return []


def _rating_reasons(org: OrganizationFacts, policy: EligibilityPolicy, today: date) -> list[Problem]:
    if policy.min_rating is None:
        return []
    required = f"本批次要求{policy.min_rating}A及以上"
    code = "eligibility.rating"
    if org.rating is None:
        return [Problem(code, f"未取得社会组织评估等级，{required}")]
    if org.rating_valid_until is not None and org.rating_valid_until < today:
        expired = format_cn_date(org.rating_valid_until)
        return [Problem(code, f"评估等级{org.rating}A已于{expired}过期，{required}")]
    if org.rating < policy.min_rating:
        return [Problem(code, f"评估等级为{org.rating}A，{required}")]
    return []


def _credit_reasons(org: OrganizationFacts, policy: EligibilityPolicy, today: date) -> list[Problem]:
    lookback = {"abnormal": policy.abnormal_lookback_years, "serious": policy.serious_lookback_years}
    reasons = []
    for entry in sorted(org.credit_entries, key=lambda e: (e.list_type, e.listed_on)):
        years = lookback[entry.list_type]
        if not _entry_counts(entry, years, today):
            continue
        when = f"{format_cn_date(entry.listed_on)}列入"
        if entry.removed_on is not None:
            when += f"，{format_cn_date(entry.removed_on)}移出"
        reasons.append(Problem("eligibility.credit", f"近{years}年内被列入{LIST_NAMES[entry.list_type]}（{when}）"))
    return reasons


def eligibility_issues(org: OrganizationFacts, policy: EligibilityPolicy, today: date) -> list[Problem]:
    """All reasons the organization is not eligible, each with its code; an empty list means eligible."""
    reasons = [
        *_registration_reasons(org, policy, today),
        *_rating_reasons(org, policy, today),
        *_credit_reasons(org, policy, today),
    ]
    if org.other_applications_in_round >= policy.max_applications:
        reasons.append(Problem(
            "eligibility.max_applications",
            f"本批次每个机构限申报{policy.max_applications}个项目，已申报{org.other_applications_in_round}个",
        ))
    if policy.bar_unfinished and org.unfinished_projects:
        titles = "、".join(f"《{t}》" for t in org.unfinished_projects)
        reasons.append(Problem("eligibility.unfinished", f"尚有未结项项目：{titles}"))
    if policy.bar_failed_years > 0 and org.failed_until is not None and today < org.failed_until:
        reasons.append(Problem("eligibility.failed", f"因绩效评价不合格，{format_cn_date(org.failed_until)}前不得申报"))
    if policy.bar_government_funded and org.government_funded:
        reasons.append(Problem("eligibility.government_funded", "该项目已获得政府资金资助，不得重复申报"))
    return reasons


def eligibility_reasons(org: OrganizationFacts, policy: EligibilityPolicy, today: date) -> list[str]:
    """eligibility_issues() as plain messages."""
    return messages(eligibility_issues(org, policy, today))
