"""The worker's side of a job: claim it, run its kind, finish or fail it — exactly once.

A job may be delivered more than once (a worker killed mid-way, a retry, the broker's redelivery,
the recovery sweep at worker start). Claiming locks the row and checks the state, so a finished
job is never run again; each claim bumps `attempt`, and progress and completion are fenced on it,
so of two runners only the current one can finish.

Dispatching is not here: documents.tasks sends the Celery message and calls run_job from it, and
documents.services starts jobs; both sit above this module.
"""
import logging
import os
import shutil
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.core.files import File
from django.db import transaction
from django.utils import timezone

from documents.errors import DocumentsError
from documents.kinds import get_kind
from documents.models import Job, JobEvent, JobState, job_storage
from documents.runs import JobLost, JobRun, job_dir, lease_seconds

logger = logging.getLogger(__name__)


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def record_event(job: Job, action: str, *, attempt: int | None = None, detail: str = "") -> None:
    JobEvent.objects.create(job=job, action=action, attempt=job.attempt if attempt is None else attempt,
                            worker=worker_id(), detail=detail[:4000])


@dataclass(frozen=True)
class Claim:
    job: Job
    attempt: int


class JobBusy(Exception):
    """A live runner holds the job; look again after `retry_in` seconds."""

    def __init__(self, retry_in: int):
        super().__init__(retry_in)
        self.retry_in = retry_in


def holder_gone(claimed_by: str) -> bool:
    """True only when the claiming process provably no longer runs; otherwise the lease decides."""
    host, _, pid_text = claimed_by.rpartition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True  # an earlier attempt in this very process has ended: we are running now
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _zombie(pid)


def _zombie(pid: int) -> bool:
    """A killed process nobody has reaped yet still answers kill(0); where the container's first process
    does not reap orphans it stays so, and the job would wait out the whole lease for a dead runner."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False  # no /proc (not Linux): the lease decides
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


def claim_job(*, job_id: int, now: datetime | None = None) -> Claim | None:
    """None when there is nothing to do (finished or gone); JobBusy while a live runner holds it."""
    now = now or timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return None
        if job.state == JobState.RUNNING:
            live = job.lease_until is not None and job.lease_until > now
            if live and not holder_gone(job.claimed_by):
                raise JobBusy(int((job.lease_until - now).total_seconds()) + 1)
            record_event(job, "taken_over", detail=f"上一次执行（{job.claimed_by}）已中断")
        job.claim()
        job.attempt += 1
        job.claimed_by = worker_id()
        job.lease_until = now + timedelta(seconds=lease_seconds())
        job.started_at = job.started_at or now
        job.save()
        record_event(job, "claimed")
        return Claim(job, job.attempt)


def _final_name(job_id: int, attempt: int, name: str) -> str:
    suffix = Path(name).suffix.lower()
    return f"jobs/{job_id}/result-{attempt}{suffix if suffix.isascii() else ''}"


def complete_job(*, job_id: int, attempt: int, produced: Path | None, name: str, shared: str = "") -> Job:
    """Stores the finished file and marks the job done, under the row lock. The upload (to disk or an
    object store) happens before the lock is taken; a runner that lost the job removes its upload.
    `shared`: a file already in the job storage that other jobs may point at too (kept either way).
    Neither: the job is done without a file (its kind offers a follow-up for it, documents.kinds)."""
    store = job_storage()
    if shared or produced is None:
        stored = shared
    else:
        with open(produced, "rb") as fh:
            stored = store.save(_final_name(job_id, attempt, name), File(fh))
        produced.unlink(missing_ok=True)
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        lost = job.state != JobState.RUNNING or job.attempt != attempt
        if not lost:
            _finish(job, stored=stored, name=name)
    if lost:
        if stored and not shared:
            store.delete(stored)
        raise JobLost(job_id)
    return job


def _finish(job: Job, *, stored: str, name: str) -> None:
    job.finish()
    job.result.name = stored
    job.result_name = name
    job.progress_done = job.progress_total
    job.finished_at = timezone.now()
    job.lease_until = None
    job.error = ""
    job.save()
    record_event(job, "done")
    work = job_dir(job.pk) / "work"
    transaction.on_commit(lambda: shutil.rmtree(work, ignore_errors=True))


def fail_job(*, job_id: int, error: str, attempt: int | None = None) -> Job | None:
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished or (attempt is not None and job.attempt != attempt):
            return None
        job.fail()
        job.error = error[:4000]
        job.finished_at = timezone.now()
        job.lease_until = None
        job.save()
        record_event(job, "failed", detail=error)
    return job


def _release(job_id: int, attempt: int) -> None:
    """Expires our own lease so the retry (maybe in another process) need not wait for it."""
    try:
        Job.objects.filter(pk=job_id, attempt=attempt, state=JobState.RUNNING).update(lease_until=timezone.now())
    except Exception:  # the database may be the transient problem; the lease then runs out by itself
        logger.warning("could not release the lease of job %s", job_id, exc_info=True)


def run_job(*, job_id: int, transient: tuple[type[BaseException], ...] = ()) -> Job | None:
    """Claims the job and runs its kind. Errors in `transient` propagate (the task retries);
    any other error fails the job with its message."""
    claim = claim_job(job_id=job_id)
    if claim is None:
        return None
    job, attempt = claim.job, claim.attempt
    try:
        result = get_kind(job.kind).run(JobRun(job, attempt))
        return complete_job(job_id=job_id, attempt=attempt, produced=result.path, name=result.name,
                            shared=result.stored)
    except JobLost:
        logger.info("job %s attempt %s was taken over; stopping", job_id, attempt)
        return None
    except transient:
        _release(job_id, attempt)
        raise
    except Exception as exc:
        if isinstance(exc, SoftTimeLimitExceeded):
            message = "任务超过时间限制，已停止"
        elif isinstance(exc, DocumentsError):
            message = exc.message
        else:
            logger.exception("job %s failed", job_id)
            message = f"任务出错：{type(exc).__name__}: {exc}"
        fail_job(job_id=job_id, attempt=attempt, error=message)
        return Job.objects.get(pk=job_id)


def stalled_jobs(*, now: datetime, queued_grace: int) -> list[tuple[int, int | None]]:
    """(job id, seconds to wait or None) for each job whose runner died or whose message may be lost."""
    found: list[tuple[int, int | None]] = []
    running = Job.objects.filter(state=JobState.RUNNING).only("pk", "lease_until", "claimed_by")
    for job in running:
        if job.lease_until is None or job.lease_until <= now or holder_gone(job.claimed_by):
            found.append((job.pk, None))
        else:
            found.append((job.pk, int((job.lease_until - now).total_seconds()) + 1))
    cutoff = now - timedelta(seconds=queued_grace)
    stale = Job.objects.filter(state=JobState.QUEUED, created_at__lt=cutoff, updated_at__lt=cutoff)
    found.extend((pk, None) for pk in stale.values_list("pk", flat=True))
    return found
