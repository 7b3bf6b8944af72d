import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField, FSMModelMixin

from core import storage
from grants import defaults
from grants.models import MONEY, GrantRound, Organization
from projects.lifecycle import PROJECT
from projects.states import EvaluationKind, State

S = State


def display_title(title: str) -> str:
    """Project.display_title for a title read without its project (the staff list reads plain values)."""
    return title.strip() or str(_("Untitled draft"))


# The generated base holds one django-fsm method per row of the table (mypy cannot follow a generated base).
class Project(PROJECT.model_mixin(), ConcurrentTransitionMixin, FSMModelMixin, models.Model):  # type: ignore[misc]
    """An application and, once funded, the project. Its lifecycle (the django-fsm transition
    methods among its bases included) is the table in projects.lifecycle."""

    round = models.ForeignKey(GrantRound, verbose_name=_("round"), on_delete=models.PROTECT, related_name="projects")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="projects"
    )
    code = models.CharField(_("project number"), max_length=40, unique=True, null=True, blank=True)
    title = models.CharField(_("title"), max_length=200)
    domain = models.CharField(_("service domain"), max_length=20, choices=list(defaults.DOMAINS.items()), blank=True)
    summary = models.TextField(_("summary"), blank=True)
    need_analysis = models.TextField(_("need analysis"), blank=True)
    target_group = models.CharField(_("target group"), max_length=200, blank=True)
    beneficiaries = models.PositiveIntegerField(_("number of beneficiaries"), null=True, blank=True)
    service_district = models.CharField(_("service district"), max_length=50, blank=True)
    service_street = models.CharField(_("service street"), max_length=100, blank=True)
    activity_plan = models.TextField(_("activity plan"), blank=True)
    team = models.TextField(_("team"), blank=True)
    requested_amount = models.DecimalField(_("requested amount"), **MONEY, default=Decimal("0.00"))
    approved_amount = models.DecimalField(_("approved amount"), **MONEY, null=True, blank=True)
    government_funded = models.BooleanField(_("already funded by government"), default=False)
    state = FSMField(_("state"), default=S.DRAFT, choices=S.choices, protected=True, db_index=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    # Counts every save of the draft and every report: a save names the count it edited, so a stale tab
    # or a colleague's older page is refused with a conflict instead of overwriting newer text.
    edit_version = models.PositiveIntegerField(_("edit version"), default=0)
    # Rows typed into a section that the checks refused (a pasted "12 000"), as typed, per row editor:
    # kept with the draft so they are shown again, marked, until they are fixed or removed.
    refused_rows = models.JSONField(_("refused rows"), default=dict, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    publicity_start = models.DateField(_("public notice starts"), null=True, blank=True)
    publicity_end = models.DateField(_("public notice ends"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    signed_by_name = models.CharField(_("signed by"), max_length=100, blank=True)
    signed_ip = models.GenericIPAddressField(_("signed from IP"), null=True, blank=True)
    grade = models.CharField(_("final grade"), max_length=20, blank=True)
    midterm_passed = models.BooleanField(_("mid-term passed"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["round", "state"]),
            models.Index(fields=["organization", "state"]),
            # The officers' project list is newest submission first over the whole province.
            models.Index(fields=["-submitted_at", "-id"], name="project_submitted_desc"),
            # A round's projects by number: the 公示 list and the public round page a page at a time (a deep
            # page's ids, then its rows), and the notice's figures, read from the index alone (PostgreSQL).
            models.Index(fields=["round", "code"], include=["state", "publicity_start", "publicity_end", "id"],
                         name="project_round_code"),
            # A state's projects by number (the evaluation work lists, one page of a part at a time).
            models.Index(fields=["state", "code", "id"], name="project_state_code"),
            # The districts of a round (the finance filters) from the index alone.
            models.Index(fields=["round", "service_district"], name="project_round_district"),
            # The monitoring dashboard's counts (per state, domain and district) from the index alone.
            models.Index(fields=["round", "state", "domain", "service_district"], name="project_round_place"),
            # A round's usage on its settings page (grants.usage): submitted applications, their domains
            # and signed agreements, counted from these indexes alone.
            models.Index(fields=["round", "domain"], condition=models.Q(submitted_at__isnull=False),
                         name="project_round_submitted"),
            models.Index(fields=["round"], condition=models.Q(signed_at__isnull=False), name="project_round_signed"),
            # The smallest and largest request still in play (grants.usage.OUT_OF_PLAY left out): MIN and MAX
            # are the two ends of this index, two probes however many applications the round holds.
            models.Index(fields=["round", "requested_amount"],
                         condition=models.Q(submitted_at__isnull=False)
                         & ~models.Q(state__in=["draft", "withdrawn", "ineligible", "rejected"]),
                         name="project_round_requested"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(requested_amount__gte=0), name="requested_not_negative"),
            models.CheckConstraint(
                condition=models.Q(approved_amount__isnull=True) | models.Q(approved_amount__gt=0),
                name="approved_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code or '草稿'} {self.display_title}"

    def validate_constraints(self, exclude=None):
        """Django's check, without building a query for a check that cannot run: Django answers a check
        reading an excluded field (every field a form does not edit) with a FieldError it ignores, after
        building the query. The application form's section forms edit neither amount; each autosave
        validated them that way twice."""
        excluded = set(exclude or ())
        if excluded and all(isinstance(c, models.CheckConstraint) and isinstance(c.condition, models.Q)
                            and c.condition.referenced_base_fields & excluded for c in self._meta.constraints):
            return
        super().validate_constraints(exclude=exclude)

    @property
    def display_title(self) -> str:
        """The title, or a label for a draft without one (from before titles were required), so every list
        still shows a link that can be seen and clicked."""
        return display_title(self.title)

    @cached_property
    def state_label(self) -> str:
        return S(self.state).label


class Source(models.TextChoices):
    GRANT = "grant", _("Grant")
    COFUND = "cofund", _("Co-funding")


class Category(models.TextChoices):
    LABOR = "labor", _("Labor costs")
    ACTIVITY = "activity", _("Activities")
    PUBLICITY = "publicity", _("Publicity and printing")
    TRAINING = "training", _("Expert supervision and training")
    TRAVEL = "travel", _("Transport and travel")
    OFFICE = "office", _("Office costs")
    MANAGEMENT = "management", _("Management fee")
    OTHER = "other", _("Other")


# The codes as sets, for membership tests per budget row: `Category.values` builds a new list on every
# access, and the autosave checks every row of the budget twice.
CATEGORY_CODES = frozenset(Category.values)
SOURCE_CODES = frozenset(Source.values)


class BudgetLine(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="budget_lines")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    item = models.CharField(_("item"), max_length=200)
    unit_price = models.DecimalField(_("unit price"), **MONEY)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    amount = models.DecimalField(_("subtotal"), **MONEY)
    source = models.CharField(_("funding source"), max_length=10, choices=Source.choices, default=Source.GRANT)
    explanation = models.CharField(_("explanation"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.project} {self.get_category_display()}：{self.item}"


class Milestone(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    deliverable = models.CharField(_("deliverable"), max_length=300, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["due_date", "id"]
        # The overdue lists (officers' queue, a round's overdue page) read open milestones by due date.
        indexes = [models.Index(fields=["due_date", "id"], condition=models.Q(completed_on__isnull=True),
                                name="milestone_open_by_due")]

    def __str__(self) -> str:
        return f"{self.project} {self.title}（{self.due_date}）"


class Indicator(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20)
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2)
    achieved = models.DecimalField(_("achieved"), max_digits=12, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.project} {self.name}"


protected_storage = storage.PROTECTED


def attachment_path(instance: "Attachment", filename: str) -> str:
    # Stored under a random name: the user's file name never reaches the file system.
    return f"attachments/{instance.project_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=40, choices=list(defaults.ATTACHMENT_KINDS.items()))
    file = models.FileField(_("file"), storage=storage.protected, upload_to=attachment_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # A receipt backs exactly one spending row (and through it, its report); RESTRICT because
    # evidence of spending is never deleted on its own, only with the whole project.
    expenditure = models.ForeignKey(
        "Expenditure", verbose_name=_("spending row"), on_delete=models.RESTRICT, null=True, blank=True,
        related_name="receipts",
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["kind", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(expenditure__isnull=True) | models.Q(kind="receipt"),
                                   name="attachment_only_receipts_back_spending"),
        ]

    def __str__(self) -> str:
        return f"{self.project} {self.get_kind_display()}：{self.original_name}"


class ProjectEvent(models.Model):
    """Append-only audit trail: every transition and every other change that matters."""

    # No database constraints on the two keys (projects/0014): PostgreSQL checked them with two trigger
    # calls per row at commit, and an automatic assignment run writes 20,000 rows at once (a sixth of
    # its database CPU). Projects and accounts are never deleted (no service deletes either, both
    # admins refuse; accounts are deactivated, since these rows name who acted); if one ever is,
    # through the ORM, on_delete still runs in Django's collector, which never relied on the
    # constraint. Every writer names a project it has just read or locked and the acting user.
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="events", db_constraint=False)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+",
                              db_constraint=False)
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    action = models.CharField(_("action"), max_length=50)
    from_state = models.CharField(_("from state"), max_length=20, blank=True)
    to_state = models.CharField(_("to state"), max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    data = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project} {self.action_label}"

    @property
    def action_label(self) -> str:
        """What staff read on the timeline."""
        if self.action in PROJECT:
            return PROJECT.get(self.action).label
        return str(EVENT_LABELS.get(self.action, self.action))

    @property
    def applicant_label(self) -> str:
        """What the organization reads on its timeline."""
        if self.action in PROJECT:
            return PROJECT.get(self.action).public_label
        return str(EVENT_LABELS.get(self.action, self.action))


# Audit actions that are not transitions (transitions carry their labels in projects.lifecycle).
EVENT_LABELS = {
    "create": _("Application started"),
    "attachment": _("File uploaded"),
    "attachment_removed": _("File removed"),
    "budget_revised": _("Budget revised to the approved amount"),
    "report": _("Report submitted"),
    "report_accepted": _("Report accepted"),
    "report_returned": _("Report returned for revision"),
    "adjustment_requested": _("Budget adjustment requested"),
    "adjustment_approved": _("Budget adjustment approved"),
    "adjustment_rejected": _("Budget adjustment rejected"),
    "payment": _("Tranche paid"),
    "payment_failed": _("Transfer returned by the bank"),
    "bank_details_changed": _("Account for payments changed"),
    "payment_requeued": _("Returned transfer to be paid again to the same account"),
    "payment_withdrawn": _("Transfer withdrawn from an approved batch"),
    "clawback": _("Claw-back recorded"),
    "clawback_repaid": _("Claw-back repayment recorded"),
    "milestone_done": _("Milestone done"),
    "publicity_end_corrected": _("Public notice end date corrected"),
    "government_funding_check": _("Government funding checked"),
    "assign_expert": _("Expert assigned"),
    "auto_assign": _("Experts assigned automatically"),
    "auto_assign_balance": _("Automatic assignment balanced the experts' loads"),
    "unassign_expert": _("Expert removed from the panel"),
    "review_reopened": _("Review reopened"),
    "replacement_missing": _("No replacement expert available"),
    "expert_recused": _("Expert recused"),
    "expert_declared": _("Expert declared no conflict"),
    "review_submitted": _("Review submitted"),
}
# Expert-review bookkeeping: seen by staff, never by the applicant (it would reveal who reviews).
REVIEW_INTERNAL_ACTIONS = frozenset({
    "assign_expert", "auto_assign", "auto_assign_balance", "unassign_expert", "review_reopened",
    "replacement_missing", "expert_recused", "expert_declared", "review_submitted",
})


class Evaluation(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="evaluations")
    kind = models.CharField(_("kind"), max_length=10, choices=EvaluationKind.choices)
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scores = models.JSONField(_("scores"), default=dict)
    total = models.DecimalField(_("total"), max_digits=6, decimal_places=2)
    grade = models.CharField(_("grade"), max_length=20, blank=True)
    passed = models.BooleanField(_("passed"))
    comment = models.TextField(_("comment"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project} {self.get_kind_display()}"


class ReportKind(models.TextChoices):
    PROGRESS = "progress", _("Progress report")
    MIDTERM = "midterm", _("Mid-term report")
    FINAL = "final", _("Final report")


class ReportReview(models.TextChoices):
    PENDING = "pending", _("Waiting for review")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned for revision")


class Report(models.Model):
    """Progress / mid-term / final report with the spending it declares. The officer accepts it or
    returns it with a comment; a returned report stays as it was (evidence) and the organization
    submits a corrected one that names it in `resubmission_of`. A returned report's spending no
    longer counts (see `Expenditure.counted`)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    kind = models.CharField(_("kind"), max_length=10, choices=ReportKind.choices)
    narrative = models.TextField(_("narrative"), blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    review_status = models.CharField(_("review status"), max_length=10, choices=ReportReview.choices,
                                     default=ReportReview.PENDING, db_index=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("reviewed by"), on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    review_comment = models.TextField(_("review comment"), blank=True)
    resubmission_of = models.OneToOneField(
        "self", verbose_name=_("resubmission of"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="resubmission",
    )

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.project} {self.get_kind_display()}"


class CountedSpending(models.QuerySet):
    def counted(self) -> "CountedSpending":
        """Spending that counts: a report returned for revision is replaced by its resubmission."""
        return self.exclude(report__review_status=ReportReview.RETURNED)


class Expenditure(models.Model):
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="expenditures")
    budget_line = models.ForeignKey(BudgetLine, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    category = models.CharField(_("category"), max_length=20, choices=Category.choices)
    item = models.CharField(_("item"), max_length=200)
    amount = models.DecimalField(_("amount"), **MONEY)
    source = models.CharField(_("funding source"), max_length=10, choices=Source.choices)

    objects = CountedSpending.as_manager()

    class Meta:
        verbose_name = _("expenditure")
        verbose_name_plural = _("expenditures")

    def __str__(self) -> str:
        return f"{self.get_category_display()}：{self.item} {self.amount} 元"


class AdjustmentState(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class BudgetAdjustment(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="adjustments")
    reason = models.TextField(_("reason"))
    proposed_lines = models.JSONField(_("proposed budget"))
    state = models.CharField(_("state"), max_length=10, choices=AdjustmentState.choices, default=AdjustmentState.PENDING)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)

    class Meta:
        verbose_name = _("budget adjustment")
        verbose_name_plural = _("budget adjustments")
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return f"{self.project} 预算调整（{self.get_state_display()}）"


class ReminderKind(models.TextChoices):
    BEFORE_7D = "before_7d", _("7 days before the due date")
    DUE = "due", _("On the due date")
    OVERDUE = "overdue", _("Overdue")


class MilestoneReminder(models.Model):
    """Proof that one reminder about one milestone went out: the unique pair makes it go out once."""

    milestone = models.ForeignKey(Milestone, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("milestone reminder")
        verbose_name_plural = _("milestone reminders")
        ordering = ["sent_at", "id"]
        constraints = [models.UniqueConstraint(fields=["milestone", "kind"], name="one_reminder_per_kind")]

    def __str__(self) -> str:
        return f"{self.milestone} {self.get_kind_display()}"


class Settlement(models.Model):
    """结项决算, recorded when the final evaluation passes, before the 尾款 is released: what the
    final reports say was spent against what was approved and paid, and what became of the 尾款."""

    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="settlement")
    approved = models.DecimalField(_("approved amount"), **MONEY)
    reported = models.DecimalField(_("grant-funded spending reported"), **MONEY)
    spent = models.DecimalField(_("grant-funded spending accepted"), **MONEY)
    unspent = models.DecimalField(_("unspent balance"), **MONEY)
    disbursed = models.DecimalField(_("paid or in a bank batch"), **MONEY)
    final_scheduled = models.DecimalField(_("still to pay as scheduled"), **MONEY)
    final_payable = models.DecimalField(_("still to pay after the settlement"), **MONEY)
    clawback = models.DecimalField(_("to be clawed back"), **MONEY)
    reduces_final = models.BooleanField(_("final tranche reduced by the unspent amount"))
    # [{"label", "budgeted", "spent"}] per budget line, amounts as strings.
    lines = models.JSONField(_("spending by budget line"), default=list)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")

    def __str__(self) -> str:
        return f"{self.project} 结项决算"

    @property
    def final_reduction(self) -> Decimal:
        return self.final_scheduled - self.final_payable

    @property
    def line_rows(self) -> list[dict]:
        return [{"label": line["label"], "budgeted": Decimal(line["budgeted"]), "spent": Decimal(line["spent"])}
                for line in self.lines]
from projects.dashboard_models import EvaluationCell, IndicatorCell  # noqa: E402,F401
from projects.public_versions import PublicVersion  # noqa: E402,F401
from projects.receipts import SubmissionReceipt  # noqa: E402,F401
