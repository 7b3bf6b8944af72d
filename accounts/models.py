"""Users and their role.

A separate small app because every other app checks roles, and Django needs the custom user
model in the very first migration.
"""
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    APPLICANT = "applicant", _("Applicant organization staff")
    OFFICER = "officer", _("Program officer")
    EXPERT = "expert", _("Expert reviewer")
    FINANCE = "finance", _("Finance officer")
    EVALUATOR = "evaluator", _("Evaluator")
    ADMIN = "admin", _("Administrator")


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.APPLICANT)
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    # 分级授权: the largest disbursement batch this finance officer may approve alone (审批); empty
    # means no limit. A larger batch waits for an approver whose limit covers it.
    approval_limit = models.DecimalField(_("approval limit (yuan)"), max_digits=14, decimal_places=2, null=True,
                                         blank=True)
    # When the password was last set: PASSWORD_MAX_AGE_DAYS (off by default) sends a person whose
    # password is older to the change-password page. Empty for accounts older than the rule: date_joined.
    password_changed_at = models.DateTimeField(_("password changed"), null=True, blank=True, editable=False)
    # Notification e-mail once a day (one digest of what arrived) instead of one e-mail per event;
    # the in-app notifications arrive at once either way (accounts.digest).
    email_digest = models.BooleanField(_("daily e-mail digest"), default=False)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def set_password(self, raw_password):
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    @property
    def is_admin(self) -> bool:
        return self.is_active and (self.is_superuser or self.role == Role.ADMIN)

    def has_role(self, *roles: str) -> bool:
        """Admins may act in any staff role, but never as an applicant organization's member."""
        if not self.is_authenticated or not self.is_active:
            return False
        if self.role in roles:
            return True
        return self.is_admin and any(r != Role.APPLICANT for r in roles)

    @property
    def is_staff_role(self) -> bool:
        return self.role in {Role.OFFICER, Role.FINANCE, Role.EVALUATOR, Role.ADMIN} or self.is_superuser


class NotificationKind(models.TextChoices):
    """What a notification is about: who gets which is decided by the app that sends it."""

    PROJECT_UPDATE = "project_update", _("Project update")
    DECISION = "decision", _("Funding decision")
    MILESTONE = "milestone", _("Milestone reminder")
    EXPERT_ASSIGNED = "expert_assigned", _("Review assigned")
    EXPERT_REPLACED = "expert_replaced", _("Removed from a review panel")
    REVIEW_REOPENED = "review_reopened", _("Review reopened")
    REVIEW_DUE_SOON = "review_due_soon", _("Review deadline in three days")
    REVIEW_OVERDUE = "review_overdue", _("Review overdue")
    REVIEW_WINDOW_EXTENDED = "review_window_extended", _("Review window extended")
    SUBMISSION = "submission", _("Application submitted")
    RESUBMISSION = "resubmission", _("Application resubmitted")
    REPORT_SUBMITTED = "report_submitted", _("Report submitted")
    ADJUSTMENT_REQUESTED = "adjustment_requested", _("Budget adjustment requested")
    OBJECTION = "objection", _("Objection in the public notice")
    EVALUATION_DUE = "evaluation_due", _("Evaluation due")
    BATCH_STEP = "batch_step", _("Disbursement batch waiting")
    TRANCHE_PAYABLE = "tranche_payable", _("Tranche payable")
    TRANSFER_FAILED = "transfer_failed", _("Transfer failed")
    BANK_DETAILS = "bank_details", _("Account for payments")
    OTHER = "other", _("Other")


