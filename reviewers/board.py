"""The officer's progress board of a round: per expert, what is assigned, drafted, submitted and
overdue, reminders sent, and the average total they gave."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, Exists, Max, OuterRef, Q

from core.calendar import today
from reviewers import seat_counts
from reviewers.models import Assignment, AssignmentState, Expert, ExpertLoadLimit, ReviewReminder

A = AssignmentState


@dataclass(frozen=True)
class BoardRow:
    expert: Expert
    assigned: int
    not_started: int
    drafted: int
    submitted: int
    overdue: int
    reminders: int
    last_reminder: object
    average: Decimal | None
    cap: int
    own_limit: int | None

    @property
    def open(self) -> int:
        return self.assigned - self.submitted


PER_PAGE = 100


def _counts() -> dict:
    return {"assigned": Count("id"), "submitted": Count("id", filter=Q(state=A.SUBMITTED)),
            "drafted": Count("id", filter=Q(state=A.ACCEPTED, draft_saved_at__isnull=False))}


def board_page(round, number) -> tuple[Page, list[BoardRow], dict]:
    """One page of the board (experts by name; `number` as given in ?page=), and the round's totals.
    The counts are read for the page's experts only, the totals from the stored seat counts (one row
    per expert of the round): a national pool has 2,000 experts and the round 500,000 seats, and the
    page shows 100."""
    # Per expert an index probe (expert, state), stopping at the first seat, rather than listing the
    # experts of every seat of the round.
    pool = Expert.objects.filter(
        Q(active=True) | Exists(Assignment.objects.filter(expert=OuterRef("pk"), project__round=round)
                                .exclude(state=A.RECUSED))
        | Exists(ExpertLoadLimit.objects.filter(round=round, expert=OuterRef("pk"))))
    page = Paginator(pool.order_by("name", "id"), PER_PAGE).get_page(number)
    rows = board(round, list(page.object_list))
    # The round's totals from the stored seat counts (reviewers.seat_counts): a row per expert, not per seat.
    stored = seat_counts.round_totals(round)
    totals = {"assigned": stored["seats"], "submitted": stored["submitted"], "drafted": stored["drafted"]}
    past_deadline = bool(round.review_end and round.review_end < today())
    totals["not_started"] = totals["assigned"] - totals["submitted"] - totals["drafted"]
    totals["overdue"] = totals["assigned"] - totals["submitted"] if past_deadline else 0
    totals["reminders"] = ReviewReminder.objects.filter(round=round).count()
    return page, rows, totals


def board(round, experts: list[Expert] | None = None) -> list[BoardRow]:
    """Every expert's row (`experts`: only these, in this order)."""
    past_deadline = bool(round.review_end and round.review_end < today())
    seats = Assignment.objects.filter(project__round=round).exclude(state=A.RECUSED)
    reminders_of = ReviewReminder.objects.filter(round=round)
    limits_of = ExpertLoadLimit.objects.filter(round=round)
    if experts is not None:
        ids = [e.pk for e in experts]
        seats, reminders_of, limits_of = (seats.filter(expert_id__in=ids), reminders_of.filter(expert_id__in=ids),
                                          limits_of.filter(expert_id__in=ids))
    counts = {
        row["expert_id"]: row for row in
        seats.values("expert_id").annotate(**_counts(), average=Avg("total", filter=Q(state=A.SUBMITTED)))
    }
    reminders = {
        r["expert_id"]: r for r in reminders_of.values("expert_id").annotate(n=Count("id"), last=Max("sent_at"))
    }
    limits = dict(limits_of.values_list("expert_id", "max_load"))
    if experts is None:
        experts = list(Expert.objects.filter(Q(pk__in=counts) | Q(pk__in=limits) | Q(active=True)).order_by("name", "id"))
    rows = []
    for expert in experts:
        c = counts.get(expert.pk, {})
        assigned, submitted, drafted = c.get("assigned", 0), c.get("submitted", 0), c.get("drafted", 0)
        average = c.get("average")
        own = limits.get(expert.pk)
        rows.append(BoardRow(
            expert=expert, assigned=assigned, not_started=assigned - submitted - drafted, drafted=drafted,
            submitted=submitted, overdue=(assigned - submitted) if past_deadline else 0,
            reminders=reminders.get(expert.pk, {}).get("n", 0), last_reminder=reminders.get(expert.pk, {}).get("last"),
            average=Decimal(average).quantize(Decimal("0.01"), ROUND_HALF_UP) if average is not None else None,
            cap=min(round.max_load_per_expert, own) if own is not None else round.max_load_per_expert, own_limit=own,
        ))
    return rows
