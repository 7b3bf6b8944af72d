"""Before/after of a change request as people read it: labels, 3A for 3, the type's name, never a code."""
from grants.models import OrgType, Rating
from grants.organization_changes import OrganizationChangeRequest
from grants.organization_services import LABELS


def shown(name: str, value) -> str:
    if value in (None, ""):
        return "—"
    if name == "rating":
        return Rating(int(value)).label
    if name == "org_type":
        return str(OrgType(value).label) if value in OrgType.values else str(value)
    return str(value)


def change_rows(change: OrganizationChangeRequest) -> list[tuple[str, str, str, bool]]:
    """(label, before, after, changed) for every fact the request names."""
    return [(LABELS.get(name, name), shown(name, change.before.get(name)), shown(name, value),
             change.before.get(name) != value)
            for name, value in change.after.items()]
