"""Two workers claiming one job at the same moment: the row lock lets exactly one through."""
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from documents import services, worker
from documents.models import Job, JobEvent
from projects.services.agreements import start_agreement_batch
from tests.builders import World
from tests.documents.conftest import approved_projects

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_concurrent_claims_give_the_job_to_exactly_one(monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no row locks (select_for_update is a no-op); runs in the PostgreSQL pass")
    world = World(pot=Decimal("50000000.00"))
    approved_projects(world, 1)
    monkeypatch.setattr(services, "dispatch_job", lambda **kw: None)  # the test plays the workers
    job = start_agreement_batch(actor=world.officer, round_id=world.round.pk)
    # Two runners in one test process: tell them apart as if they were on two hosts.
    ids = iter(["host-a:1", "host-b:2"])
    lock = threading.Lock()

    def next_id():
        with lock:
            return next(ids)

    monkeypatch.setattr(worker, "worker_id", next_id)
    results, barrier = [], threading.Barrier(2)

    def claim():
        try:
            barrier.wait()
            results.append(services.claim_job(job_id=job.pk))
        except services.JobBusy as busy:
            results.append(busy)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    claims = [r for r in results if isinstance(r, services.Claim)]
    assert len(claims) == 1 and len([r for r in results if isinstance(r, services.JobBusy)]) == 1
    assert Job.objects.get(pk=job.pk).attempt == 1
    assert JobEvent.objects.filter(job=job, action="claimed").count() == 1
