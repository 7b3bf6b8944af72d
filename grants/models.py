import uuid
from decimal import Decimal
from typing import TypedDict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import bank, storage
from core.calendar import today as shanghai_today
from grants import defaults
from grants.rules import credit_code, organization_facts
from grants.rules.budget import CATEGORIES, forbidden_setting_errors
from grants.rules.rubric import rubric_errors, rubric_max_total
from grants.rules.tranches import template_errors


class _MoneyColumn(TypedDict):
    max_digits: int
    decimal_places: int


# Every amount column: yuan with 2 decimals (fen), up to 999,999,999,999.99.
MONEY: _MoneyColumn = {"max_digits": 14, "decimal_places": 2}


class OrgType(models.TextChoices):
    SOCIAL_GROUP = "social_group", _("Social group")
    SOCIAL_SERVICE = "social_service", _("Social service organization")
    FOUNDATION = "foundation", _("Foundation")
    COMMUNITY = "community", _("Filed community social organization")


class Rating(models.IntegerChoices):
    A1 = 1, "1A"
    A2 = 2, "2A"
    A3 = 3, "3A"
    A4 = 4, "4A"
    A5 = 5, "5A"


def validate_credit_code(value: str) -> None:
    problems = credit_code.errors(value)
    if problems:
        raise ValidationError(problems)


# Certificates live outside the web root, like project attachments, and are only served by checked views.
private_storage = storage.PROTECTED


