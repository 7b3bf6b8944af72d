"""The panel's second half of a round: the per-round panel policy (discussion, 现场答辩 weight,
preferences, fill-down), the discussion thread of a disputed project, score revisions made during
the discussion, and the oral defense (shortlist with time slots, the defense panel, its scores).

Kept apart from reviewers.models so the assignment side and this side change independently;
reviewers.models imports this module at its end so Django finds the models.
"""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from grants.models import GrantRound, Rating


class PreferenceMode(models.TextChoices):
    OFF = "off", _("Not used")
    BONUS = "bonus", _("Bonus points")
    TIEBREAK = "tiebreak", _("Tie-break only")


class PanelPolicy(models.Model):
    """Per-round settings of discussion, oral defense, preferences and fill-down. A round without a
    row behaves as the defaults: peers see each other after submitting, no defense, no preference."""

    round = models.OneToOneField(GrantRound, on_delete=models.CASCADE, related_name="panel_policy")
    peers_see_scores = models.BooleanField(
        _("panel sees each other's scores after submitting (disputed projects)"), default=True)
    discussion_until = models.DateField(_("discussion and revisions open until"), null=True, blank=True)
    defense_weight = models.DecimalField(
        _("oral defense weight (%)"), max_digits=5, decimal_places=2, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))])
    rating_mode = models.CharField(_("preference for a rating"), max_length=10, choices=PreferenceMode.choices,
                                   default=PreferenceMode.OFF)
    rating_min = models.PositiveSmallIntegerField(_("minimum rating preferred"), choices=Rating.choices,
                                                  default=Rating.A3)
    rating_bonus = models.DecimalField(_("bonus for the rating"), max_digits=5, decimal_places=2,
                                       default=Decimal("2"), validators=[MinValueValidator(Decimal("0"))])
    excellent_mode = models.CharField(_("preference for an earlier excellent grade"), max_length=10,
                                      choices=PreferenceMode.choices, default=PreferenceMode.OFF)
    excellent_bonus = models.DecimalField(_("bonus for an earlier excellent grade"), max_digits=5, decimal_places=2,
                                          default=Decimal("2"), validators=[MinValueValidator(Decimal("0"))])
    excellent_lookback_years = models.PositiveSmallIntegerField(_("excellent grade look-back (years)"), default=3)
    reserve_count = models.PositiveSmallIntegerField(_("reserve list length"), default=5)
    allow_cut = models.BooleanField(_("fill-down may cut the last funded amount"), default=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+")
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("panel policy")
        verbose_name_plural = _("panel policies")

    def __str__(self) -> str:
        return f"{self.round} 评审组设置"


class DiscussionPost(models.Model):
    """One message in the discussion of a disputed project (experts of its panel and officers)."""

    project = models.ForeignKey("projects.Project", on_delete=models.CASCADE, related_name="discussion_posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    author_label = models.CharField(_("author"), max_length=60)
    body = models.TextField(_("message"), max_length=2000)
    created_at = models.DateTimeField(_("posted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("discussion message")
        verbose_name_plural = _("discussion messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author_label}：{self.body[:30]}"


class ScoreRevision(models.Model):
    """A submitted score changed during the discussion: before, after and the reviewer's reason."""

    assignment = models.ForeignKey("reviewers.Assignment", on_delete=models.CASCADE, related_name="revisions")
    before_scores = models.JSONField(default=dict)
    before_total = models.DecimalField(max_digits=6, decimal_places=2)
    after_scores = models.JSONField(default=dict)
    after_total = models.DecimalField(max_digits=6, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=500)
    created_at = models.DateTimeField(_("revised at"), auto_now_add=True)

    class Meta:
        verbose_name = _("score revision")
        verbose_name_plural = _("score revisions")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.before_total} → {self.after_total}"


class DefenseSlot(models.Model):
    """A project shortlisted for the 现场答辩, with its time slot once scheduled."""

    round = models.ForeignKey(GrantRound, on_delete=models.CASCADE, related_name="defense_slots")
    project = models.OneToOneField("projects.Project", on_delete=models.CASCADE, related_name="defense_slot")
    starts_at = models.DateTimeField(_("starts at"), null=True, blank=True)
    minutes = models.PositiveSmallIntegerField(_("minutes"), default=15)
    place = models.CharField(_("place"), max_length=100, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("oral defense slot")
        verbose_name_plural = _("oral defense slots")
        ordering = ["starts_at", "id"]

    def __str__(self) -> str:
        return f"{self.project} 现场答辩"


class DefensePanelMember(models.Model):
    round = models.ForeignKey(GrantRound, on_delete=models.CASCADE, related_name="defense_panel")
    expert = models.ForeignKey("reviewers.Expert", on_delete=models.PROTECT, related_name="defense_rounds")

    class Meta:
        verbose_name = _("oral defense panel member")
        verbose_name_plural = _("oral defense panel members")
        constraints = [models.UniqueConstraint(fields=["round", "expert"], name="one_defense_seat_per_expert")]

    def __str__(self) -> str:
        return f"{self.round}：{self.expert}"


class DefenseScore(models.Model):
    slot = models.ForeignKey(DefenseSlot, on_delete=models.CASCADE, related_name="scores")
    expert = models.ForeignKey("reviewers.Expert", on_delete=models.PROTECT, related_name="defense_scores")
    score = models.DecimalField(_("defense score"), max_digits=5, decimal_places=2)
    comment = models.CharField(_("comment"), max_length=1000, blank=True)
    entered_at = models.DateTimeField(_("entered at"), auto_now=True)

    class Meta:
        verbose_name = _("oral defense score")
        verbose_name_plural = _("oral defense scores")
        constraints = [models.UniqueConstraint(fields=["slot", "expert"], name="one_defense_score_per_expert")]

    def __str__(self) -> str:
        return f"{self.expert}：{self.score}"


class PanelAudit(models.Model):
    """Append-only trail of round-level panel changes (policy with before/after, defense panel,
    shortlist and schedule, fill-down confirmations); project-level steps also go on the project's
    own trail (projects.ProjectEvent)."""

    round = models.ForeignKey(GrantRound, on_delete=models.CASCADE, related_name="panel_audit")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(_("action"), max_length=40)
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("panel audit entry")
        verbose_name_plural = _("panel audit entries")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.round}：{self.comment}"
