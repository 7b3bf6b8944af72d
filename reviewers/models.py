from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import FSMField, FSMModelMixin, transition

from grants.models import GrantRound, Organization


class Expert(models.Model):
    """A member of the expert pool (专家库); may log in through `user`."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="expert"
    )
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("email"), blank=True)
    employer = models.CharField(_("employer"), max_length=200, blank=True)
    title = models.CharField(_("professional title"), max_length=100, blank=True)
    domains = models.JSONField(_("domains of expertise"), default=list, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    is_finance = models.BooleanField(_("finance expert"), default=False)
    # Used only by rounds that aggregate with the "weighted" method (e.g. senior experts count double).
    weight = models.DecimalField(
        _("weight"), max_digits=4, decimal_places=2, default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class RelationKind(models.TextChoices):
    EMPLOYER = "employer", _("Works for")
    BOARD = "board", _("Board or governing seat")
    ADVISOR = "advisor", _("Advisory role")
    DISPUTE = "dispute", _("Dispute")
    RELATIVE = "relative", _("Close relative works there")
    DECLARED = "declared", _("Declared by the expert")


class ExpertRelation(models.Model):
    """A known tie between an expert and an organization; reviewers.conflicts decides which ones still count."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="relations")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="expert_relations")
    kind = models.CharField(_("relation"), max_length=20, choices=RelationKind.choices)
    start = models.DateField(_("from"), null=True, blank=True)
    end = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("expert relation")
        verbose_name_plural = _("expert relations")

    def __str__(self) -> str:
        return f"{self.expert}：{self.organization}（{self.get_kind_display()}）"


class AssignmentState(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    ACCEPTED = "accepted", _("No conflict declared")
    RECUSED = "recused", _("Recused (conflict declared)")
    SUBMITTED = "submitted", _("Submitted")


A = AssignmentState


class Assignment(FSMModelMixin, models.Model):
    """One expert on one project's panel. Scores saved while ACCEPTED are a draft; SUBMITTED locks them."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="assignments")
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="assignments")
    state = FSMField(_("state"), max_length=20, choices=AssignmentState.choices, default=A.ASSIGNED, protected=True)
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    criterion_comments = models.JSONField(_("comments per criterion"), default=dict, blank=True)
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("overall comment"), blank=True)
    conflict_note = models.CharField(_("conflict declared"), max_length=500, blank=True)
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)
    draft_saved_at = models.DateTimeField(_("draft saved at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    run = models.ForeignKey("AssignmentRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("review assignment")
        verbose_name_plural = _("review assignments")
        constraints = [models.UniqueConstraint(fields=["project", "expert"], name="one_assignment_per_expert")]
        indexes = [models.Index(fields=["expert", "state"])]

    def __str__(self) -> str:
        return f"{self.project}：{self.expert}"

    # Who may pull each lever is checked in reviewers.services (the expert owns the first three,
    # an officer the last); the graph lives here.
    @transition(field=state, source=A.ASSIGNED, target=A.ACCEPTED)
    def accept(self): ...

    @transition(field=state, source=A.ASSIGNED, target=A.RECUSED)
    def recuse(self): ...

    @transition(field=state, source=A.ACCEPTED, target=A.SUBMITTED)
    def submit(self): ...

    @transition(field=state, source=A.SUBMITTED, target=A.ACCEPTED)
    def reopen(self): ...


class RunState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class AssignmentRun(models.Model):
    """One automatic assignment of a round: its seed, who asked, and what could not be staffed.

    A job record, not a workflow: `state` only reports progress of the background task.
    """

    round = models.ForeignKey(GrantRound, on_delete=models.CASCADE, related_name="assignment_runs")
    seed = models.PositiveIntegerField(_("seed"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    state = models.CharField(_("state"), max_length=10, choices=RunState.choices, default=RunState.PENDING)
    created = models.PositiveIntegerField(_("assignments created"), default=0)
    unstaffed = models.JSONField(_("projects not fully staffed"), default=list, blank=True)
    stats = models.JSONField(_("load statistics"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment run")
        verbose_name_plural = _("assignment runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.round} 自动分配 #{self.pk}"
from reviewers.objections import Objection  # noqa: E402,F401
