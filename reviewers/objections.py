"""Objections the public files online against a 公示 (issue 15): who (contact), why, evidence; the
officers read and answer them (reviewers.objection_services). Imported at the end of reviewers.models
so Django finds the model in the reviewers app."""
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import storage


class ObjectionState(models.TextChoices):
    RECEIVED = "received", _("Waiting for an answer")
    ANSWERED = "answered", _("Answered")


def objection_evidence_path(instance: "Objection", filename: str) -> str:
    return f"objections/{uuid.uuid4().hex}"


class Objection(models.Model):
    round = models.ForeignKey("grants.GrantRound", on_delete=models.PROTECT, related_name="objections",
                              verbose_name=_("round"))
    project = models.ForeignKey("projects.Project", on_delete=models.PROTECT, related_name="objections",
                                null=True, blank=True, verbose_name=_("project"))
    number = models.CharField(_("reference number"), max_length=60, unique=True, null=True, blank=True)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    reason = models.TextField(_("reason"))
    evidence = models.FileField(_("evidence"), storage=storage.protected, upload_to=objection_evidence_path,
                                max_length=300, blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=ObjectionState.choices,
                             default=ObjectionState.RECEIVED, db_index=True)
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("public objection")
        verbose_name_plural = _("public objections")
        ordering = ["-received_at", "-pk"]

    def __str__(self) -> str:
        return self.number or f"#{self.pk}"
