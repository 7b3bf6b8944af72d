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
from projects.models import Evaluation, Project

# A project already funded by government is fixed on the application's first page, not by the organization.
_PLACES = {"eligibility.government_funded": ("basic", "id_government_funded")}


def organization_facts(
    organization: Organization, round: GrantRound, *, project=None, government_funded: bool = False
) -> OrganizationFacts:
    """Everything eligibility needs to know about an organization applying to `round`."""
    others = Project.objects.filter(organization=organization, round=round).exclude(
        state__in=PROJECT.group("not_applied")
    )
    if project is not None and project.pk:
        others = others.exclude(pk=project.pk)
    unfinished = tuple(
        Project.objects.filter(organization=organization, state__in=PROJECT.group("unfinished"))
        .exclude(round=round)
        .values_list("title", flat=True)
    )
    last_failure = (
        Evaluation.objects.filter(project__organization=organization, passed=False)
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)
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


def eligibility_issues_for(organization: Organization, round: GrantRound, *, today: date,
                           project=None) -> list[Problem]:
    """Every eligibility problem, each placed where it is fixed (mostly the organization itself)."""
    facts = organization_facts(
        organization, round, project=project, government_funded=bool(project and project.government_funded)
    )
    return [_placed(p) for p in eligibility_issues(facts, eligibility_policy(round), today)]


def _placed(problem: Problem) -> Problem:
    section, field = _PLACES.get(problem.code, ("eligibility", ""))
    return replace(problem, section=section, field=field)


def eligibility_reasons_for(organization: Organization, round: GrantRound, *, today: date, project=None) -> list[str]:
    return messages(eligibility_issues_for(organization, round, today=today, project=project))
