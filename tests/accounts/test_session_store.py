"""accounts.session_store reads a session as Django's database store does, with one plain query."""
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.session_store import SessionStore

pytestmark = pytest.mark.django_db


def _stored(data: dict, *, expires_in: timedelta) -> str:
    store = DjangoStore()
    store.update(data)
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


def test_a_live_session_reads_its_data_in_one_query():
    key = _stored({"a": 1, "名": "张三"}, expires_in=timedelta(hours=1))
    store = SessionStore(session_key=key)
    with CaptureQueriesContext(connection) as queries:
        assert store.load() == {"a": 1, "名": "张三"}
    assert len(queries) == 1
    assert store.session_key == key


def test_an_expired_session_is_empty_and_its_key_dropped_as_django_does():
    key = _stored({"a": 1}, expires_in=timedelta(seconds=-1))
    ours, django = SessionStore(session_key=key), DjangoStore(session_key=key)
    assert ours.load() == django.load() == {}
    assert ours.session_key is None and django.session_key is None


def test_a_missing_key_is_empty_and_a_save_makes_a_new_one():
    store = SessionStore(session_key="x" * 32)
    assert store.load() == {}
    assert store.session_key is None
    store["b"] = 2
    store.save()
    assert store.session_key and store.session_key != "x" * 32
    assert SessionStore(session_key=store.session_key).load() == {"b": 2}


def test_the_site_uses_it(client, django_user_model):
    user = django_user_model.objects.create_user(username="s1", password="pass-12345-x")
    client.force_login(user)
    assert type(client.session).__module__ == "accounts.session_store"
    assert client.get("/").status_code == 200
