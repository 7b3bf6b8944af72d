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
    CONFIRMED = "confirmed", _("Suggested by the system, confirmed by the officer")


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

    # No single-column indexes on the two keys: the unique (project, expert) constraint serves look-ups by
    # project and the (expert, state) index those by expert; two more indexes would only slow the
    # bulk writes of an automatic run (100,000 seats at province scale).
    # No database constraints on the two keys either (reviewers/0010): PostgreSQL checked them with two
    # trigger calls per seat at commit, 200,000 for a province-wide run, about half of the run's
    # database CPU. What they guarded cannot happen here: projects and experts are never deleted (no
    # service deletes either; both admins refuse deletion; experts are deactivated), and if one ever
    # is, through the ORM, on_delete still runs in Django's collector, which never relied on the
    # constraint (CASCADE removes the seats, PROTECT refuses). The writers name rows they hold: the
    # hand-made seat its locked project and an expert of the pool; the automatic run's chunks lock
    # their projects and experts FOR KEY SHARE (the lock the constraint's trigger took, once per row
    # instead of once per seat) and write seats only for rows that are there (services._write_chunk).
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="assignments",
                                db_index=False, db_constraint=False)
    expert = models.ForeignKey(Expert, on_delete=models.PROTECT, related_name="assignments", db_index=False,
                               db_constraint=False)
    state = FSMField(_("state"), max_length=20, choices=AssignmentState.choices, default=A.ASSIGNED, protected=True)
    scores = models.JSONField(_("scores"), default=dict, blank=True, db_default={})
    criterion_comments = models.JSONField(_("comments per criterion"), default=dict, blank=True, db_default={})
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=2, null=True, blank=True)
    comment = models.TextField(_("overall comment"), blank=True, default="", db_default="")
    conflict_note = models.CharField(_("conflict declared"), max_length=500, blank=True, default="", db_default="")
    declared_at = models.DateTimeField(_("declared at"), null=True, blank=True)
    draft_saved_at = models.DateTimeField(_("draft saved at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The run that made the seat (None: by hand). No database constraint: its only writer, an automatic
    # run, holds that run's row lock while it writes, so PostgreSQL's per-row check (one trigger call
    # per seat at commit, 100,000 per national run: a sixth of the run's database CPU) only re-proves
    # what the writer already holds; deleting a run still sets its seats' run to None (Django's
    # on_delete, which does not rely on the constraint).
    # Its index is made by reviewers/0013, outside the model: on PostgreSQL a BRIN index. A run's seats are
    # written together, so they sit in a run of pages that a BRIN index finds as well as a B-tree, at
    # a fraction of the upkeep: a B-tree of 100,000 equal keys was about a fifth of the seats' COPY.
    # Elsewhere a plain index.
    run = models.ForeignKey("AssignmentRun", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                            db_constraint=False, db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # Raised by every write of scores; the form carries the version it edited, so a stale tab's
    # submit is refused instead of silently overwriting (or seeming to overwrite) what is stored.
    version = models.PositiveIntegerField(_("version"), default=0, db_default=0)
    # The database defaults (db_default, the same values as the Python defaults, which the ORM still
    # uses) let an automatic run's COPY name five columns instead of fourteen (core.bulk): PostgreSQL
    # parsed two JSON values and the rest for every seat, a seventh of the seats' COPY. Each has a
    # Python default too, or a new instance would hold a DatabaseDefault until saved. Not the state:
    # Django reads a column with a database default back after an INSERT and sets it on the instance,
    # which the protected FSM field refuses; nor created_at (auto_now_add takes no default).

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

    # From ACCEPTED too: a conflict discovered after the declaration (by the expert on the round's
    # list, or confirmed by an officer) still recuses before the scores are submitted.
    @transition(field=state, source=[A.ASSIGNED, A.ACCEPTED], target=A.RECUSED)
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
    # The background job that carries the run: the round page links to its live progress page.
    job = models.ForeignKey("documents.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment run")
        verbose_name_plural = _("assignment runs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.round} 自动分配 #{self.pk}"


# --- h-review ---

class RoundDeclaration(models.Model):
    """An expert's conflict declaration against the round's list of applicant organizations, made
    before any assignment; each organization declared becomes an ExpertRelation (kind DECLARED)."""

    round = models.ForeignKey(GrantRound, on_delete=models.CASCADE, related_name="expert_declarations")
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="round_declarations")
    organizations = models.ManyToManyField(Organization, blank=True, related_name="+")
    note = models.CharField(_("relation"), max_length=500, blank=True)
    declared_at = models.DateTimeField(_("declared at"), auto_now=True)

    class Meta:
        verbose_name = _("conflict declaration for a round")
        verbose_name_plural = _("conflict declarations for rounds")
        constraints = [models.UniqueConstraint(fields=["round", "expert"], name="one_round_declaration_per_expert")]

    def __str__(self) -> str:
        return f"{self.round}：{self.expert}"


class SuggestionBasis(models.TextChoices):
    EMPLOYER = "employer", _("Employer name matches the applicant")
    HOST = "host", _("Employer is the applicant's supervising unit")
    STREET = "street", _("Employer is in the street the project serves")
    EARLIER_REVIEW = "earlier_review", _("Reviewed this applicant in an earlier round")
    FORMER_RELATION = "former_relation", _("A past tie that no longer counts by itself")


class SuggestionState(models.TextChoices):
    PENDING = "pending", _("To be decided")
    CONFIRMED = "confirmed", _("Confirmed conflict")
    DISMISSED = "dismissed", _("Dismissed")


class ConflictSuggestion(models.Model):
    """A possible conflict found automatically; only an officer's confirmation makes it count."""

    round = models.ForeignKey(GrantRound, on_delete=models.CASCADE, related_name="conflict_suggestions")
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="conflict_suggestions")
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    basis = models.CharField(_("basis"), max_length=20, choices=SuggestionBasis.choices)
    detail = models.CharField(_("detail"), max_length=300, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=SuggestionState.choices, default=SuggestionState.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("conflict suggestion")
        verbose_name_plural = _("conflict suggestions")
        ordering = ["state", "expert__name", "id"]
        constraints = [models.UniqueConstraint(fields=["round", "expert", "organization", "basis"],
                                               name="one_suggestion_per_basis")]

    def __str__(self) -> str:
        return f"{self.expert}：{self.organization}（{self.get_basis_display()}）"


class PanelExclusion(models.Model):
    """An expert an officer took off a project's panel by hand: no automatic run puts them back."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="panel_exclusions")
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(_("removed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("expert removed from a panel")
        verbose_name_plural = _("experts removed from panels")
        constraints = [models.UniqueConstraint(fields=["project", "expert"], name="one_exclusion_per_panel_seat")]

    def __str__(self) -> str:
        return f"{self.project}：{self.expert}"


class ExpertLoadLimit(models.Model):
    """An officer's lower cap for one expert in one round (below the round's max_load_per_expert)."""

    round = models.ForeignKey(GrantRound, on_delete=models.CASCADE, related_name="expert_load_limits")
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="load_limits")
    max_load = models.PositiveSmallIntegerField(_("maximum proposals"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("expert load limit")
        verbose_name_plural = _("expert load limits")
        constraints = [models.UniqueConstraint(fields=["round", "expert"], name="one_load_limit_per_expert")]

    def __str__(self) -> str:
        return f"{self.round}：{self.expert} ≤ {self.max_load}"


class ReviewReminder(models.Model):
    """One reminder an officer sent an expert about a round's open reviews (the audit row and the count)."""

    round = models.ForeignKey(GrantRound, on_delete=models.CASCADE, related_name="review_reminders")
    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="reminders")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    open_reviews = models.PositiveIntegerField(_("open reviews"))
    text = models.CharField(_("text"), max_length=500)

    class Meta:
        verbose_name = _("review reminder")
        verbose_name_plural = _("review reminders")
        ordering = ["-sent_at", "-id"]

    def __str__(self) -> str:
        return f"{self.round}：{self.expert} {self.sent_at:%Y-%m-%d}"


class RoundEvent(models.Model):
    """Append-only audit trail of a round's review steering that belongs to no single project:
    conflict declarations and decisions, load limits, reminders (with before/after where a setting changes)."""

    round = models.ForeignKey(GrantRound, on_delete=models.CASCADE, related_name="review_events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=40)
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        verbose_name = _("review audit event")
        verbose_name_plural = _("review audit events")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.round} {self.action}"


from reviewers.aggregate_models import ExpertRoundStats, ReviewAggregate, SeatCounts  # noqa: E402,F401  stored aggregates
from reviewers.objections import Objection  # noqa: E402,F401
from reviewers.panel_models import (  # noqa: E402,F401  discussion, oral defense, panel policy
    DefensePanelMember,
    DefenseScore,
    DefenseSlot,
    DiscussionPost,
    PanelAudit,
    PanelPolicy,
    PreferenceMode,
    ScoreRevision,
)
