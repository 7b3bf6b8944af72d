"""Every write to a background job: start, claim, progress, finish, fail, recover.

A job may be delivered more than once (a worker killed mid-way, a retry, the broker's redelivery,
the recovery sweep at worker start). Claiming locks the row and checks the state, so a finished
job is never run again; each claim bumps `attempt`, and progress and completion are fenced on it,
so of two runners only the current one can finish — exactly once.
"""
import logging
import os
import shutil
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from documents.errors import DocumentsError
from documents.kinds import get_kind
from documents.models import Job, JobEvent, JobState
from documents.runs import JobLost, JobRun, job_dir

logger = logging.getLogger(__name__)

AGREEMENT_BATCH = "round_agreements"


def lease_seconds() -> int:
    """How long a claim stays valid without a progress report (a document takes well under 5 s)."""
    return int(getattr(settings, "YICHUANG_JOB_LEASE_SECONDS", 120))


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _event(job: Job, action: str, *, attempt: int | None = None, detail: str = "") -> None:
    JobEvent.objects.create(job=job, action=action, attempt=job.attempt if attempt is None else attempt,
                            worker=worker_id(), detail=detail[:4000])


def dispatch_job(*, job_id: int, task_id: str | None = None, countdown: int | None = None) -> None:
    from documents.tasks import run_job_task

    run_job_task.apply_async(args=[job_id], task_id=task_id, countdown=countdown)


def start_job(*, actor, kind: str, params: dict, total: int = 0) -> Job:
    """Creates the row; the worker gets it only after commit, so it always finds the row."""
    get_kind(kind)
    with transaction.atomic():
        job = Job.objects.create(owner=actor, kind=kind, params=params, progress_total=total,
                                 celery_task_id=uuid.uuid4().hex)
        _event(job, "queued")
        transaction.on_commit(lambda: dispatch_job(job_id=job.pk, task_id=job.celery_task_id))
    return job


def start_agreement_batch(*, actor, round_id: int) -> Job:
    from documents.selectors import batch_project_ids
    from grants.models import GrantRound

    if not actor.has_role(Role.OFFICER):
        raise DocumentsError("只有项目管理员可以批量生成资助协议书")
    round = GrantRound.objects.filter(pk=round_id).first()
    if round is None:
        raise DocumentsError("创投批次不存在")
    # The list is fixed now: the zip holds what the officer asked for, whatever happens meanwhile.
    ids = batch_project_ids(round)
    if not ids:
        raise DocumentsError(f"「{round.name}」没有可生成资助协议书的项目（须已核定资助金额，并已进入公示或之后的阶段）")
    return start_job(actor=actor, kind=AGREEMENT_BATCH, params={"round_id": round.pk, "project_ids": ids},
                     total=len(ids))


# ---------------------------------------------------------------- running (called by the task)

@dataclass(frozen=True)
class Claim:
    job: Job
    attempt: int


class JobBusy(Exception):
    """A live runner holds the job; look again after `retry_in` seconds."""

    def __init__(self, retry_in: int):
        super().__init__(retry_in)
        self.retry_in = retry_in


def _holder_gone(claimed_by: str) -> bool:
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
    return False


def claim_job(*, job_id: int, now: datetime | None = None) -> Claim | None:
    """None when there is nothing to do (finished or gone); JobBusy while a live runner holds it."""
    now = now or timezone.now()
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return None
        if job.state == JobState.RUNNING:
            live = job.lease_until is not None and job.lease_until > now
            if live and not _holder_gone(job.claimed_by):
                raise JobBusy(int((job.lease_until - now).total_seconds()) + 1)
            _event(job, "taken_over", detail=f"上一次执行（{job.claimed_by}）已中断")
        job.claim()
        job.attempt += 1
        job.claimed_by = worker_id()
        job.lease_until = now + timedelta(seconds=lease_seconds())
        job.started_at = job.started_at or now
        job.save()
        _event(job, "claimed")
        return Claim(job, job.attempt)


def report_progress(*, job_id: int, attempt: int, done: int, total: int | None = None) -> None:
    now = timezone.now()
    fields = {"progress_done": done, "lease_until": now + timedelta(seconds=lease_seconds()), "updated_at": now}
    if total is not None:
        fields["progress_total"] = total
    updated = Job.objects.filter(pk=job_id, attempt=attempt, state=JobState.RUNNING).update(**fields)
    if not updated:
        raise JobLost(job_id)


def _final_relative_path(job: Job, name: str) -> str:
    suffix = Path(name).suffix.lower()
    return f"jobs/{job.pk}/result{suffix if suffix.isascii() else ''}"


def complete_job(*, job_id: int, attempt: int, produced: Path, name: str) -> Job:
    """Moves the finished file into place and marks the job done, under the row lock."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.state != JobState.RUNNING or job.attempt != attempt:
            produced.unlink(missing_ok=True)
            raise JobLost(job_id)
        relative = _final_relative_path(job, name)
        os.replace(produced, Path(settings.MEDIA_ROOT) / relative)
        job.finish()
        job.result.name = relative
        job.result_name = name
        job.progress_done = job.progress_total
        job.finished_at = timezone.now()
        job.lease_until = None
        job.error = ""
        job.save()
        _event(job, "done")
        work = job_dir(job.pk) / "work"
        transaction.on_commit(lambda: shutil.rmtree(work, ignore_errors=True))
    return job


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
        _event(job, "failed", detail=error)
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
        return complete_job(job_id=job_id, attempt=attempt, produced=result.path, name=result.name)
    except JobLost:
        logger.info("job %s attempt %s was taken over; stopping", job_id, attempt)
        return None
    except transient:
        _release(job_id, attempt)
        raise
    except Exception as exc:
        from celery.exceptions import SoftTimeLimitExceeded

        if isinstance(exc, SoftTimeLimitExceeded):
            message = "任务超过时间限制，已停止"
        elif isinstance(exc, DocumentsError):
            message = exc.message
        else:
            logger.exception("job %s failed", job_id)
            message = f"任务出错：{type(exc).__name__}: {exc}"
        fail_job(job_id=job_id, attempt=attempt, error=message)
        return Job.objects.get(pk=job_id)


def recover_stalled_jobs(*, now: datetime | None = None, queued_grace: int = 60) -> list[int]:
    """At worker start: re-dispatch jobs whose runner died and jobs whose message may be lost.
    Duplicates are harmless: claiming is idempotent."""
    now = now or timezone.now()
    dispatched = []
    running = Job.objects.filter(state=JobState.RUNNING).only("pk", "lease_until", "claimed_by")
    for job in running:
        if job.lease_until is None or job.lease_until <= now or _holder_gone(job.claimed_by):
            dispatch_job(job_id=job.pk)
        else:
            dispatch_job(job_id=job.pk, countdown=int((job.lease_until - now).total_seconds()) + 1)
        dispatched.append(job.pk)
    stale = Job.objects.filter(state=JobState.QUEUED, created_at__lt=now - timedelta(seconds=queued_grace))
    for pk in stale.values_list("pk", flat=True):
        dispatch_job(job_id=pk)
        dispatched.append(pk)
    return dispatched
