"""The submission receipt (申报回执): one per submitted version of an application, numbered in the
round's order of submission (round code + HZ + sequence), so the number never changes and never repeats.
Written by the submit effect (projects.effects.submit) in the transition's transaction; imported at
the end of projects.models so Django finds the model in the projects app."""
from django.db import models
from django.utils.translation import gettext_lazy as _

from grants.models import GrantRound


class SubmissionReceipt(models.Model):
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="receipts")
    round = models.ForeignKey("grants.GrantRound", on_delete=models.PROTECT, related_name="+")
    version = models.PositiveIntegerField(_("version"))
    sequence = models.PositiveIntegerField(_("sequence"))
    number = models.CharField(_("receipt number"), max_length=60, unique=True)
    submitted_at = models.DateTimeField(_("submitted at"))

    class Meta:
        verbose_name = _("submission receipt")
        verbose_name_plural = _("submission receipts")
        ordering = ["-version", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["round", "sequence"], name="one_receipt_sequence_per_round"),
            models.UniqueConstraint(fields=["project", "version"], name="one_receipt_per_submitted_version"),
        ]

    def __str__(self) -> str:
        return self.number


def receipt_number(round_code: str, sequence: int) -> str:
    return f"{round_code}-HZ-{sequence:05d}"


def issue_receipt(project) -> SubmissionReceipt:
    """Inside the submit transition. The round row is locked so two submissions at the same moment
    take consecutive numbers (the unique constraints would refuse a duplicate anyway)."""
    from_round = GrantRound.objects.select_for_update().get(pk=project.round_id)
    last = SubmissionReceipt.objects.filter(round_id=from_round.pk).aggregate(m=models.Max("sequence"))["m"] or 0
    return SubmissionReceipt.objects.create(
        project=project, round=from_round, version=project.version, sequence=last + 1,
        number=receipt_number(from_round.code, last + 1), submitted_at=project.submitted_at,
    )
