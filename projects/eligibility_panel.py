"""What the officer reads beside an application at the eligibility check (资格审查): the organization's
record, its earlier projects, and the system's own result for every eligibility rule of the round,
each passed or failed with the reason (the same judgement the `accept_for_review` guard applies)."""
from dataclasses import dataclass, field
from datetime import date

from django.utils.translation import gettext as _

from grants.models import GrantRound, Organization
from grants.selectors import eligibility_policy
from projects.eligibility import eligibility_issues_for
from projects.models import Project
from projects.states import State

# The states in which the page is an eligibility check, and the decisions taken there.
CHECK_STATES = frozenset({State.SUBMITTED, State.RETURNED, State.INELIGIBLE})
DECISIONS = ("accept_for_review", "return_for_revision", "mark_ineligible")
# How each decision looks: distinct, so that 不合格 is never clicked for 合格.
TONES = {"accept_for_review": "ok", "return_for_revision": "warn", "mark_ineligible": "bad"}


@dataclass
class RuleResult:
    code: str
    label: str
    applies: bool
    reasons: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.reasons


def _rules(round: GrantRound) -> list[tuple[str, str, bool]]:
    """(problem code, what the rule asks, whether this round applies it), in the order of the policy."""
    policy = eligibility_policy(round)
    rating = _("Rating %(n)sA or above, still valid") % {"n": policy.min_rating} if policy.min_rating else _("Rating")
    return [
        ("eligibility.registration",
         _("Registered for at least %(n)s months") % {"n": policy.min_months_registered},
         policy.min_months_registered > 0),
        ("eligibility.rating", rating, policy.min_rating is not None),
        ("eligibility.credit",
         _("Not on the abnormal activity list in the last %(a)s years, nor on the serious illegal and dishonest "
           "list in the last %(s)s years") % {"a": policy.abnormal_lookback_years, "s": policy.serious_lookback_years},
         True),
        ("eligibility.max_applications",
         _("At most %(n)s applications per organization in this round") % {"n": policy.max_applications}, True),
        ("eligibility.unfinished", _("No unfinished project from an earlier round"), policy.bar_unfinished),
        ("eligibility.failed",
         _("Not barred after a failed evaluation (%(n)s years)") % {"n": policy.bar_failed_years},
         policy.bar_failed_years > 0),
        ("eligibility.government_funded", _("The project is not already funded by government"),
         policy.bar_government_funded),
    ]


def rule_results(project: Project, *, today: date) -> list[RuleResult]:
    """Every rule of the round with its result. A problem whose code no rule here names still shows
    (as its own failed row), so a new rule can never pass unseen."""
    problems = eligibility_issues_for(project.organization, project.round, today=today, project=project)
    results = []
    known = set()
    for code, label, applies in _rules(project.round):
        known.add(code)
        results.append(RuleResult(code, label, applies, [p.message for p in problems if p.code == code]))
    for problem in problems:
        if problem.code not in known:
            results.append(RuleResult(problem.code, _("Other eligibility rule"), True, [problem.message]))
    return results


@dataclass
class EarlierProject:
    project: Project
    outcome: str


def earlier_projects(project: Project) -> list[EarlierProject]:
    """The organization's other applications (not drafts), newest first, with how each ended or stands."""
    others = (Project.objects.filter(organization_id=project.organization_id)
              .exclude(pk=project.pk).exclude(state=State.DRAFT)
              .select_related("round").order_by("-round__year", "-submitted_at", "-id"))
    rows = []
    for other in others:
        outcome = other.state_label
        if other.grade:
            outcome = _("%(state)s, final grade %(grade)s") % {"state": outcome, "grade": other.grade}
        rows.append(EarlierProject(other, str(outcome)))
    return rows


@dataclass
class Panel:
    organization: Organization
    payee: Organization
    credit_entries: list
    rules: list[RuleResult]
    earlier: list[EarlierProject]
    rating_expired: bool

    @property
    def eligible(self) -> bool:
        return all(r.passed for r in self.rules)

    @property
    def failed_count(self) -> int:
        return sum(1 for r in self.rules if not r.passed)


def eligibility_panel(project: Project, *, today: date) -> Panel:
    org = project.organization
    return Panel(
        organization=org, payee=org.payee, credit_entries=list(org.credit_entries.all()),
        rules=rule_results(project, today=today), earlier=earlier_projects(project),
        rating_expired=bool(org.rating and org.rating_valid_until and org.rating_valid_until < today),
    )
