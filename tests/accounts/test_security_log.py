"""The security log (finding 9: logins, logouts and failed logins were not recorded; the audit trail
could not be exported): append-only, read-only in the admin, exported by an administrator as xlsx."""
import io
from datetime import timedelta

import openpyxl
import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from accounts import security
from accounts.models import SecurityEvent
from tests.factories import UserFactory
from tests.security.scene import build_scene

pytestmark = pytest.mark.django_db
Kind = SecurityEvent.Kind


def kinds_for(user) -> list[str]:
    return list(SecurityEvent.objects.filter(user=user).order_by("id").values_list("kind", flat=True))


def test_login_logout_and_failed_login_are_recorded_with_address_and_browser(client):
    user = UserFactory()
    client.post(reverse("login"), {"username": user.username, "password": "wrong"},
                REMOTE_ADDR="10.2.3.4", HTTP_USER_AGENT="Firefox/140")
    client.post(reverse("login"), {"username": user.username, "password": "pass-12345"},
                REMOTE_ADDR="10.2.3.4", HTTP_USER_AGENT="Firefox/140")
    client.post(reverse("logout"), REMOTE_ADDR="10.2.3.4")
    failed = SecurityEvent.objects.get(kind=Kind.LOGIN_FAILED)
    assert (failed.username, failed.ip_address, failed.user_agent) == (user.username, "10.2.3.4", "Firefox/140")
    assert kinds_for(user) == [Kind.LOGIN, Kind.LOGOUT]


def test_events_are_append_only():
    event = security.record(Kind.LOGIN_FAILED, username="x")
    event.detail = {"changed": True}
    with pytest.raises(ValueError):
        event.save()
    with pytest.raises(ValueError):
        event.delete()


@pytest.fixture
def administrator(client):
    admin_user = UserFactory(role="admin", is_staff=True, is_superuser=True)
    client.force_login(admin_user)
    return admin_user


def test_the_admin_shows_the_log_read_only(client, administrator):
    event = security.record(Kind.LOGIN_FAILED, username="someone")
    assert client.get(reverse("admin:accounts_securityevent_changelist")).status_code == 200
    url = reverse("admin:accounts_securityevent_change", args=[event.pk])
    client.post(url, {"username": "edited"})
    assert client.post(reverse("admin:accounts_securityevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.username == "someone"


def test_role_and_permission_changes_are_recorded(client, administrator):
    officer = UserFactory(role="officer")
    group = Group.objects.create(name="审核")
    url = reverse("admin:accounts_user_change", args=[officer.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and k not in ("password", "groups",
                                                                                 "user_permissions")}
    data.update({"role": "finance", "is_active": "on", "groups": [group.pk], "date_joined_0": "2026-01-01",
                 "date_joined_1": "00:00:00", "last_login_0": "", "last_login_1": "", "approval_limit": ""})
    data.pop("date_joined", None)
    data.pop("last_login", None)
    data.pop("is_staff", None)
    data.pop("is_superuser", None)
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    changes = [e.detail["changes"] for e in SecurityEvent.objects.filter(kind=Kind.ACCOUNT_CHANGED, user=officer)]
    assert {"role": ["officer", "finance"]} in changes
    assert any(c.get("groups", {}).get("added") == ["审核"] for c in changes)


def sheet(response):
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cells = list(workbook.active.iter_rows())
    assert all(c.data_type != "f" for row in cells for c in row)  # text stays text, never a formula
    return [[c.value for c in row] for row in cells]


def test_an_administrator_exports_the_security_log_by_date_range(client, administrator):
    security.record(Kind.LOGIN_FAILED, username="=HYPERLINK(\"http://x\")")
    today = timezone.localdate()
    response = client.get(reverse("audit_export"), {"trail": "security", "first": today.isoformat(),
                                                    "last": today.isoformat()})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    rows = sheet(response)
    names = [r[3] for r in rows[1:]]
    assert '=HYPERLINK("http://x")' in names  # exact, in a string cell (core.escaping)
    earlier = client.get(reverse("audit_export"), {"trail": "security", "first": (today - timedelta(days=9)).isoformat(),
                                                   "last": (today - timedelta(days=8)).isoformat()})
    assert len(sheet(earlier)) == 1  # headers only
    assert SecurityEvent.objects.filter(kind=Kind.AUDIT_EXPORTED, user=administrator).count() == 2


def test_configuration_and_project_trails_export_too(client, administrator, world):
    LogEntry.objects.create(user=administrator, content_type=ContentType.objects.get_for_model(Group),
                            object_id="1", object_repr="审核组", action_flag=CHANGE, change_message="改名")
    project = world.advance(world.draft(title="=cmd|' /C calc'!A0"), "submitted")
    today = timezone.localdate().isoformat()
    config = sheet(client.get(reverse("audit_export"), {"trail": "configuration", "first": today, "last": today}))
    assert any("审核组" in (r[5] or "") for r in config[1:])
    rows = sheet(client.get(reverse("audit_export"), {"trail": "projects", "first": today, "last": today}))
    mine = [r for r in rows[1:] if r[1] == str(project.pk)]
    assert mine and all(not r[2].startswith("=") for r in mine)


@pytest.mark.parametrize("role", ["officer", "finance", "applicant", "evaluator"])
def test_only_an_administrator_exports(client, role):
    client.force_login(UserFactory(role=role))
    assert client.get(reverse("audit_export"), {"trail": "security"}).status_code == 403


def test_bank_file_and_list_exports_are_recorded(client):
    scene = build_scene()
    finance = scene.users["finance"]
    client.force_login(finance)
    client.get(reverse("finance:export_list", args=[scene.batch.pk]))
    events = SecurityEvent.objects.filter(kind=Kind.MONEY_FILE_EXPORTED, user=finance)
    assert events.count() == 1 and events.get().detail["batch"] == scene.batch.number
