"""The admin is a second door to the data: accounts change only through accounts.services (no
self-lockout, no superuser granted by a non-superuser, passwords checked), and rows the admin only shows
refuse a POST instead of saving themselves around the services."""
import pytest
from django.urls import reverse

from accounts.models import Role, User
from tests.admin_forms import form_values, staff_with_model_permissions, superuser
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Yichuang-2025-strong"


def user_url(user) -> str:
    return reverse("admin:accounts_user_change", args=[user.pk])


def test_an_admin_cannot_lock_themself_out(client):
    me = superuser()
    client.force_login(me)
    data = form_values(client, user_url(me))
    del data["is_active"]
    response = client.post(user_url(me), data)
    assert response.status_code == 200
    assert "不能停用自己的账号或取消自己的管理员权限" in response.content.decode()
    me.refresh_from_db()
    assert me.is_active


def test_only_a_superuser_grants_superuser(client):
    admin = staff_with_model_permissions(Role.ADMIN, "accounts")
    target = UserFactory(role=Role.OFFICER)
    client.force_login(admin)
    data = form_values(client, user_url(target))
    data["is_superuser"] = "on"
    data["display_name"] = "改名"
    response = client.post(user_url(target), data)
    assert response.status_code == 200 and "只有超级管理员可以授予超级管理员权限" in response.content.decode()
    target.refresh_from_db()
    assert not target.is_superuser and target.display_name != "改名"
    del data["is_superuser"]
    assert client.post(user_url(target), data).status_code == 302
    target.refresh_from_db()
    assert target.display_name == "改名"


def test_a_new_account_is_saved_by_the_service(client):
    client.force_login(superuser())
    response = client.post(reverse("admin:accounts_user_add"), {
        "username": "new-officer", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true",
        "role": Role.OFFICER, "display_name": "新管理员",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="new-officer")
    assert user.role == Role.OFFICER and user.check_password(NEW_PASSWORD)


def test_passwords_are_set_through_the_service(client):
    target = UserFactory(role=Role.OFFICER)
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    post = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    client.force_login(staff_with_model_permissions(Role.OFFICER, "accounts"))  # not a system administrator
    response = client.post(url, post, follow=True)
    assert "只有系统管理员可以维护用户账号" in response.content.decode()
    target.refresh_from_db()
    assert not target.check_password(NEW_PASSWORD)
    client.force_login(superuser())
    assert client.post(url, post).status_code == 302
    target.refresh_from_db()
    assert target.check_password(NEW_PASSWORD)


def test_accounts_are_never_deleted_and_read_only_rows_refuse_a_post(client, world):
    client.force_login(superuser())
    assert client.get(reverse("admin:accounts_user_delete", args=[world.member.pk])).status_code == 403
    notification = world.member.notifications.create(text="测试通知")
    url = reverse("admin:accounts_notification_change", args=[notification.pk])
    assert client.get(url).status_code == 200  # shown
    assert client.post(url, {"text": "改过", "read": "on"}).status_code == 403
    notification.refresh_from_db()
    assert notification.text == "测试通知" and not notification.read