def certificate_path(instance: "Organization", filename: str) -> str:
    return f"organizations/{uuid.uuid4().hex}"


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    credit_code = models.CharField(
        _("unified social credit code"), max_length=18, unique=True, null=True, blank=True,
        validators=[validate_credit_code],
    )
    org_type = models.CharField(_("type"), max_length=20, choices=OrgType.choices)
    host = models.ForeignKey(
        "self", verbose_name=_("host organization"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="hosted", help_text=_("Required for a filed community social organization; it is the payee."),
    )
    registration_date = models.DateField(_("registration date"), null=True, blank=True)
    district = models.CharField(_("district"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating.choices, null=True, blank=True)
    rating_valid_until = models.DateField(_("rating valid until"), null=True, blank=True)
    rating_certificate = models.FileField(
        _("rating certificate"), storage=storage.protected, upload_to=certificate_path, max_length=300, blank=True
    )
    rating_certificate_name = models.CharField(_("rating certificate file name"), max_length=200, blank=True)
    bank_account_name = models.CharField(_("account name"), max_length=200, blank=True)
    bank_name = models.CharField(_("bank"), max_length=200, blank=True)
    bank_account_no = models.CharField(_("account number"), max_length=40, blank=True, validators=[bank.validate_account_no])
    bank_code = models.CharField(_("bank code"), max_length=12, blank=True, validators=[bank.validate_bank_code])
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="organizations")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["name"]
        # The officers' verification list shows the newest 200: walked from this index, not sorted.
        indexes = [models.Index(fields=["created_at", "id"], name="organization_by_created")]

    def __str__(self) -> str:
        return self.name

    @property
    def payee(self) -> "Organization":
        """A filed community organization has no account of its own: its host is paid."""
        return self.host if self.org_type == OrgType.COMMUNITY and self.host_id else self

    def clean_fields(self, exclude=None) -> None:
        # Normalize before the 18-character length check, or a pasted "5242 0000 MJH…" never reaches clean().
        if self.credit_code:
            self.credit_code = credit_code.normalize(self.credit_code)
        # Stored as the bank file carries it: the bank's result file is matched on the bare number.
        if self.bank_account_no and not bank.account_no_errors(self.bank_account_no):
            self.bank_account_no = bank.normalize_account_no(self.bank_account_no)
        if self.bank_code:
            self.bank_code = self.bank_code.strip()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.credit_code:
            self.credit_code = credit_code.normalize(self.credit_code)
            mismatch = credit_code.org_type_mismatch(self.org_type, self.credit_code)
            if mismatch is not None:
                errors.setdefault("credit_code", []).append(mismatch.message)
        if self.org_type == OrgType.COMMUNITY:
            if not self.host_id:
                errors.setdefault("host", []).append("备案社区社会组织须填写依托单位（登记注册的社会组织），由其代为收款")
            elif self.host.org_type == OrgType.COMMUNITY:
                errors.setdefault("host", []).append("依托单位必须是已登记的社会组织，不能是另一个备案社区社会组织")
        else:
            if not self.credit_code:
                errors.setdefault("credit_code", []).append("已登记的社会组织必须填写统一社会信用代码")
            if self.host_id:
                errors.setdefault("host", []).append("只有备案社区社会组织需要依托单位")
        if self.bank_account_name and self.org_type != OrgType.COMMUNITY and self.bank_account_name != self.name:
            errors.setdefault("bank_account_name", []).append(
                f"户名「{self.bank_account_name}」必须与机构登记名称「{self.name}」一致"
            )
        if (self.bank_account_name and self.org_type == OrgType.COMMUNITY and self.host_id
                and self.bank_account_name != self.host.name):
            errors.setdefault("bank_account_name", []).append(
                f"备案社区社会组织由依托单位收款，户名「{self.bank_account_name}」必须与依托单位名称「{self.host.name}」一致"
            )
        if self.rating and not self.rating_valid_until:
            errors.setdefault("rating_valid_until", []).append("填写评估等级时须填写有效期")
        for problem in (organization_facts.name_problems(self.name)
                        + organization_facts.registration_date_problems(self.registration_date, shanghai_today())
                        + organization_facts.rating_expiry_problems(self.rating, self.rating_valid_until,
                                                                    self.registration_date)):
            errors.setdefault(problem.field, []).append(problem.message)
        if errors:
            raise ValidationError(errors)


class Membership(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    is_manager = models.BooleanField(_("manager"), default=False)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.organization}：{self.user}"


class CreditListType(models.TextChoices):
    ABNORMAL = "abnormal", _("Abnormal activity list")
    SERIOUS = "serious", _("Serious illegal and dishonest list")


class CreditListEntry(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="credit_entries")
    list_type = models.CharField(_("list"), max_length=20, choices=CreditListType.choices)
    listed_on = models.DateField(_("listed on"))
    removed_on = models.DateField(_("removed on"), null=True, blank=True)
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("credit list entry")
        verbose_name_plural = _("credit list entries")
        ordering = ["-listed_on"]

    def __str__(self) -> str:
        return f"{self.organization}：{self.get_list_type_display()}（{self.listed_on}）"

    def clean(self) -> None:
        if self.removed_on and self.listed_on and self.removed_on < self.listed_on:
            raise ValidationError({"removed_on": "移出日期不能早于列入日期"})


class AggregationMethod(models.TextChoices):
    MEAN = "mean", _("Mean")
    TRIMMED = "trimmed", _("Trimmed mean (drop highest and lowest when 5 or more)")
    WEIGHTED = "weighted", _("Weighted by expert")


def unfinished_states_errors(states: object) -> list[str]:
    """A round's unfinished_states must name project states; an empty list means nothing counts."""
    if not isinstance(states, list) or not all(isinstance(s, str) for s in states):
        return ["未结项状态应为项目状态值的列表"]
    unknown = [s for s in states if s not in defaults.PROJECT_STATE_VALUES]
    return [f"未知的项目状态：{'、'.join(unknown)}"] if unknown else []


class GrantRound(models.Model):
    name = models.CharField(_("name"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    code = models.SlugField(_("code"), max_length=30, unique=True, help_text=_("Used in project numbers."))
    description = models.TextField(_("call for proposals"), blank=True)
    fund_source = models.CharField(
        _("fund source"), max_length=30, choices=list(defaults.FUND_SOURCES.items()), default="welfare_lottery"
    )
    pot = models.DecimalField(_("total pot"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))])
    min_amount = models.DecimalField(_("minimum per project"), **MONEY, default=Decimal("10000.00"))
    max_amount = models.DecimalField(_("maximum per project"), **MONEY, default=Decimal("100000.00"))
    # Dates, not datetimes: officers announce "申报截止日期", which means until 23:59:59 Shanghai time.
    apply_start = models.DateField(_("applications open"))
    apply_end = models.DateField(_("applications close"))
    review_start = models.DateField(_("review starts"), null=True, blank=True)
    review_end = models.DateField(_("review ends"), null=True, blank=True)
    publicity_days = models.PositiveSmallIntegerField(_("publicity working days"), default=5)
    period_months = models.PositiveSmallIntegerField(_("project period (months)"), default=12)
    domains = models.JSONField(_("service domains"), default=defaults.default_domains)
    districts: models.ManyToManyField = models.ManyToManyField(
        "District", verbose_name=_("districts served"), blank=True, related_name="rounds",
        help_text=_("Leave empty to accept applications from every district."),
    )
    # Eligibility policy
    min_months_registered = models.PositiveSmallIntegerField(_("minimum months since registration"), default=12)
    min_rating = models.PositiveSmallIntegerField(_("minimum rating"), choices=Rating.choices, null=True, blank=True)
    abnormal_lookback_years = models.PositiveSmallIntegerField(_("abnormal-list look-back (years)"), default=1)
    serious_lookback_years = models.PositiveSmallIntegerField(_("dishonest-list look-back (years)"), default=2)
    max_applications_per_org = models.PositiveSmallIntegerField(_("applications per organization"), default=1)
    bar_unfinished = models.BooleanField(_("bar organizations with unfinished projects"), default=True)
    bar_failed_years = models.PositiveSmallIntegerField(_("years barred after a failed evaluation"), default=3)
    bar_government_funded = models.BooleanField(_("bar projects already funded by government"), default=True)
    count_ineligible_toward_limit = models.BooleanField(
        _("applications ruled ineligible count toward the limit"), default=False,
        help_text=_("Off: an organization whose application was ruled ineligible may submit a corrected one."),
    )
    count_withdrawn_toward_limit = models.BooleanField(_("withdrawn applications count toward the limit"), default=False)
    unfinished_states = models.JSONField(
        _("states in which an earlier project counts as unfinished"), default=defaults.default_unfinished_states
    )
    required_attachments = models.JSONField(_("required attachments"), default=defaults.default_required_attachments)
    # Budget policy (category caps are BudgetCap rows)
    forbidden_expenses = models.JSONField(
        _("uses the grant may not pay for"), default=defaults.default_forbidden_expenses,
        help_text=_("Each rule with the words that reveal it; checked at submission, on adjustments and on reported spending."),
    )
    cofunding_min_percent = models.DecimalField(
        _("minimum co-funding (percent of grant)"), max_digits=5, decimal_places=2, default=Decimal("0")
    )
    # Review
    rubric = models.JSONField(_("review rubric"), default=defaults.default_rubric)
    experts_per_project = models.PositiveSmallIntegerField(_("experts per project"), default=5)
    require_finance_expert = models.BooleanField(_("at least one finance expert per panel"), default=True)
    max_load_per_expert = models.PositiveSmallIntegerField(_("maximum proposals per expert"), default=40)
    aggregation = models.CharField(
        _("aggregation"), max_length=20, choices=AggregationMethod.choices, default=AggregationMethod.TRIMMED
    )
    disagreement_threshold = models.DecimalField(
        _("disagreement threshold (points)"), max_digits=5, decimal_places=2, default=Decimal("20")
    )
    comment_required_below = models.DecimalField(
        _("overall comment required below"), max_digits=5, decimal_places=2, default=Decimal("60")
    )
    blind_review = models.BooleanField(_("blind review"), default=False)
    # Money and evaluation
    tranche_template = models.JSONField(_("tranche template"), default=defaults.default_tranche_template)
    midterm_rubric = models.JSONField(_("mid-term rubric"), default=defaults.default_midterm_rubric)
    final_rubric = models.JSONField(_("final rubric"), default=defaults.default_final_rubric)
    midterm_pass_mark = models.DecimalField(_("mid-term pass mark"), max_digits=5, decimal_places=2, default=Decimal("60"))
    grade_thresholds = models.JSONField(_("grade thresholds"), default=defaults.default_grade_thresholds)
    # Settlement (结项决算) before the final tranche
    settlement_reduces_final_tranche = models.BooleanField(
        _("final tranche reduced by the unspent amount"), default=True,
        help_text=_("Off: the final tranche is paid as scheduled and only an overpayment is clawed back."),
    )
    receipts_required_above = models.DecimalField(
        _("receipts required for spending rows above"), **MONEY, default=Decimal("1000.00"),
    )
    # Rounds made in admin or by seeds are public at once; the designer creates drafts (None) that
    # the officer publishes when the call is ready.
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, default=timezone.now)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("grant round")
        verbose_name_plural = _("grant rounds")
        ordering = ["-year", "-apply_start"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.min_amount is not None and self.max_amount is not None and self.min_amount > self.max_amount:
            errors.setdefault("max_amount", []).append("单个项目资助上限不能低于下限")
        if self.max_amount and self.pot and self.max_amount > self.pot:
            errors.setdefault("max_amount", []).append("单个项目资助上限不能超过资金总额")
        if self.apply_start and self.apply_end and self.apply_end < self.apply_start:
            errors.setdefault("apply_end", []).append("申报截止日期不能早于开始日期")
        if self.tranche_template is not None:
            for problem in template_errors(self.tranche_template):
                errors.setdefault("tranche_template", []).append(problem)
        for field in ("rubric", "midterm_rubric", "final_rubric"):
            for problem in rubric_errors(getattr(self, field)):
                errors.setdefault(field, []).append(problem)
        unknown = [d for d in (self.domains or []) if d not in defaults.DOMAINS]
        if unknown:
            errors.setdefault("domains", []).append(f"未知的服务领域：{'、'.join(unknown)}")
        for problem in forbidden_setting_errors(self.forbidden_expenses):
            errors.setdefault("forbidden_expenses", []).append(problem)
        for problem in unfinished_states_errors(self.unfinished_states):
            errors.setdefault("unfinished_states", []).append(problem)
        if errors:
            raise ValidationError(errors)

    @property
    def rubric_max_total(self) -> Decimal:
        return rubric_max_total(self.rubric)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class CapKind(models.TextChoices):
    PCT_GRANT = "pct_grant", _("Percent of grant amount")
    PCT_TOTAL = "pct_total", _("Percent of total budget")
    FIXED = "fixed", _("Fixed amount")
    FORBIDDEN = "forbidden", _("Not payable from the grant")


class BudgetCap(models.Model):
    """A per-round cap on what the grant may pay in one budget category."""

    round = models.ForeignKey(GrantRound, on_delete=models.CASCADE, related_name="budget_caps")
    category = models.CharField(_("category"), max_length=20)
    kind = models.CharField(_("kind"), max_length=20, choices=CapKind.choices)
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("budget cap")
        verbose_name_plural = _("budget caps")
        constraints = [models.UniqueConstraint(fields=["round", "category"], name="one_cap_per_category")]

    def __str__(self) -> str:
        return f"{self.round}：{CATEGORIES.get(self.category, self.category)}"

    def clean(self) -> None:
        if self.category not in CATEGORIES:
            raise ValidationError({"category": f"未知的预算科目：{self.category}"})
        if self.kind == CapKind.FORBIDDEN:
            self.value = None
        elif self.value is None or self.value < 0:
            raise ValidationError({"value": "请填写不小于0的上限值"})
        elif self.kind in (CapKind.PCT_GRANT, CapKind.PCT_TOTAL) and self.value > 100:
            raise ValidationError({"value": "百分比上限不能超过100"})


class WorkingDayOverride(models.Model):
    """One day of the State Council's holiday notice, entered by an officer (core.calendar overlays it).

    The `holidays` package carries each year's notice once it is published and a new version is
    installed; until then, and to correct it, officers enter days here. Entering any day of a year
    the package does not have vouches for that whole year, so enter the whole notice at once: every
    weekday off and every 调休 weekend day worked.
    """

    date = models.DateField(_("date"), unique=True)
    is_working_day = models.BooleanField(
        _("working day"), default=False,
        help_text=_("Tick for a make-up weekend day that is worked (调休上班); leave unticked for a day off."),
    )
    name = models.CharField(_("name"), max_length=50, blank=True, help_text=_("For example 国庆节 or 国庆节调休上班."))
    note = models.CharField(_("note"), max_length=200, blank=True, help_text=_("Where it comes from, such as the notice's number."))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("working day override")
        verbose_name_plural = _("working day overrides")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name}".strip()


