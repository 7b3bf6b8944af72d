from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from grants.models import MONEY


class TrancheState(models.TextChoices):
    PLANNED = "planned", _("Planned")
    RELEASABLE = "releasable", _("Releasable")
    IN_BATCH = "in_batch", _("In a disbursement batch")
    PAID = "paid", _("Paid")
    WITHHELD = "withheld", _("Withheld")
    CANCELLED = "cancelled", _("Cancelled")


T = TrancheState


class Tranche(FSMModelMixin, models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="tranches")
    seq = models.PositiveSmallIntegerField(_("instalment"))
    name = models.CharField(_("name"), max_length=50)
    percent = models.DecimalField(_("percent"), max_digits=5, decimal_places=2)
    trigger = models.CharField(_("trigger"), max_length=30)
    amount = models.DecimalField(_("amount"), **MONEY)
    state = FSMField(_("state"), default=T.PLANNED, choices=T.choices, protected=True, db_index=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("tranche")
        verbose_name_plural = _("tranches")
        ordering = ["project_id", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["project", "seq"], name="unique_tranche_seq"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="tranche_amount_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.name}"

    @transition(field=state, source=T.PLANNED, target=T.RELEASABLE)
    def release(self): ...

    @transition(field=state, source=T.RELEASABLE, target=T.IN_BATCH)
    def add_to_batch(self): ...

    @transition(field=state, source=T.IN_BATCH, target=T.RELEASABLE)
    def remove_from_batch(self): ...

    @transition(field=state, source=[T.RELEASABLE, T.IN_BATCH], target=T.PAID)
    def mark_paid(self): ...

    @transition(field=state, source=[T.PLANNED, T.RELEASABLE], target=T.WITHHELD)
    def withhold(self): ...

    @transition(field=state, source=[T.PLANNED, T.RELEASABLE, T.IN_BATCH, T.WITHHELD], target=T.CANCELLED)
    def cancel(self): ...


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
