"""The organization record kept right (issue 15): its audit trail, an officer's verification of a new
registration, and requests to change what an officer must confirm (rating, registration facts).

Bank details are not here: finance.models.BankDetailChange already carries the account change
(before/after, decided by finance, re-releasing returned transfers), and the organization page links
to it. Imported at the end of grants.models so Django finds the models in the grants app.
"""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import storage


class OrganizationEvent(models.Model):
    """Append-only: who changed which fact of the record, when, before and after."""

    organization = models.ForeignKey("grants.Organization", on_delete=models.CASCADE, related_name="events",
                                     verbose_name=_("organization"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=40)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization record event")
        verbose_name_plural = _("organization record events")
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class OrganizationVerification(models.Model):
    """An officer checked a self-registration against the registration certificate. Where the
    installation requires it (settings.ORGANIZATION_VERIFICATION_REQUIRED) an organization without
    this row cannot submit an application."""

    organization = models.OneToOneField("grants.Organization", on_delete=models.CASCADE,
                                        related_name="verification", verbose_name=_("organization"))
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    verified_at = models.DateTimeField(_("verified at"), auto_now_add=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("organization verification")
        verbose_name_plural = _("organization verifications")

    def __str__(self) -> str:
        return f"{self.organization_id} {self.verified_at:%Y-%m-%d}"


class ChangeKind(models.TextChoices):
    RATING = "rating", _("Rating")
    REGISTRATION = "registration", _("Registration facts")


class ChangeRequestState(models.TextChoices):
    PENDING = "pending", _("Waiting for the officer")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


def evidence_path(instance: "OrganizationChangeRequest", filename: str) -> str:
    return f"organization-changes/{uuid.uuid4().hex}"


class OrganizationChangeRequest(models.Model):
    """A member asks to correct the rating or registration facts, with evidence; an officer decides."""

    organization = models.ForeignKey("grants.Organization", on_delete=models.CASCADE, related_name="change_requests",
                                     verbose_name=_("organization"))
    kind = models.CharField(_("kind"), max_length=20, choices=ChangeKind.choices)
    before = models.JSONField(_("before"))
    after = models.JSONField(_("after"))
    reason = models.TextField(_("reason"))
    evidence = models.FileField(_("evidence"), storage=storage.protected, upload_to=evidence_path, max_length=300)
    evidence_name = models.CharField(_("evidence file name"), max_length=200)
    state = models.CharField(_("state"), max_length=10, choices=ChangeRequestState.choices,
                             default=ChangeRequestState.PENDING, db_index=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)

    class Meta:
        verbose_name = _("organization change request")
        verbose_name_plural = _("organization change requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "kind"], condition=models.Q(state="pending"),
                                    name="one_pending_org_change_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.organization_id} {self.kind} {self.state}"
