"""The officer's progress board of a round: per expert, what is assigned, drafted, submitted and
overdue, reminders sent, and the average total they gave."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, Max, Q

from core.calendar import today
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


def board(round) -> list[BoardRow]:
    past_deadline = bool(round.review_end and round.review_end < today())
    counts = {
        row["expert_id"]: row for row in
        Assignment.objects.filter(project__round=round).exclude(state=A.RECUSED).values("expert_id").annotate(
            assigned=Count("id"),
            submitted=Count("id", filter=Q(state=A.SUBMITTED)),
            drafted=Count("id", filter=Q(state=A.ACCEPTED, draft_saved_at__isnull=False)),
            average=Avg("total", filter=Q(state=A.SUBMITTED)),
        )
    }
    reminders = {
        r["expert_id"]: r for r in
        ReviewReminder.objects.filter(round=round).values("expert_id").annotate(n=Count("id"), last=Max("sent_at"))
    }
    limits = dict(ExpertLoadLimit.objects.filter(round=round).values_list("expert_id", "max_load"))
    experts = Expert.objects.filter(Q(pk__in=counts) | Q(pk__in=limits) | Q(active=True)).order_by("name", "id")
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
