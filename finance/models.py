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
        Transition("mark_paid", (T.RELEASABLE, T.IN_BATCH), T.PAID, "已拨付"),
        Transition("withhold", (T.PLANNED, T.RELEASABLE), T.WITHHELD, "暂停拨付"),
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
    # The bank's reason for the last failed transfer; cleared when the tranche is paid.
    failure_reason = models.CharField(_("bank failure reason"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["project_id", "seq"]
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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("disbursement batch")
        verbose_name_plural = _("disbursement batches")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.number


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
