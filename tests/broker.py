"""A Celery broker that is down, for the fault tests, whatever broker the run itself uses.

Celery reads the broker URL from the environment before its configuration (`conf.broker_url` is a
property that returns `$CELERY_BROKER_URL` first), so in CI's second pass, which exports
CELERY_BROKER_URL=redis://…, setting `conf.broker_url` alone changes nothing: the message reaches
the real Redis and the "broker down" test sees a broker that is up. The variables are removed for
the test (and put back after), and the app's cached connection and producer pools are dropped
both ways, as after a fork, so no pool opened for another URL is reused.
"""
from contextlib import contextmanager

import pytest

from config.celery import app as celery_app

CLOSED_PORT_BROKER = "redis://127.0.0.1:9/0"  # the discard port: nothing listens there
BROKER_ENV = ("CELERY_BROKER_URL", "CELERY_BROKER_WRITE_URL", "CELERY_BROKER_READ_URL")


@contextmanager
def broker_unreachable(monkeypatch: pytest.MonkeyPatch):
    saved = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    with monkeypatch.context() as patched:
        for name in BROKER_ENV:
            patched.delenv(name, raising=False)
        celery_app.conf.task_always_eager = False
        celery_app.conf.broker_url = CLOSED_PORT_BROKER
        celery_app._after_fork()
        try:
            connection = celery_app.connection_for_write()
            assert (connection.hostname, connection.port) == ("127.0.0.1", 9), connection.as_uri()
            yield
        finally:
            celery_app.conf.task_always_eager, celery_app.conf.broker_url = saved
            celery_app._after_fork()
    celery_app._after_fork()


@pytest.fixture
def broker_down(monkeypatch):
    with broker_unreachable(monkeypatch):
        yield
