"""What a job kind's function gets while it runs: progress reporting and a work directory that
survives a crash, so a job restarted on another worker can resume instead of starting over.

Progress is the one write a running job makes on its own row. It lives here, below the claiming and
finishing in documents.worker, so a kind's function needs nothing but this module."""
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from documents.models import Job, JobState


class JobLost(Exception):
    """Another worker has taken the job over (or it was finished): stop without writing anything."""


@dataclass(frozen=True)
class JobResult:
    # A finished file inside the run's work directory; None (and no `stored`) for a job whose work is
    # what it wrote to the database and whose file, if any, a follow-up job writes (kinds.FollowUp).
    path: Path | None
    name: str  # what the browser saves it as
    # Or a file the kind has already put in the job storage itself (a published document, shared by
    # every job that built the same content): the job points at it and never uploads or deletes it.
    stored: str = ""


def job_dir(job_id: int) -> Path:
    return Path(settings.MEDIA_ROOT) / "jobs" / str(job_id)


# Results hold bank accounts and signed amounts: readable by the application's user only.
RESULT_MODE = 0o600


def write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the whole new one, never half of it, even after a SIGKILL."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, RESULT_MODE), "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def single_file(run: "JobRun", *, stem: str, suffix: str, produce: Callable[[], bytes], name: str) -> JobResult:
    """A job whose result is one file built in one step: progress 0/1, the file written atomically in
    the run's work directory (one per attempt), progress 1/1."""
    run.progress(0, total=1)
    path = run.workdir / f"{stem}.{run.attempt}.{suffix}"
    write_atomically(path, produce())
    run.progress(1, total=1)
    return JobResult(path=path, name=name)


def lease_seconds() -> int:
    """How long a claim stays valid without a progress report (a document takes well under 5 s)."""
    return int(getattr(settings, "YICHUANG_JOB_LEASE_SECONDS", 120))


def report_progress(*, job_id: int, attempt: int, done: int, total: int | None = None) -> None:
    """Fenced on `attempt`: a runner whose job was taken over gets JobLost instead of writing."""
    now = timezone.now()
    fields = {"progress_done": done, "lease_until": now + timedelta(seconds=lease_seconds()), "updated_at": now}
    if total is not None:
        fields["progress_total"] = total
    updated = Job.objects.filter(pk=job_id, attempt=attempt, state=JobState.RUNNING).update(**fields)
    if not updated:
        raise JobLost(job_id)


class JobRun:
    def __init__(self, job, attempt: int):
        self.job = job
        self.attempt = attempt
        self.workdir = job_dir(job.pk) / "work"
        self.workdir.mkdir(parents=True, exist_ok=True)

    @property
    def params(self) -> dict:
        return self.job.params

    def progress(self, done: int, *, total: int | None = None) -> None:
        """Saved at once (outside any transaction) so the progress bar moves; renews the lease."""
        report_progress(job_id=self.job.pk, attempt=self.attempt, done=done, total=total)
