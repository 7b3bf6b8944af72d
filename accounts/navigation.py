"""The menu each role sees; apps register their entries here so base.html stays generic."""
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

# (url name, label, roles that see it). "applicant" means a member of an organization.
MENU = [
    ("applicant:dashboard", _("My applications"), {"applicant"}),
    ("applicant:organization", _("My organization"), {"applicant"}),
    ("reviewers:my_reviews", _("My reviews"), {"expert"}),
    ("projects:officer_list", _("Projects"), {"officer", "admin", "evaluator"}),
    ("rounds:list", _("Rounds"), {"officer", "admin"}),
    ("organizations:list", _("Organizations"), {"officer", "admin"}),
    ("reviewers:rounds", _("Expert review"), {"officer", "admin"}),
    ("monitoring:evaluations", _("Evaluations"), {"officer", "admin", "evaluator"}),
    ("monitoring:home", _("Monitoring"), {"officer", "admin"}),
    ("holidays", _("Holiday schedule"), {"officer", "admin"}),
    ("organizations:review", _("Organization records"), {"officer", "admin"}),
    ("reviewers:objections", _("Objections"), {"officer", "admin"}),
    ("finance:home", _("Finance"), {"finance", "admin"}),
    ("documents:jobs", _("Background jobs"), {"officer", "finance", "admin"}),
    ("audit_export", _("Audit export"), {"admin"}),
    ("admin:index", _("Administration"), {"admin"}),
    ("password_change", _("Change password"), {"applicant", "expert", "officer", "finance", "evaluator", "admin"}),
]


def nav_items(request) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": []}
    unread = user.notifications.filter(read=False).count()
    role = "admin" if user.is_admin else user.role
    items = []
    for name, label, roles in MENU:
        if name == "admin:index" and not user.is_staff:
            continue  # Django's admin only admits staff accounts
        if role in roles:
            try:
                items.append({"url": reverse(name), "label": label})
            except NoReverseMatch:
                continue  # that part of the product is not installed in this build
    return {"nav_items": items, "unread_notifications": unread}
