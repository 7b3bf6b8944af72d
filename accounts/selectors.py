"""Who holds a role: the people a notice goes to."""
from django.db.models import QuerySet

from accounts.models import Role, User


def program_officers() -> QuerySet[User]:
    """Active program officers and administrators (who act as officers)."""
    return User.objects.filter(role__in=[Role.OFFICER, Role.ADMIN], is_active=True)
