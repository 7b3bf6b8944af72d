"""What a round's settings are already in use for: applications, scores, signed agreements, money.

grants sits below projects, reviewers and finance, so it never imports them. Counts are read through
the reverse relations those apps declare on GrantRound (`projects`, projects' stored
`evaluation_cells`, reviewers' stored `seat_counts`), which needs no import. The committed amount is finance's truth
(finance.commitments, which counts a terminated project's unrepaid payments, not its approved
amount); finance registers it here when it is ready (finance.receivers.connect). Without finance
installed the approved amounts of projects that still hold money are the best estimate.
"""
from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.db.models import Max, Min, Sum

from grants.models import GrantRound
from grants.rules.round_changes import Usage

CommittedProvider = Callable[[GrantRound], Decimal]
_committed: list[CommittedProvider] = []

# Project states (values of projects.states.State) that hold money in the fallback estimate.
HOLDING_MONEY = ("approved", "publicity", "objection", "contracted", "in_progress", "midterm_review",
                 "final_review", "completed")


def register_committed(provider: CommittedProvider) -> None:
    """finance registers its commitments function; registering twice is harmless."""
    if provider not in _committed:
        _committed.append(provider)


def committed(round: GrantRound) -> Decimal:
    if _committed:
        return _committed[-1](round)
    total = round.projects.filter(state__in=HOLDING_MONEY).aggregate(s=Sum("approved_amount"))["s"]
    return total or Decimal("0.00")


# Applications no longer in play: their requests do not hold the amount range.
OUT_OF_PLAY = ("draft", "withdrawn", "ineligible", "rejected")


def usage_of(round: GrantRound) -> Usage:
    projects = round.projects.all()
    requested = projects.filter(submitted_at__isnull=False).exclude(state__in=OUT_OF_PLAY).aggregate(
        low=Min("requested_amount"), high=Max("requested_amount"))
    return Usage(
        applications=projects.filter(submitted_at__isnull=False).count(),
        # The round's seats with a total (drafts, submitted, reopened or recused ones keep theirs), from
        # reviewers' stored seat counts (a row per expert of the round, kept by every write of a seat).
        scores=round.seat_counts.aggregate(n=Sum("scored"))["n"] or 0,
        agreements=projects.filter(signed_at__isnull=False).count(),
        # From projects' stored evaluation cells (a few hundred rows per round, kept by every evaluation).
        midterm_evaluations=round.evaluation_cells.filter(kind="midterm").aggregate(n=Sum("n"))["n"] or 0,
        final_evaluations=round.evaluation_cells.filter(kind="final").aggregate(n=Sum("n"))["n"] or 0,
        committed=committed(round),
        # order_by(): the projects' default order would make DISTINCT run over (domain, created_at),
        # i.e. hand back every submitted project of the round
        used_domains=frozenset(projects.filter(submitted_at__isnull=False).exclude(domain="").order_by()
                               .values_list("domain", flat=True).distinct()),
        requested_min=requested["low"], requested_max=requested["high"],
    )
