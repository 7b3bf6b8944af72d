"""Starting a background job, and the one import for everything else done to jobs.

Apps call start_job with a kind they registered (documents.kinds); the row is created here and the
Celery message sent after commit. Claiming, progress and finishing are the worker's side
(documents.worker, documents.runs) and sending the message is documents.tasks; they are re-exported
so callers and tests need only this module.
"""
import hashlib
import json
import uuid

from django.db import IntegrityError, transaction

from documents.kinds import get_kind
from documents.models import JOB, Job
from documents.runs import lease_seconds, report_progress
from documents.tasks import dispatch_job, recover_stalled_jobs
from documents.worker import Claim, JobBusy, claim_job, complete_job, fail_job, record_event, run_job, worker_id

__all__ = [
    "Claim", "JobBusy", "claim_job", "complete_job", "dispatch_job", "fail_job", "lease_seconds",
    "recover_stalled_jobs", "report_progress", "run_job", "start_job", "worker_id",
]


def target_of(params: dict) -> str:
    """The parameters, canonically: the same request twice gives the same target."""
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def _live_job(actor, kind: str, target: str) -> Job | None:
    return (Job.objects.filter(owner=actor, kind=kind, target=target, state__in=JOB.group("live"))
            .order_by("-created_at", "-id").first())


def start_job(*, actor, kind: str, params: dict, total: int = 0) -> Job:
    """Creates the row; the worker gets it only after commit, so it always finds the row.

    Idempotent while the job lives: starting the same kind on the same target again (a double
    click, a retry after a broker outage) returns the queued or running job instead of a second one.
    The partial unique constraint settles two requests racing past the look-up."""
    get_kind(kind)
    target = target_of(params)
    existing = _live_job(actor, kind, target)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            job = Job.objects.create(owner=actor, kind=kind, params=params, progress_total=total,
                                     celery_task_id=uuid.uuid4().hex, target=target)
            record_event(job, "queued")
            transaction.on_commit(lambda: dispatch_job(job_id=job.pk, task_id=job.celery_task_id))
    except IntegrityError:
        existing = _live_job(actor, kind, target)
        if existing is None:
            raise
        return existing
    return job
