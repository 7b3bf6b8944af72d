"""Eligibility of an organization for a round: the facts gathered from its record and its projects,
judged by the pure rule in grants.rules.eligibility. Here and not in grants because the facts include
the organization's projects."""
from dataclasses import replace
from datetime import date

from core.problems import Problem, messages
from grants.models import GrantRound, Organization
from grants.rules.eligibility import CreditEntry, OrganizationFacts, eligibility_issues
from grants.selectors import eligibility_policy
from projects.lifecycle import PROJECT
from projects.models import Project, ProjectEvent
from projects.states import State

# A project already funded by government is fixed on the application's first page, not by the organization.
ENDED_IN_FAILURE = ("fail_final", "terminate")
_PLACES = {"eligibility.government_funded": ("basic", "id_government_funded")}
_FOUND_BY_OFFICER = "经项目管理员核查，该项目已获得政府资金资助，不得重复申报"
# The audit action of the officer's government-funding finding (written by projects.services.government_funding).
GOVERNMENT_FUNDING_CHECK = "government_funding_check"


def uncounted_states(round: GrantRound) -> set[str]:
    """States of the organization's other applications in `round` that leave its per-organization
    limit untouched: never applied, and, unless the round says otherwise, withdrawn or ruled ineligible
    (so a corrected application can still be submitted in the same window)."""
    states = set(PROJECT.group("not_applied"))
    if round.count_withdrawn_toward_limit:
        states.discard(State.WITHDRAWN)
    if not round.count_ineligible_toward_limit:
        states.add(State.INELIGIBLE)
    return states


def organization_facts(
    organization: Organization, round: GrantRound, *, project=None, government_funded: bool = False
) -> OrganizationFacts:
    """Everything eligibility needs to know about an organization applying to `round`."""
    others = Project.objects.filter(organization=organization, round=round).exclude(
        state__in=uncounted_states(round)
    )
    if project is not None and project.pk:
        others = others.exclude(pk=project.pk)
    unfinished = tuple(
        Project.objects.filter(organization=organization, state__in=round.unfinished_states or ())
        .exclude(round=round)
        .values_list("title", flat=True)
    )
    # The bar follows how a project ended (failed its final evaluation, or was terminated), not an
    # evaluation on the way: a failed mid-term that was re-run and passed bars nothing.
    last_failure = (
        ProjectEvent.objects.filter(project__organization=organization, action__in=ENDED_IN_FAILURE,
                                    to_state=State.TERMINATED)
        .order_by("-at")
        .values_list("at", flat=True)
        .first()
    )
    failed_until = None
    if last_failure is not None and round.bar_failed_years:
        failed = last_failure.date()
        try:
            failed_until = failed.replace(year=failed.year + round.bar_failed_years)
        except ValueError:  # 29 February
            failed_until = failed.replace(year=failed.year + round.bar_failed_years, day=28)
    return OrganizationFacts(
        name=organization.name,
        registration_date=organization.registration_date,
        rating=organization.rating,
        rating_valid_until=organization.rating_valid_until,
        credit_entries=tuple(
            CreditEntry(list_type=e.list_type, listed_on=e.listed_on, removed_on=e.removed_on)
            for e in organization.credit_entries.all()
        ),
        other_applications_in_round=others.count(),
        unfinished_projects=unfinished,
        failed_until=failed_until,
        government_funded=government_funded,
    )


def officer_found_government_funded(project) -> bool:
    """The officer's latest finding (projects.services.government_funding); False when none was recorded."""
    if project is None or not project.pk:
        return False
    latest = (project.events.filter(action=GOVERNMENT_FUNDING_CHECK).order_by("-at", "-id")
              .values_list("data", flat=True).first())
    return bool(latest and latest.get("funded") is True)


def eligibility_issues_for(organization: Organization, round: GrantRound, *, today: date,
                           project=None) -> list[Problem]:
    """Every eligibility problem, each placed where it is fixed (mostly the organization itself).
    A project counts as government-funded if the applicant ticked it or the officer found it so."""
    declared = bool(project and project.government_funded)
    found = officer_found_government_funded(project)
    facts = organization_facts(organization, round, project=project, government_funded=declared or found)
    issues = [_placed(p) for p in eligibility_issues(facts, eligibility_policy(round), today)]
    if found and not declared:
        # Nothing on the applicant's form to fix: say whose finding it is.
        issues = [replace(p, message=_FOUND_BY_OFFICER, section="eligibility", field="")
                  if p.code == "eligibility.government_funded" else p for p in issues]
    return issues


def _placed(problem: Problem) -> Problem:
    section, field = _PLACES.get(problem.code, ("eligibility", ""))
    return replace(problem, section=section, field=field)


def eligibility_reasons_for(organization: Organization, round: GrantRound, *, today: date, project=None) -> list[str]:
    return messages(eligibility_issues_for(organization, round, today=today, project=project))
