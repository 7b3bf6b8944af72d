"""Chinese error pages; a CSRF failure keeps everything typed and files it on one more click."""
import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, override_settings
from django.urls import reverse
from django.views import defaults

from projects.states import State
from tests.builders import PASSWORD


def _csrf_client(world) -> Client:
    c = Client(enforce_csrf_checks=True)
    assert c.login(username=world.member.username, password=PASSWORD)
    return c


def test_an_expired_report_form_is_shown_again_with_the_typed_report(world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    c = _csrf_client(world)
    url = reverse("applicant:reports", args=[project.pk])
    narrative = "本季度开展社区活动12场，服务老人300人次。\n下季度计划……"
    response = c.post(url, {"csrfmiddlewaretoken": "stale-token-from-an-old-page", "kind": "progress",
                            "narrative": narrative, "_version": "1"})
    body = response.content.decode()
    assert response.status_code == 403
    assert "页面已过期，请重新提交" in body and "DEBUG" not in body
    assert f">{narrative}</textarea>" in body.replace("&#x27;", "'")
    assert 'name="kind" value="progress"' in body and "progress</textarea>" not in body  # a code rides hidden
    assert f'action="{url}"' in body
    # the fresh token on that page files the report
    token = body.split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    again = c.post(url, {"csrfmiddlewaretoken": token, "kind": "progress", "narrative": narrative})
    assert again.status_code == 302 and project.reports.get().narrative == narrative


def test_the_csrf_page_never_echoes_a_password(world):
    project = world.draft()
    c = _csrf_client(world)
    body = c.post(reverse("applicant:section", args=[project.pk, "basic"]),
                  {"summary": "简介", "new_password1": "secret-typed"}).content.decode()
    assert "页面已过期" in body and "简介" in body and "secret-typed" not in body


def test_an_expired_login_page_opens_again_with_a_message(db):
    c = Client(enforce_csrf_checks=True)
    response = c.post(reverse("login"), {"username": "someone", "password": "secret-typed"}, follow=True)
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == reverse("login")
    assert "页面已过期，请重新提交" in body and "secret-typed" not in body


def test_autosave_with_an_expired_token_gets_json(world):
    project = world.draft()
    c = _csrf_client(world)
    response = c.post(reverse("applicant:section", args=[project.pk, "basic"]), {"summary": "x"},
                      HTTP_X_AUTOSAVE="1")
    assert response.status_code == 403 and response.json()["code"] == "csrf_expired"


@override_settings(DEBUG=False)
@pytest.mark.parametrize(("path", "status", "text"), [
    ("/no-such-page/", 404, "未找到该页面或文件"),
])
def test_not_found_is_chinese(db, path, status, text):
    response = Client().get(path)
    assert response.status_code == status and text in response.content.decode()


def test_forbidden_and_server_error_templates_are_chinese(rf):
    request = rf.get("/")
    request.user = AnonymousUser()
    forbidden = defaults.permission_denied(request, Exception("x")).content.decode()
    server = defaults.server_error(rf.get("/")).content.decode()
    assert "您无权访问此页面" in forbidden and "Forbidden" not in forbidden
    assert "系统出现了问题" in server


def test_a_button_address_opened_directly_gets_a_chinese_page_not_the_browsers(world):
    """Signing and logging out answer only their buttons' POST; a bookmark or a reload of the address
    used to show the browser's English "HTTP ERROR 405" for Django's empty answer."""
    project = world.advance(world.draft(), State.APPROVED)
    c = Client()
    assert c.login(username=world.member.username, password=PASSWORD)
    for url in (reverse("applicant:sign", args=[project.pk]), reverse("logout")):
        response = c.get(url)
        body = response.content.decode()
        assert response.status_code == 405 and "POST" in response["Allow"]
        assert "只能通过页面上的按钮提交" in body and "<html" in body
    assert c.get(reverse("applicant:agreement", args=[project.pk])).status_code == 200  # still logged in
