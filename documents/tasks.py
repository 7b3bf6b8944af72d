"""Celery tasks: a job id in, everything else in documents.services.

acks_late + reject_on_worker_lost: a worker killed mid-job leaves its message to be delivered
again; the recovery sweep at worker start re-dispatches at once. Either way the job's row lock and
attempt fencing make the extra deliveries harmless.
"""
import logging

from celery import Task, shared_task
from celery.signals import worker_ready
from django.db import DatabaseError, InterfaceError, OperationalError
from kombu.exceptions import OperationalError as BrokerError

from documents import services

logger = logging.getLogger(__name__)

# Worth another try later: the database or the broker went away for a moment.
TRANSIENT = (OperationalError, InterfaceError, BrokerError, ConnectionError, TimeoutError)


class JobTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        # Only reached once the retries are used up (other errors already failed the job).
        services.fail_job(job_id=args[0], error=f"多次重试后仍然失败：{type(exc).__name__}: {exc}")


@shared_task(
    bind=True, base=JobTask, name="documents.run_job", acks_late=True, reject_on_worker_lost=True,
    autoretry_for=TRANSIENT, retry_backoff=2, retry_backoff_max=120, retry_jitter=True, max_retries=5,
    soft_time_limit=30 * 60, time_limit=32 * 60,
)
def run_job_task(self, job_id: int) -> None:
    try:
        services.run_job(job_id=job_id, transient=TRANSIENT)
    except services.JobBusy as busy:
        # Someone else is on it; check again when their lease would run out. A fresh message,
        # not a retry, so a long job elsewhere does not use up this task's retries.
        services.dispatch_job(job_id=job_id, countdown=busy.retry_in)


@worker_ready.connect
def recover_jobs_at_worker_start(sender=None, **kwargs) -> None:
    try:
        services.recover_stalled_jobs()
    except DatabaseError:
        logger.warning("could not look for stalled jobs at worker start", exc_info=True)
