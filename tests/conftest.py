import pytest


@pytest.fixture
def world(db):
    from tests.builders import World

    return World()


@pytest.fixture(autouse=True)
def celery_mode(request):
    """Tasks run in-process even when the run has a broker (CI's second pass), except in the tests
    marked `redis`, which start a real worker and must reach it through the broker."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = request.node.get_closest_marker("redis") is None
    yield
    app.conf.task_always_eager = before


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with an empty cache: login-throttle counts must not leak between tests
    (every test client and the live server log in from 127.0.0.1)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
