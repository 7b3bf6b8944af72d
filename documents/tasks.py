"""Celery tasks: a job id in, the work in documents.worker; sending the message lives here too.

acks_late + reject_on_worker_lost: a worker killed mid-job leaves its message to be delivered
again; the recovery sweep at worker start re-dispatches at once. Either way the job's row lock and
attempt fencing make the extra deliveries harmless.
"""
import logging
from datetime import datetime

from celery import Task, shared_task
from celery.signals import worker_ready
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from documents import worker

logger = logging.getLogger(__name__)

# Worth another try later: the database or the broker went away for a moment.
TRANSIENT = (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)


class JobTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Only reached once the retries are used up (other errors already failed the job).
        worker.fail_job(job_id=args[0], error=f"多次重试后仍然失败：{type(exc).__name__}: {exc}")


@shared_task(
    bind=True, base=JobTask, name="documents.run_job", acks_late=True, reject_on_worker_lost=True,
    autoretry_for=TRANSIENT, retry_backoff=2, retry_backoff_max=120, retry_jitter=True, max_retries=5,
    soft_time_limit=30 * 60, time_limit=32 * 60,
)
def run_job_task(self, job_id: int) -> None:
    try:
        worker.run_job(job_id=job_id, transient=TRANSIENT)
    except worker.JobBusy as busy:
        # Someone else is on it; check again when their lease would run out. A fresh message,
        # not a retry, so a long job elsewhere does not use up this task's retries.
        dispatch_job(job_id=job_id, countdown=busy.retry_in)


def dispatch_job(*, job_id: int, task_id: str | None = None, countdown: int | None = None) -> None:
    run_job_task.apply_async(args=[job_id], task_id=task_id, countdown=countdown)


def recover_stalled_jobs(*, now: datetime | None = None, queued_grace: int = 60) -> list[int]:
    """At worker start: re-dispatch jobs whose runner died and jobs whose message may be lost.
    Duplicates are harmless: claiming is idempotent."""
    dispatched = []
    for job_id, countdown in worker.stalled_jobs(now=now or timezone.now(), queued_grace=queued_grace):
        dispatch_job(job_id=job_id, countdown=countdown)
        dispatched.append(job_id)
    return dispatched


@worker_ready.connect
def recover_jobs_at_worker_start(sender=None, **kwargs) -> None:
    try:
        recover_stalled_jobs()
    except DatabaseError:
        logger.warning("could not look for stalled jobs at worker start", exc_info=True)
