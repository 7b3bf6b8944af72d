import shutil
from pathlib import Path

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


@pytest.fixture(scope="session", autouse=True)
def own_media_root():
    """Each test process has its own MEDIA_ROOT (config/settings/test.py); it goes when the process ends."""
    from django.conf import settings

    root = Path(settings.MEDIA_ROOT)
    yield root
    if root.parent.name == "test-media":
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(autouse=True)
def published_holiday_schedules(request, monkeypatch):
    """Tests do not depend on whether next year's State Council holiday notice has reached the
    holidays package yet: for years after the package's last one, working days are Monday–Friday,
    as if an officer had entered an empty notice. Tests of the refusal itself (a year without a
    schedule) are marked `official_calendar`, and the pure calendar functions take their overlay as
    an argument, so neither sees this."""
    if request.node.get_closest_marker("official_calendar"):
        return
    from core import calendar
    from grants import workdays

    real = workdays.overlay
    future = frozenset(range(max(calendar.LIBRARY_YEARS) + 1, max(calendar.LIBRARY_YEARS) + 6))

    def overlay():
        entered = real()
        return calendar.WorkdayOverlay(entered.days, entered.years | future)

    monkeypatch.setattr(workdays, "overlay", overlay)
