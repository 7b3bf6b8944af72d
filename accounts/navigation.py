"""The menu each role sees; apps register their entries here so base.html stays generic."""
from django.db import connection
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import Notification

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


def unread_count(user) -> int:
    """`user.notifications.filter(read=False).count()` as one plain query: every page's menu shows it,
    and building the ORM's COUNT query cost about as much CPU as the rest of the menu (0.3 ms a page)."""
    meta = Notification._meta
    quote = connection.ops.quote_name
    sql = (f"SELECT COUNT(*) FROM {quote(meta.db_table)} WHERE {quote(meta.get_field('recipient').column)} = %s "
           f"AND NOT {quote(meta.get_field('read').column)}")
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        return cursor.fetchone()[0]


def nav_items(request) -> dict:
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": []}
    unread = unread_count(user)
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
