"""Password rules beyond Django's validators (等保 2.0: complexity and, per installation, expiry)."""
import string
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

CLASSES = (
    ("小写字母", set(string.ascii_lowercase)),
    ("大写字母", set(string.ascii_uppercase)),
    ("数字", set(string.digits)),
)


def character_classes(password: str) -> int:
    """Lower case, upper case, digits, and anything else (punctuation, spaces, Chinese) as the fourth."""
    found = sum(1 for _, chars in CLASSES if any(c in chars for c in password))
    others = any(not any(c in chars for _, chars in CLASSES) for c in password)
    return found + others


class CharacterClassesValidator:
    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self):
        return f"密码须至少包含小写字母、大写字母、数字、符号四类中的 {self.min_classes} 类"


def password_expired(user, now=None) -> bool:
    days = settings.PASSWORD_MAX_AGE_DAYS
    if not days or not user.has_usable_password():
        return False
    changed = user.password_changed_at or user.date_joined
    return (now or timezone.now()) - changed > timedelta(days=days)
