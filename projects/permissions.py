"""Who may do what to a project; used by the FSM `permission=` hooks and by selectors."""
from accounts.models import Role
from projects.states import MEMBER, TRANSITIONS


def is_member(user, organization_id: int) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    cache = getattr(user, "_org_ids", None)
    if cache is None:
        from grants.models import Membership

        cache = set(Membership.objects.filter(user=user).values_list("organization_id", flat=True))
        user._org_ids = cache
    return organization_id in cache


def may_transition(project, user, name: str) -> bool:
    spec = TRANSITIONS[name]
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if MEMBER in spec.roles and user.role == Role.APPLICANT and is_member(user, project.organization_id):
        return True
    staff_roles = [r for r in spec.roles if r != MEMBER]
    return bool(staff_roles) and user.has_role(*staff_roles)


def permission_for(name: str):
    def check(instance, user) -> bool:
        return may_transition(instance, user, name)

    check.__name__ = f"may_{name}"
    return check
