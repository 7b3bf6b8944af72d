"""Stored seat counts (issue 18): per expert and round, how many seats are held (not recused),
submitted, drafted (accepted with a saved draft) and scored (a total, whatever the state: a reopened
or recused review keeps the total it had, and the round settings page counts it as a score sheet).

Every writer of a seat calls `moved` (one seat: what it counted before and after the write) or
`add` (many new seats) in the same transaction. The counts change by increments (core.bulk.increment: INSERT … ON
CONFLICT DO UPDATE SET n = n + delta), so two transactions touching one expert's row serialize on
its row lock and neither loses the other's change; many rows are written in (round, expert) order,
so two writers never wait on each other in a cycle.

The board's round totals and the score sheets of grants.usage are sums over at most the pool's
experts (2,000 rows for a national round), not over the round's seats. `expected` recomputes them
from the seats; `rebuild_review_aggregates [--verify]` rebuilds or checks them.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import Count, Q, Sum

from core import bulk
from reviewers.aggregate_models import SeatCounts
from reviewers.models import Assignment, AssignmentState

A = AssignmentState
FIELDS = ("seats", "submitted", "drafted", "scored")
ZERO = (0, 0, 0, 0)
Counts = tuple[int, int, int, int]


def contribution(state: str, draft_saved_at, total) -> Counts:
    """What one seat adds to its expert's counts (FIELDS order)."""
    return (int(state != A.RECUSED), int(state == A.SUBMITTED),
            int(state == A.ACCEPTED and draft_saved_at is not None), int(total is not None))


def of(assignment: Assignment | None) -> Counts:
    if assignment is None:
        return ZERO
    return contribution(assignment.state, assignment.draft_saved_at, assignment.total)


def add(deltas: Mapping[tuple[int, int], Counts]) -> None:
    """Adds each (round_id, expert_id)'s delta to its stored row (created when missing). Call inside
    the transaction of the write."""
    bulk.increment(SeatCounts, ("round_id", "expert_id"), FIELDS, deltas)


def moved(round_id: int, expert_id: int, before: Counts, after: Counts) -> None:
    """One seat was written: it counted `before` (ZERO: it is new) and counts `after` (ZERO: deleted)."""
    seats, submitted, drafted, scored = (a - b for a, b in zip(after, before, strict=True))
    add({(round_id, expert_id): (seats, submitted, drafted, scored)})


def new_seats(round_id: int, expert_ids: Iterable[int]) -> None:
    """New seats (assigned, nothing drafted): one per expert id given (repeated ids count each)."""
    add({(round_id, e): (n, 0, 0, 0) for e, n in Counter(expert_ids).items()})


def reseated(round_id: int, moves: Iterable[tuple[int, int]]) -> None:
    """Untouched seats handed from one expert to another: (expert before, expert after) per seat."""
    counts: Counter = Counter()
    for before, after in moves:
        counts[before] -= 1
        counts[after] += 1
    add({(round_id, e): (n, 0, 0, 0) for e, n in counts.items()})


# ---------------------------------------------------------------- reading

def round_totals(round) -> dict[str, int]:
    """The round's sums of FIELDS, from the stored rows."""
    sums = SeatCounts.objects.filter(round=round).aggregate(**{f: Sum(f) for f in FIELDS})
    return {f: sums[f] or 0 for f in FIELDS}


# ---------------------------------------------------------------- whole rounds

def expected(round) -> dict[int, Counts]:
    """Every expert's counts in the round recomputed from the seats (one grouped query; zero rows left out)."""
    rows = (Assignment.objects.filter(project__round=round).values("expert_id").order_by()
            .annotate(seats=Count("id", filter=~Q(state=A.RECUSED)),
                      submitted=Count("id", filter=Q(state=A.SUBMITTED)),
                      drafted=Count("id", filter=Q(state=A.ACCEPTED, draft_saved_at__isnull=False)),
                      scored=Count("id", filter=Q(total__isnull=False))))
    found = {r["expert_id"]: tuple(r[f] for f in FIELDS) for r in rows}
    return {e: c for e, c in found.items() if any(c)}


def stored(round) -> dict[int, Counts]:
    return {e: c for e, *c in SeatCounts.objects.filter(round=round).values_list("expert_id", *FIELDS)
            for c in [tuple(c)] if any(c)}


def rebuild_round(round) -> int:
    """Replaces the round's rows by freshly computed ones; returns how many."""
    rows = expected(round)
    with transaction.atomic():
        SeatCounts.objects.filter(round=round).delete()
        SeatCounts.objects.bulk_create([SeatCounts(round_id=round.pk, expert_id=e, **dict(zip(FIELDS, c, strict=True)))
                                        for e, c in sorted(rows.items())], batch_size=5000)
    return len(rows)


def drift(round) -> tuple[int, list[int]]:
    """(drifting experts, up to 20 of their ids): an expert whose stored counts differ from the seats'."""
    want, have = expected(round), stored(round)
    bad = sorted(e for e in want.keys() | have.keys() if want.get(e, ZERO) != have.get(e, ZERO))
    return len(bad), bad[:20]