class Notification(models.Model):
    """An in-app message to one person about one project; the email copy is sent after commit, at
    once or in the person's daily digest (User.email_digest)."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    read = models.BooleanField(_("read"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    # What the notification is about (e.g. "event:42"), so a retried sender does not notify twice:
    # the unique (recipient, key) pair makes the second insert fail, whatever raced it.
    key = models.CharField(max_length=100, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices,
                            default=NotificationKind.OTHER, db_index=True)
    # When its e-mail was handed to the mailer (at once, or with the digest); empty while a digest
    # reader's notification waits for the next digest.
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    digest = models.ForeignKey("DigestSent", on_delete=models.SET_NULL, null=True, blank=True, related_name="items")

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created", "-id"]
        indexes = [models.Index(fields=["recipient", "read"])]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], condition=~models.Q(key=""), name="one_notification_per_key")
        ]

    def __str__(self) -> str:
        return self.text


class DigestSent(models.Model):
    """One daily digest e-mail to one person: the unique (user, day) pair lets the digest command run
    twice a day (or on two machines) and still send one e-mail."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(_("day"))
    count = models.PositiveIntegerField(_("notifications"), default=0)
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("daily digest")
        verbose_name_plural = _("daily digests")
        constraints = [models.UniqueConstraint(fields=["user", "day"], name="one_digest_per_user_and_day")]

    def __str__(self) -> str:
        return f"{self.user} {self.day}"


class SecurityEvent(models.Model):
    """The security log (等保 2.0 安全审计): who did what that matters to account security, from where.

    Append-only: rows are written by accounts.security.record and never changed or deleted here;
    the admin shows them read-only and an administrator exports them by date range."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("Logged in")
        LOGOUT = "logout", _("Logged out")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOCKED_OUT = "locked_out", _("Locked out after failed logins")
        LOCKOUT_RESET = "lockout_reset", _("Lockout reset by an administrator")
        SESSION_EXPIRED = "session_expired", _("Session expired")
        PASSWORD_CHANGED = "password_changed", _("Password changed")
        PASSWORD_RESET_REQUESTED = "password_reset_requested", _("Password reset requested")
        OTP_ENROLLED = "otp_enrolled", _("Second factor enrolled")
        OTP_VERIFIED = "otp_verified", _("Second factor verified")
        OTP_FAILED = "otp_failed", _("Second factor failed")
        OTP_RECOVERY_USED = "otp_recovery_used", _("Recovery code used")
        OTP_REMOVED = "otp_removed", _("Second factor removed")
        ACCOUNT_CHANGED = "account_changed", _("Account, role or permissions changed")
        MONEY_FILE_EXPORTED = "money_file_exported", _("Money file exported")
        AUDIT_EXPORTED = "audit_exported", _("Audit trail exported")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=40, choices=Kind.choices, db_index=True)
    user = models.ForeignKey(User, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("user"))
    username = models.CharField(_("user name typed"), max_length=150, blank=True)
    ip_address = models.CharField(_("address"), max_length=64, blank=True)
    user_agent = models.CharField(_("browser"), max_length=300, blank=True)
    detail = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("security events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("security events are append-only")


class LoginFailure(models.Model):
    """Failed logins of one user name from one address in the current window (accounts.throttle).

    In the database rather than the cache: every worker sees the same count and a cache outage
    neither opens nor closes the door. A row whose lock is running is a lockout an administrator
    sees and may reset in the admin."""

    username = models.CharField(_("user name"), max_length=150)
    ip_address = models.CharField(_("address"), max_length=64)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    window_start = models.DateTimeField(_("first failure"))
    last_failure = models.DateTimeField(_("last failure"), db_index=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("failed login count")
        verbose_name_plural = _("failed logins and lockouts")
        ordering = ["-last_failure"]
        constraints = [models.UniqueConstraint(fields=["username", "ip_address"], name="one_failure_count_per_name_and_address")]
        indexes = [models.Index(fields=["ip_address", "last_failure"])]

    def __str__(self) -> str:
        return f"{self.username} @ {self.ip_address}"


class RateCounter(models.Model):
    """Requests of one kind from one client in one fixed window (accounts.ratelimit)."""

    key = models.CharField(max_length=200, unique=True)
    window_start = models.DateTimeField(db_index=True)
    count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.key}: {self.count}"
