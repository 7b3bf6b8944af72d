"""Before/after of a change request as people read it: labels, 3A for 3, the type's name, never a code."""
from django.utils.translation import gettext_lazy as _

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


EVENT_LABELS = {
    "registered": _("Registered on the platform"),
    "verified": _("Verified by the program officer"),
    "contact_changed": _("Contact details changed"),
    "rating_change_requested": _("Rating correction requested"),
    "rating_change_approved": _("Rating correction approved"),
    "rating_change_rejected": _("Rating correction rejected"),
    "registration_change_requested": _("Registration facts correction requested"),
    "registration_change_approved": _("Registration facts correction approved"),
    "registration_change_rejected": _("Registration facts correction rejected"),
}


def history_rows(events) -> list[dict]:
    """The record's audit trail as people read it: what, who, when, and each changed fact before → after."""
    rows = []
    for event in events:
        names = list(dict.fromkeys([*event.before, *event.after]))
        changes = [(LABELS.get(n, n), shown(n, event.before.get(n)), shown(n, event.after.get(n)))
                   for n in names if event.after and event.before.get(n) != event.after.get(n)]
        rows.append({"label": EVENT_LABELS.get(event.action, event.action), "actor": event.actor, "at": event.at,
                     "changes": changes, "comment": event.comment})
    return rows
