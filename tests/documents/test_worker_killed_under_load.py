"""Several agreement batches queued on a real worker that is killed mid-job: after restart (two
workers now, so they also race for the leftovers) every job finishes exactly once, complete.

The issue-8 variant of test_real_worker.py; it needs Redis and PostgreSQL and skips otherwise.
"""
import io
import os
import signal
import zipfile
from decimal import Decimal

import pytest

from documents.models import Job, JobEvent, JobState
from projects import agreements
from projects.services.agreements import start_agreement_batch
from tests.builders import World
from tests.documents.conftest import approved_projects
from tests.documents.test_real_worker import wait_for, worker_env, workers  # noqa: F401 (fixtures)
from tests.factories import UserFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
JOBS = 4
PROJECTS = 3


def test_queued_jobs_behind_a_killed_worker_each_finish_exactly_once(workers):  # noqa: F811
    world = World(pot=Decimal("50000000.00"))
    projects = approved_projects(world, PROJECTS)
    # One officer each: starting the same round's batch again while it lives returns the same job.
    jobs = [start_agreement_batch(actor=UserFactory(role="officer"), round_id=world.round.pk) for _ in range(JOBS)]

    first = workers("load-first")  # one process: the other jobs wait in the queue behind it
    wait_for(lambda: Job.objects.filter(pk__in=[j.pk for j in jobs], state=JobState.RUNNING,
                                        progress_done__gte=1).exists(), 90, "a job to be half done")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    interrupted = Job.objects.filter(pk__in=[j.pk for j in jobs], state=JobState.RUNNING).count()
    assert interrupted == 1

    workers("load-second")
    workers("load-third")
    wait_for(lambda: Job.objects.filter(pk__in=[j.pk for j in jobs], state=JobState.DONE).count() == JOBS, 240,
             "every job to finish")

    expected = sorted(agreements.filename(p) for p in projects)
    for job in Job.objects.filter(pk__in=[j.pk for j in jobs]):
        assert (job.progress_done, job.progress_total) == (PROJECTS, PROJECTS)
        assert JobEvent.objects.filter(job=job, action="done").count() == 1
        with job.result.open("rb") as handle:
            assert sorted(zipfile.ZipFile(io.BytesIO(handle.read())).namelist()) == expected
    attempts = sorted(Job.objects.filter(pk__in=[j.pk for j in jobs]).values_list("attempt", flat=True))
    assert attempts == [1] * (JOBS - 1) + [2]  # only the interrupted job ran twice
    assert JobEvent.objects.filter(job__in=jobs, action="taken_over").count() == 1
