"""The finance officers' queue (accounts.queues): batches waiting for this person's signature, tranches
that may be paid, transfers the bank returned. Counted by finance.selectors."""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.queues import QueueItem, QueueRow, register
from core.money import format_yuan
from finance import selectors

ROWS = 5


def finance_queue(user) -> list[QueueItem]:
    batches = selectors.batches_waiting_for(user)
    payable = selectors.payable_tranches(user)
    failed = selectors.failed_transfers(user)
    return [
        QueueItem("batches", _("Batches waiting for my step"), len(batches), reverse("finance:batch_list"),
                  [QueueRow(b.number, reverse("finance:batch_detail", args=[b.pk]), str(b.get_state_display()))
                   for b in batches[:ROWS]]),
        QueueItem("payable", _("Payable tranches"), payable.count(), reverse("finance:batch_new"),
                  [QueueRow(f"{t.project.code} {t.project.title}：{t.name}", reverse("finance:batch_new"),
                            f"{format_yuan(t.amount)} 元") for t in payable[:ROWS]]),
        # The way out of a failed transfer is the payee's corrected account, which finance approves.
        QueueItem("failed", _("Failed transfers"), failed.count(), reverse("finance:bank_changes"),
                  [QueueRow(f"{t.project.code} {t.project.title}：{t.name}", reverse("finance:bank_changes"),
                            t.failure_reason, urgent=True) for t in failed[:ROWS]], urgent=True),
    ]


def connect() -> None:
    register(Role.FINANCE, finance_queue)
