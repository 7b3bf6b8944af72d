import codecs

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin

from accounts.models import Role
from core.fsm import Machine, Transition
from finance.exports.bank_columns import column_errors
from grants.models import MONEY


class TrancheState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RELEASABLE = "releasable", _("Releasable")
    IN_BATCH = "in_batch", _("In a disbursement batch")
    PAID = "paid", _("Paid")
    WITHHELD = "withheld", _("Withheld")
    CANCELLED = "cancelled", _("Cancelled")


T = TrancheState


def tranche_reference(pk: int) -> str:
    """Our reference for a transfer, echoed back in the bank's result file."""
    return f"YC{pk:08d}"


# A tranche moves only inside finance.services (and the project reactions in finance.receivers),
# on behalf of whoever acted: no role of its own.
TRANCHE = Machine(
    name="tranche",
    field="state",
    states=T.choices,
    transitions=[
        Transition("release", T.PLANNED, T.RELEASABLE, "拨付条件达成，可以拨付"),
        Transition("add_to_batch", T.RELEASABLE, T.IN_BATCH, "编入拨付批次"),
        Transition("remove_from_batch", T.IN_BATCH, T.RELEASABLE, "移出拨付批次"),
        # Money leaves only through a batch signed off by three people (经办 → 审核 → 审批).
        Transition("mark_paid", T.IN_BATCH, T.PAID, "已拨付"),
        Transition("withhold", (T.PLANNED, T.RELEASABLE), T.WITHHELD, "暂停拨付"),
        # A failed mid-term re-run and passed gives back what the failure held.
        Transition("resume", T.WITHHELD, T.RELEASABLE, "评估合格，恢复拨付"),
        Transition("cancel", (T.PLANNED, T.RELEASABLE, T.IN_BATCH, T.WITHHELD), T.CANCELLED, "取消拨付"),
    ],
    groups={
        # Not yet paid and not given up: what a termination cancels.
        "open": {T.PLANNED, T.RELEASABLE, T.IN_BATCH, T.WITHHELD},
        # Not yet in a batch: what a failed evaluation withholds.
        "unbatched": {T.PLANNED, T.RELEASABLE},
    },
)


