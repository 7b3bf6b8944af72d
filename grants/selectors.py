"""Reads about organizations and rounds: the eligibility policy of a round, organizations a user may see."""
from datetime import date

from django.db.models import QuerySet
from django.http import Http404

from grants.models import GrantRound, Organization
from grants.rules.eligibility import EligibilityPolicy


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