class District(models.Model):
    """A district (区/县/市) of the area the program serves: officers keep the list, forms offer it."""

    name = models.CharField(_("name"), max_length=50, unique=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    active = models.BooleanField(_("offered in forms"), default=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Text")
    NUMBER = "number", _("Number")
    CHOICE = "choice", _("Choice")
    FILE = "file", _("File")


class RoundQuestion(models.Model):
    """An extra question a round asks every applicant, beside the standard application form."""

    round = models.ForeignKey(GrantRound, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    label = models.CharField(_("question"), max_length=200)
    help_text = models.CharField(_("explanation"), max_length=300, blank=True)
    kind = models.CharField(_("answer type"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.TEXT)
    choices = models.JSONField(_("options"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=False)

    class Meta:
        verbose_name = _("extra question")
        verbose_name_plural = _("extra questions")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        if self.kind == QuestionKind.CHOICE:
            options = [str(c).strip() for c in (self.choices or []) if str(c).strip()]
            if len(options) < 2:
                raise ValidationError({"choices": "选择题至少需要两个选项"})
            if len(set(options)) != len(options):
                raise ValidationError({"choices": "选择题的选项不能重复"})
            self.choices = options
        else:
            self.choices = []


def answer_file_path(instance: "QuestionAnswer", filename: str) -> str:
    return f"answers/{uuid.uuid4().hex}"


class QuestionAnswer(models.Model):
    """An applicant's answer to one extra question. Written only by projects.services.drafting (the
    application's own service); the submitted version keeps a copy in its snapshot."""

    question = models.ForeignKey(RoundQuestion, on_delete=models.PROTECT, related_name="answers")
    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="answers")
    value = models.TextField(_("answer"), blank=True)
    file = models.FileField(_("file"), storage=storage.protected, upload_to=answer_file_path, max_length=300, blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["question", "project"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return f"{self.question}：{self.file_name or self.value}"

    @property
    def display(self) -> str:
        return self.file_name if self.question.kind == QuestionKind.FILE else self.value


def call_document_path(instance: "CallDocument", filename: str) -> str:
    return f"calls/{uuid.uuid4().hex}"


class CallDocument(models.Model):
    """A document published with the round's call (公告): the full notice, forms to fill in, policies."""

    round = models.ForeignKey(GrantRound, on_delete=models.CASCADE, related_name="call_documents")
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), storage=storage.protected, upload_to=call_document_path, max_length=300)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("call document")
        verbose_name_plural = _("call documents")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class ChangeRecord(models.Model):
    """Append-only history of officers' changes to configuration and master data: rounds and what
    belongs to them, organizations, credit-list entries, districts. Before/after are the changed
    fields only, as display text, so the history reads the same after the model changes."""

    subject = models.CharField(_("what"), max_length=30)
    object_id = models.PositiveIntegerField(_("record"), null=True, blank=True)
    round = models.ForeignKey(GrantRound, on_delete=models.SET_NULL, null=True, blank=True, related_name="changes")
    organization = models.ForeignKey(Organization, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="changes")
    action = models.CharField(_("action"), max_length=20)
    before = models.JSONField(_("before"), default=dict, blank=True)
    after = models.JSONField(_("after"), default=dict, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("change record")
        verbose_name_plural = _("change records")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.subject} {self.action} {self.at:%Y-%m-%d %H:%M}"


from grants.organization_changes import OrganizationChangeRequest, OrganizationEvent, OrganizationVerification  # noqa: E402,F401
