"""The officer's progress board of a round: per expert, what is assigned, drafted, submitted and
overdue, reminders sent, and the average total they gave."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, Max, OuterRef, Q, Subquery

from core.calendar import today
from reviewers import seat_counts
from reviewers.aggregate_models import ExpertRoundStats, SeatCounts
from reviewers.models import Expert, ExpertLoadLimit, ReviewReminder


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


def _average(n: int, hundredths: int) -> Decimal | None:
    """The mean of n submitted totals from their sum in hundredths, to the cent (half up), as the
    database's AVG then rounded gave it."""
    if not n:
        return None
    with localcontext() as ctx:
        ctx.prec = 60
        return (Decimal(hundredths) / (Decimal(n) * 100)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def board_page(round, number) -> tuple[Page, list[BoardRow], dict]:
    """One page of the board (experts by name; `number` as given in ?page=), and the round's totals.
    The counts are the stored seat counts, read for the page's experts only, the totals summed over the
    round's rows (one per expert): a national pool has 2,000 experts and the round 500,000 seats, and
    the page shows 100."""
    # Per expert a probe of their stored seat count in the round (a seat not recused), rather than
    # listing the experts of every seat of the round.
    pool = Expert.objects.filter(
        Q(active=True) | Exists(SeatCounts.objects.filter(round=round, expert=OuterRef("pk"), seats__gt=0))
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
    """Every expert's row (`experts`: only these, in this order). The counts are the stored seat counts
    (reviewers.seat_counts) and the average the stored sums of the submitted totals (ExpertRoundStats):
    a row per expert read, not their seats."""
    past_deadline = bool(round.review_end and round.review_end < today())
    counted = SeatCounts.objects.filter(round=round)
    reminders_of = ReviewReminder.objects.filter(round=round)
    limits_of = ExpertLoadLimit.objects.filter(round=round)
    if experts is not None:
        ids = [e.pk for e in experts]
        counted, reminders_of, limits_of = (counted.filter(expert_id__in=ids), reminders_of.filter(expert_id__in=ids),
                                            limits_of.filter(expert_id__in=ids))
    # The average from the expert's stored sums of submitted totals, in the same query as the counts.
    stats = ExpertRoundStats.objects.filter(round=round, expert=OuterRef("expert"))
    counts = {row["expert_id"]: row for row in counted.filter(seats__gt=0).values("expert_id", "seats", "submitted", "drafted")
              .annotate(n=Subquery(stats.values("n")), hundredths=Subquery(stats.values("total")))}
    reminders = {
        r["expert_id"]: r for r in reminders_of.values("expert_id").annotate(n=Count("id"), last=Max("sent_at"))
    }
    limits = dict(limits_of.values_list("expert_id", "max_load"))
    if experts is None:
        experts = list(Expert.objects.filter(Q(pk__in=counts) | Q(pk__in=limits) | Q(active=True)).order_by("name", "id"))
    rows = []
    for expert in experts:
        c = counts.get(expert.pk, {})
        assigned, submitted, drafted = c.get("seats", 0), c.get("submitted", 0), c.get("drafted", 0)
        average = _average(c.get("n") or 0, c.get("hundredths") or 0)
        own = limits.get(expert.pk)
        rows.append(BoardRow(
            expert=expert, assigned=assigned, not_started=assigned - submitted - drafted, drafted=drafted,
            submitted=submitted, overdue=(assigned - submitted) if past_deadline else 0,
            reminders=reminders.get(expert.pk, {}).get("n", 0), last_reminder=reminders.get(expert.pk, {}).get("last"),
            average=average,
            cap=min(round.max_load_per_expert, own) if own is not None else round.max_load_per_expert, own_limit=own,
        ))
    return rows
