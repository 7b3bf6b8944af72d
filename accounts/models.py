"""Users and their role.

A separate small app because every other app checks roles, and Django needs the custom user
model in the very first migration.
"""
from django.contrib.auth.models import AbstractUser
from django.db import models
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

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

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


class Notification(models.Model):
    """An in-app message to one person about one project; the email copy is sent after commit."""

    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    project = models.ForeignKey(
        "projects.Project", on_delete=models.CASCADE, null=True, blank=True, related_name="notifications"
    )
    text = models.CharField(_("text"), max_length=500)
    url = models.CharField(_("link"), max_length=300, blank=True)
    read = models.BooleanField(_("read"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    # What the notification is about (e.g. "event:42"), so a retried sender does not notify twice.
    key = models.CharField(max_length=100, blank=True)

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
