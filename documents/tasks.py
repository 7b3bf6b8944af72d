"""Celery tasks: a job id in, the work in documents.worker; sending the message lives here too.

acks_late + reject_on_worker_lost: a worker killed mid-job leaves its message to be delivered
again; the recovery sweep at worker start re-dispatches at once. Either way the job's row lock and
attempt fencing make the extra deliveries harmless.

With the broker down, sending fails quickly and is logged; the job stays queued (the page that
started it works) and the periodic sweep (celery beat, `documents.sweep_jobs`) sends it again once
the broker is back. The Job row is the unit: a message sent twice still runs the job once.
"""
import logging
from datetime import datetime

from celery import Task, shared_task
from celery.signals import worker_ready
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from documents import worker
from documents.models import Job

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


# Sending gives up after about a second: a request must not hang on kombu's reconnection loop.
SEND_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5, "interval_max": 0.5}


def dispatch_job(*, job_id: int, task_id: str | None = None, countdown: int | None = None) -> bool:
    """Sends the job's message; False (logged, the job stays queued for the sweep) when the broker is away."""
    try:
        run_job_task.apply_async(args=[job_id], task_id=task_id, countdown=countdown,
                                 retry=True, retry_policy=SEND_RETRY_POLICY)
    except TRANSIENT:
        logger.warning("could not send job %s to the broker; the sweep will send it again", job_id, exc_info=True)
        return False
    return True


def sweep_minutes() -> int:
    """How long a queued job waits for its message before the sweep sends it again."""
    return int(getattr(settings, "YICHUANG_JOB_SWEEP_MINUTES", 5))


def recover_stalled_jobs(*, now: datetime | None = None, queued_grace: int = 60) -> list[int]:
    """Re-dispatches jobs whose runner died and jobs whose message may be lost (at worker start and
    from the periodic sweep). Duplicates are harmless: claiming is idempotent. A queued job sent
    again is stamped (updated_at), so a backlog is sent at most once per grace period."""
    now = now or timezone.now()
    dispatched = []
    for job_id, countdown in worker.stalled_jobs(now=now, queued_grace=queued_grace):
        if dispatch_job(job_id=job_id, countdown=countdown) is False:
            break  # the broker is still away: the next sweep tries again
        Job.objects.filter(pk=job_id, state=worker.JobState.QUEUED).update(updated_at=now)
        dispatched.append(job_id)
    return dispatched


@shared_task(name="documents.sweep_jobs", ignore_result=True)
def sweep_jobs() -> list[int]:
    """Periodic (celery beat): jobs left queued while the broker was down, and jobs whose worker died."""
    return recover_stalled_jobs(queued_grace=sweep_minutes() * 60)


@worker_ready.connect
def recover_jobs_at_worker_start(sender=None, **kwargs) -> None:
    try:
        recover_stalled_jobs()
    except DatabaseError:
        logger.warning("could not look for stalled jobs at worker start", exc_info=True)