class Tranche(TRANCHE.model_mixin(), FSMModelMixin, models.Model):  # type: ignore[misc]  # generated base
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="tranches")
    # The project's round, copied at creation (a project never changes round): the tranche table's own
    # sums per round (the ledger's independent cross-check) read one index, without joining projects.
    round = models.ForeignKey("grants.GrantRound", on_delete=models.PROTECT, related_name="+", editable=False)
    seq = models.PositiveSmallIntegerField(_("instalment"))
    name = models.CharField(_("name"), max_length=50)
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2)
    trigger = models.CharField(_("trigger"), max_length=30)
    amount = models.DecimalField(_("amount"), **MONEY)
    state = FSMField(_("state"), default=T.PLANNED, choices=T.choices, protected=True, db_index=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    batch = models.ForeignKey(
        "finance.Batch", verbose_name=_("disbursement batch"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="tranches",
    )
    # The bank's reason for the last failed transfer. While set, the tranche waits for a corrected
    # account (finance.services.decide_bank_detail_change) and cannot go into a batch.
    failure_reason = models.CharField(_("bank failure reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["project_id", "seq"]
        indexes = [models.Index(fields=["round", "state"], include=["amount"], name="tranche_round_state")]
        constraints = [
            models.UniqueConstraint(fields=["project", "seq"], name="unique_tranche_seq"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="tranche_amount_not_negative"),
            models.CheckConstraint(
                condition=models.Q(state="in_batch", batch__isnull=False) | ~models.Q(state="in_batch"),
                name="tranche_in_batch_has_batch",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.name}"

    @property
    def reference(self) -> str:
        return tranche_reference(self.pk)


class Payment(models.Model):
    """One payment per tranche, enforced by the database, not only by the service."""

    tranche = models.OneToOneField(Tranche, on_delete=models.PROTECT, related_name="payment")
    amount = models.DecimalField(_("amount"), **MONEY)
    paid_on = models.DateField(_("paid on"))
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")

    def __str__(self) -> str:
        return f"{self.tranche} 已拨付 {self.amount} 元（{self.paid_on}）"


class PaymentFailure(models.Model):
    """A transfer the bank reported as failed; the tranche stays unpaid."""

    tranche = models.ForeignKey(Tranche, on_delete=models.PROTECT, related_name="failures")
    batch = models.ForeignKey("finance.Batch", on_delete=models.PROTECT, related_name="failures", null=True)
    reason = models.CharField(_("reason"), max_length=200)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("failed transfer")
        verbose_name_plural = _("failed transfers")
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"{self.tranche} 转账失败：{self.reason}"


class Clawback(models.Model):
    """Money a terminated project owes back (追回), and what was repaid."""

    project = models.OneToOneField("projects.Project", on_delete=models.PROTECT, related_name="clawback")
    amount = models.DecimalField(_("amount owed"), **MONEY)
    repaid = models.DecimalField(_("repaid"), **MONEY, default=0)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("claw-back")
        verbose_name_plural = _("claw-backs")
        constraints = [
            models.CheckConstraint(condition=models.Q(repaid__lte=models.F("amount")), name="clawback_repaid_le_owed"),
            models.CheckConstraint(condition=models.Q(repaid__gte=0), name="clawback_repaid_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project} 追回 {self.amount} 元"

    @property
    def outstanding(self):
        return self.amount - self.repaid


class BatchState(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    SUBMITTED = "submitted", _("Awaiting check")
    CHECKED = "checked", _("Awaiting approval")
    APPROVED = "approved", _("Approved for payment")
    CLOSED = "closed", _("Closed")


B = BatchState

# 经办 → 审核 → 审批 by three different people: the sign-off rule (finance.signoff) runs in the services.
BATCH = Machine(
    name="batch",
    field="state",
    states=B.choices,
    permission=lambda batch, user, t: user.has_role(*t.roles),
    transitions=[
        Transition("submit", B.DRAFT, B.SUBMITTED, _("Submitted for checking"), {Role.FINANCE}),
        # not `check`: Model.check runs Django's system checks
        Transition("mark_checked", B.SUBMITTED, B.CHECKED, _("Checked"), {Role.FINANCE}),
        Transition("approve", B.CHECKED, B.APPROVED, _("Approved"), {Role.FINANCE}),
        Transition("send_back", (B.SUBMITTED, B.CHECKED), B.DRAFT, _("Sent back"), {Role.FINANCE},
                   comment_required=True),
        Transition("close", B.APPROVED, B.CLOSED, _("Closed"), {Role.FINANCE}),
    ],
    groups={"awaiting_signoff": {B.SUBMITTED, B.CHECKED}, "payable": {B.APPROVED, B.CLOSED}},
)


class Batch(BATCH.model_mixin(), FSMModelMixin, models.Model):  # type: ignore[misc]  # generated base
    """拨付批次: prepared (经办), checked (审核) and approved (审批) by three different people."""

    number = models.CharField(_("batch number"), max_length=30, unique=True)
    round = models.ForeignKey("grants.GrantRound", verbose_name=_("round"), on_delete=models.PROTECT,
                              related_name="batches")
    district = models.CharField(_("district filter"), max_length=50, blank=True)
    domain = models.CharField(_("domain filter"), max_length=20, blank=True)
    state = FSMField(_("state"), default=B.DRAFT, choices=B.choices, protected=True, db_index=True)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    null=True, blank=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    rejection_reason = models.TextField(_("reason for sending back"), blank=True)
    # Frozen at 审批 with the batch's lines; what the three signatures cover, never recomputed.
    approved_count = models.PositiveIntegerField(_("approved transfers"), null=True, blank=True)
    approved_total = models.DecimalField(_("approved total"), **MONEY, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("disbursement batch")
        verbose_name_plural = _("disbursement batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number

    @property
    def is_frozen(self) -> bool:
        return self.approved_count is not None


class LineStatus(models.TextChoices):
    PENDING = "pending", _("Sent to the bank")
    PAID = "paid", _("Paid")
    FAILED = "failed", _("Returned by the bank")
    # The project was terminated after 审批: the line is not to be paid (the reason is kept in
    # failure_reason); finance recalls it from the bank if the file was already handed over.
    WITHDRAWN = "withdrawn", _("Withdrawn (project terminated)")


class BatchLine(models.Model):
    """One transfer as approved: the amount and the payee's account as they stood at 审批.

    Written once at approval and never changed except for the bank's outcome, so the bank file, the
    拨付清单 and the 拨付审批表 always show what the three people signed, whatever happens to the
    organization's details or the tranche afterwards.
    """

    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="lines")
    tranche = models.ForeignKey(Tranche, on_delete=models.PROTECT, related_name="batch_lines")
    seq = models.PositiveIntegerField(_("row"))
    amount = models.DecimalField(_("amount"), **MONEY)
    tranche_name = models.CharField(_("instalment"), max_length=50)
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2)
    paid_before = models.DecimalField(_("paid before"), **MONEY)
    project_approved_amount = models.DecimalField(_("approved amount"), **MONEY)
    project_code = models.CharField(_("project number"), max_length=40)
    project_title = models.CharField(_("title"), max_length=200)
    round_name = models.CharField(_("round"), max_length=200)
    organization_name = models.CharField(_("organization"), max_length=200)
    # The payee (the host of a filed community organization) and its account at approval.
    payee_name = models.CharField(_("payee"), max_length=200)
    payee_credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    account_name = models.CharField(_("account name"), max_length=200)
    bank_name = models.CharField(_("bank"), max_length=200)
    account_no = models.CharField(_("account number"), max_length=40)
    bank_code = models.CharField(_("bank code"), max_length=12, blank=True)
    paid_through_host = models.BooleanField(default=False)
    status = models.CharField(_("outcome"), max_length=10, choices=LineStatus.choices, default=LineStatus.PENDING)
    failure_reason = models.CharField(_("reason it was not paid"), max_length=200, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    bank_reference = models.CharField(_("bank reference"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("batch line")
        verbose_name_plural = _("batch lines")
        ordering = ["batch_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "tranche"], name="one_line_per_tranche_per_batch"),
            models.UniqueConstraint(fields=["batch", "seq"], name="unique_line_seq"),
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="batch_line_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}#{self.seq}"

    @property
    def reference(self) -> str:
        return tranche_reference(self.tranche_id)


class ChangeState(models.TextChoices):
    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


BANK_FIELDS = ("bank_account_name", "bank_name", "bank_account_no", "bank_code")


class BankDetailChange(models.Model):
    """An organization's request to change the account it is paid into, with the details before
    and after; once it has signed a project, this is the only way its account changes."""

    organization = models.ForeignKey("grants.Organization", on_delete=models.PROTECT,
                                     related_name="bank_changes", verbose_name=_("organization"))
    before = models.JSONField(_("before"))
    bank_account_name = models.CharField(_("account name"), max_length=200)
    bank_name = models.CharField(_("bank"), max_length=200)
    bank_account_no = models.CharField(_("account number"), max_length=40)
    bank_code = models.CharField(_("bank code"), max_length=12)
    reason = models.TextField(_("reason"))
    state = models.CharField(_("state"), max_length=10, choices=ChangeState.choices, default=ChangeState.PENDING,
                             db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("bank account change")
        verbose_name_plural = _("bank account changes")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization"], condition=models.Q(state="pending"),
                                    name="one_pending_bank_change_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.bank_account_no}"

    @property
    def after(self) -> dict:
        return {f: getattr(self, f) for f in BANK_FIELDS}


# The batch's audit trail: its transitions, and the two steps that move no state.
BATCH_ACTIONS = {
    "create": _("Batch prepared"),
    **{t.name: t.label for t in BATCH},
    "remove": _("Tranche removed"),
}


class BatchEvent(models.Model):
    """Audit trail of a batch: who took which step, when, from which state to which, and why."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.batch} {self.label}"

    @property
    def label(self) -> str:
        return str(BATCH_ACTIONS.get(self.action, self.action))


class LedgerKind(models.TextChoices):
    APPROVED = "approved", _("Approved (agreement signed)")
    RELEASED = "released", _("Tranche released")
    BATCHED = "batched", _("Added to a batch")
    UNBATCHED = "unbatched", _("Taken out of a batch")
    PAID = "paid", _("Paid")
    WITHHELD = "withheld", _("Withheld")
    CANCELLED = "cancelled", _("Cancelled")
    CLAWED_BACK = "clawed_back", _("Claw-back recorded")
    REPAID = "repaid", _("Claw-back repaid")


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("资金台账只能追加，不能修改")

    def delete(self):
        raise TypeError("资金台账只能追加，不能删除")


class LedgerEntry(models.Model):
    """The append-only money ledger every total is computed from.

    A tranche entry moves `amount` from `from_state` to `to_state` (an approval moves it from
    nowhere into "planned"), so the balance of each tranche state is Σ in − Σ out and the states
    always add up to what was approved. Claw-back entries move no tranche.
    """

    round = models.ForeignKey("grants.GrantRound", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="ledger")
    tranche = models.ForeignKey(Tranche, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger")
    clawback = models.ForeignKey(Clawback, on_delete=models.PROTECT, null=True, blank=True, related_name="ledger")
    kind = models.CharField(_("event"), max_length=20, choices=LedgerKind.choices)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    amount = models.DecimalField(_("amount"), **MONEY)
    occurred_on = models.DateField(_("date"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ["pk"]
        indexes = [models.Index(fields=["round", "kind"])]
        constraints = [models.CheckConstraint(condition=models.Q(amount__gte=0), name="ledger_amount_not_negative")]

    def __str__(self) -> str:
        return f"{self.project} {self.get_kind_display()} {self.amount} 元（{self.occurred_on}）"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("资金台账只能追加，不能修改")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("资金台账只能追加，不能删除")


class FileFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class BankFormat(models.Model):
    """How one bank's batch-transfer tool wants its file: which columns, in which order."""

    name = models.CharField(_("bank"), max_length=100, unique=True)
    file_format = models.CharField(_("file format"), max_length=10, choices=FileFormat.choices,
                                   default=FileFormat.XLSX)
    encoding = models.CharField(_("CSV encoding"), max_length=20, default="utf-8-sig",
                                help_text=_("Many bank tools want gbk."))
    columns = models.JSONField(_("columns"), help_text=_('A list of {"header": "...", "source": "..."}.'))

    class Meta:
        verbose_name = _("bank file format")
        verbose_name_plural = _("bank file formats")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        problems = column_errors(self.columns)
        if self.encoding:
            try:
                codecs.lookup(self.encoding)
            except LookupError:
                problems.append(f"未知的字符编码：{self.encoding}")
        if problems:
            raise ValidationError({"columns": problems})


class MoneyCase(models.TextChoices):
    """Which rule of finance.commitments.committed_amount a project's ledger sums fall under."""

    NOT_FUNDED = "none", "none"
    UNSIGNED = "unsigned", "unsigned"
    SIGNED = "signed", "signed"
    TERMINATED = "terminated", "terminated"


class MoneyCell(models.Model):
    """The ledger sums (finance.selectors.ledger_aggregates) of one round's projects of one domain, one
    service district and one money case, kept current by finance.money_cells in the same transaction
    as every ledger entry and every transition that changes a project's case. A round has a few
    hundred cells however many projects it holds; `rebuild_money_cells --verify` proves they equal
    the ledger. Tranche-state columns are the net (Σ in − Σ out) of the state."""

    round = models.ForeignKey("grants.GrantRound", on_delete=models.CASCADE, related_name="+")
    domain = models.CharField(max_length=50, blank=True)
    district = models.CharField(max_length=50, blank=True)
    case = models.CharField(max_length=12, choices=MoneyCase.choices)
    approved = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    clawed_back = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    repaid = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    planned = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    releasable = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    in_batch = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    paid = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    withheld = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    cancelled = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["round", "domain", "district", "case"],
                                               name="one_money_cell")]

    def __str__(self) -> str:
        return f"{self.round_id} {self.domain} {self.district} {self.case}"
