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
