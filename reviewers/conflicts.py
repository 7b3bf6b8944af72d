"""Which known relations still make an expert conflicted (回避), as a pure rule.

- employer, board seat, advisory role, a relative's employer and a declared conflict count while
  they last: no end date, or an end date today or later; one that ended before today no longer
  counts (a former employer from years ago is not a conflict under the seed policies);
- a dispute counts for 3 years after it ended (or while it has no end date), because the policy
  text bars experts who "had a dispute with the organization in the last 3 years".
"""
from collections.abc import Iterable
from datetime import date
from typing import NamedTuple

from core.calendar import add_months

DISPUTE_LOOKBACK_MONTHS = 36


class Relation(NamedTuple):
    expert_id: int
    organization_id: int
    kind: str
    start: date | None
    end: date | None


def counts(kind: str, end: date | None, today: date) -> bool:
    if end is None:
        return True
    if kind == "dispute":
        return end >= add_months(today, -DISPUTE_LOOKBACK_MONTHS)
    return end >= today


def conflict_pairs(relations: Iterable[Relation], today: date) -> set[tuple[int, int]]:
    """(expert id, organization id) pairs that must never be assigned together."""
    return {(r.expert_id, r.organization_id) for r in relations if counts(r.kind, r.end, today)}
