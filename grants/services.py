"""Writes to organizations and rounds: validated in full before anything is saved."""
from django.core.exceptions import ValidationError
from django.db import transaction

from grants.errors import GrantsError
from grants.models import CreditListEntry, GrantRound, Membership, Organization


def _errors(exc: ValidationError) -> list[str]:
    if hasattr(exc, "message_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return list(exc.messages)


def save_organization(*, actor, organization: Organization) -> Organization:
    try:
        organization.full_clean()
    except ValidationError as exc:
        raise GrantsError(_errors(exc)) from None
    organization.save()
    return organization


def save_round(*, actor, round: GrantRound) -> GrantRound:
    try:
        round.full_clean()
    except ValidationError as exc:
        raise GrantsError(_errors(exc)) from None
    round.save()
    return round


def add_member(*, actor, organization: Organization, user, is_manager: bool = False) -> Membership:
    membership, _ = Membership.objects.get_or_create(
        organization=organization, user=user, defaults={"is_manager": is_manager}
    )
    return membership


def record_credit_listing(*, actor, organization: Organization, list_type: str, listed_on, removed_on=None,
                          reason: str = "") -> CreditListEntry:
    entry = CreditListEntry(organization=organization, list_type=list_type, listed_on=listed_on,
                            removed_on=removed_on, reason=reason)
    try:
        entry.full_clean()
    except ValidationError as exc:
        raise GrantsError(_errors(exc)) from None
    with transaction.atomic():
        entry.save()
    return entry
