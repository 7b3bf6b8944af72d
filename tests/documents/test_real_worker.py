"""A real Celery worker on Redis and PostgreSQL: progress, download, and a worker killed mid-job.

Runs in CI's PostgreSQL + Redis pass. The worker is another process, so it must use the same test
database (pytest-django's test_<name>) and see committed rows (transactional test).
"""
import io
import os
import signal
import subprocess
import sys
import time
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse

from documents.models import Job, JobEvent, JobState
from projects import agreements
from projects.services.agreements import start_agreement_batch
from tests.builders import World
from tests.documents.conftest import approved_projects

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

BASE_DIR = Path(settings.BASE_DIR)
LOGS = BASE_DIR / "test-artifacts" / "celery"


@pytest.fixture
def worker_env():
    broker = os.environ.get("CELERY_BROKER_URL")
    if not broker:
        pytest.skip("needs CELERY_BROKER_URL (a Redis broker); CI sets it in the PostgreSQL pass")
    if connection.vendor != "postgresql":
        pytest.skip("a worker process cannot share pytest's in-memory SQLite database; needs PostgreSQL")
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test", CELERY_BROKER_URL=broker,
               DATABASE_URL=f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}")
    from config.celery import app

    app.control.purge()  # messages left by an earlier run point at rows that no longer exist
    return env


@pytest.fixture
def workers(worker_env):
    started: list[subprocess.Popen] = []
    LOGS.mkdir(parents=True, exist_ok=True)

    def start(name: str) -> subprocess.Popen:
        # the worker keeps its own copy of the log descriptor; ours can be closed once it is started
        with open(LOGS / f"{name}.log", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1",
                 "--without-gossip", "--without-mingle", "--loglevel=INFO", "-n", f"{name}@%h"],
                cwd=BASE_DIR, env=worker_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)


def wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}; worker logs in {LOGS}")


def test_a_batch_runs_on_a_real_worker_and_survives_a_killed_worker(client, workers):
    world = World(pot=Decimal("50000000.00"))
    projects = approved_projects(world, 10)
    job = start_agreement_batch(actor=world.officer, round_id=world.round.pk)  # dispatched on commit

    first = workers("docs-first")
    seen = set()

    def midway():
        current = Job.objects.get(pk=job.pk)
        seen.add(current.progress_done)
        return current if 2 <= current.progress_done < current.progress_total else None

    wait_for(midway, 60, "the first worker to render two agreements")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    killed = Job.objects.get(pk=job.pk)
    assert killed.state == JobState.RUNNING and killed.progress_done < killed.progress_total

    workers("docs-second")
    done = wait_for(lambda: Job.objects.filter(pk=job.pk, state=JobState.DONE).first(), 90,
                    "the second worker to finish the job")

    assert any(0 < n < len(projects) for n in seen)  # progress was reported along the way
    assert (done.progress_done, done.progress_total, done.attempt) == (10, 10, 2)
    assert JobEvent.objects.filter(job=job, action="done").count() == 1
    assert JobEvent.objects.filter(job=job, action="taken_over").count() == 1

    client.force_login(world.officer)
    response = client.get(reverse("documents:job_download", args=[job.pk]))
    assert response.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).namelist()
    assert sorted(names) == sorted(agreements.filename(p) for p in projects)  # each exactly once
