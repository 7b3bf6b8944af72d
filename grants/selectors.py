"""Reads about organizations and rounds that rules need, shaped as the rules' plain facts."""
from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from grants.models import GrantRound, Organization
from grants.rules.eligibility import CreditEntry, EligibilityPolicy, OrganizationFacts


def eligibility_policy(round: GrantRound) -> EligibilityPolicy:
    return EligibilityPolicy(
        min_months_registered=round.min_months_registered,
        min_rating=round.min_rating,
        abnormal_lookback_years=round.abnormal_lookback_years,
        serious_lookback_years=round.serious_lookback_years,
        max_applications=round.max_applications_per_org,
        bar_unfinished=round.bar_unfinished,
        bar_failed_years=round.bar_failed_years,
        bar_government_funded=round.bar_government_funded,
    )


def organization_facts(
    organization: Organization, round: GrantRound, *, project=None, government_funded: bool = False
) -> OrganizationFacts:
    """Everything eligibility needs to know about an organization applying to `round`."""
    from projects.models import Evaluation, Project
    from projects.states import State, UNFINISHED

    others = Project.objects.filter(organization=organization, round=round).exclude(
        state__in=[State.DRAFT, State.WITHDRAWN]
    )
    if project is not None and project.pk:
        others = others.exclude(pk=project.pk)
    unfinished = tuple(
        Project.objects.filter(organization=organization, state__in=UNFINISHED)
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


def eligibility_reasons_for(organization: Organization, round: GrantRound, *, today: date, project=None) -> list[str]:
    from grants.rules.eligibility import eligibility_reasons

    facts = organization_facts(
        organization, round, project=project, government_funded=bool(project and project.government_funded)
    )
    return eligibility_reasons(facts, eligibility_policy(round), today)


def organizations_for(user) -> QuerySet[Organization]:
    if user.has_role("officer", "finance", "evaluator", "admin"):
        return Organization.objects.all()
    return Organization.objects.filter(membership__user=user)


def get_organization_for(user, pk: int) -> Organization:
    """404 for missing and not-yours alike."""
    try:
        return organizations_for(user).get(pk=pk)
    except Organization.DoesNotExist:
        raise Http404 from None


def open_rounds(today: date) -> QuerySet[GrantRound]:
    return GrantRound.objects.filter(apply_start__lte=today, apply_end__gte=today)
