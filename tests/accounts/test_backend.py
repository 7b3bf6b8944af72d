"""accounts.backends.ModelBackend: the request's user read by one plain query, as Django's would."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import ModelBackend

pytestmark = pytest.mark.django_db


def test_the_same_user_with_every_field_converted():
    user = get_user_model().objects.create_user(username="b1", password="pass-12345-x", display_name="张三")
    with CaptureQueriesContext(connection) as queries:
        ours = ModelBackend().get_user(str(user.pk))
    theirs = DjangoBackend().get_user(user.pk)
    assert len(queries) == 1
    assert ours == theirs
    fields = [f.attname for f in get_user_model()._meta.concrete_fields]
    assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]


def test_inactive_missing_and_malformed_ids_are_nobody():
    user = get_user_model().objects.create_user(username="b2", password="pass-12345-x", is_active=False)
    backend = ModelBackend()
    assert backend.get_user(user.pk) is None
    assert backend.get_user(user.pk + 1000) is None
    assert backend.get_user("not-a-number") is None


def test_a_login_through_the_form_lands_on_this_backend(client):
    get_user_model().objects.create_user(username="b3", password="pass-12345-x")
    response = client.post(reverse("login"), {"username": "b3", "password": "pass-12345-x"})
    assert response.status_code == 302
    assert client.session.get("_auth_user_backend") == "accounts.backends.ModelBackend"
