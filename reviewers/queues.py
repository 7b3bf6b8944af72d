"""The experts' queue (their open reviews with deadlines) and the officers' overdue reviews
(accounts.queues), counted by reviewers.selectors."""
from __future__ import annotations

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.queues import QueueItem, QueueRow, register
from core.calendar import today
from reviewers import selectors
from reviewers.models import AssignmentState

ROWS = 5


def expert_queue(user) -> list[QueueItem]:
    day = today()
    due = list(selectors.reviews_due(user))
    rows = []
    for a in due:
        end = a.project.round.review_end
        if end is None:
            note = ""
        elif end < day:
            note = _("overdue since %(day)s") % {"day": f"{end:%Y-%m-%d}"}
        else:
            note = _("due %(day)s") % {"day": f"{end:%Y-%m-%d}"}
        if a.state == AssignmentState.ASSIGNED:
            note = f"{note} · {_('declare conflicts first')}" if note else _("declare conflicts first")
        # The title only once conflicts are declared, and redacted in a blind round (as on 我的评审).
        title = selectors.redacted_title(a.project) if a.state != AssignmentState.ASSIGNED else ""
        rows.append(QueueRow(f"{a.project.code or ''} {title}".strip(), reverse("reviewers:review", args=[a.pk]),
                             note, urgent=end is not None and end < day))
    return [QueueItem("reviews_due", _("Reviews due"), len(due), reverse("reviewers:my_reviews"), rows,
                      urgent=any(r.urgent for r in rows))]


def officer_overdue_reviews(user) -> list[QueueItem]:
    """Counted per round in the database: at national size thousands of seats can be late, and the
    officer's home page needs only how many and where."""
    per_round = list(selectors.overdue_reviews(user, today()).order_by().values(
        "project__round_id", "project__round__name", "project__round__review_end").annotate(n=Count("id"))
        .order_by("project__round__review_end", "project__round_id"))
    rows = [QueueRow(r["project__round__name"], reverse("reviewers:round", args=[r["project__round_id"]]),
                     _("%(n)s reviews, deadline %(day)s") % {"n": r["n"], "day": f"{r['project__round__review_end']:%Y-%m-%d}"},
                     urgent=True) for r in per_round[:ROWS]]
    return [QueueItem("overdue_reviews", _("Overdue reviews"), sum(r["n"] for r in per_round), reverse("reviewers:rounds"),
                      rows, urgent=True)]


def connect() -> None:
    register(Role.EXPERT, expert_queue)
    register(Role.OFFICER, officer_overdue_reviews)
