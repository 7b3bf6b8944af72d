"""The kinds of background job, each with its label and the function that does the work.

Documents knows no domain: the app that owns the data registers its kinds (agreement batches in
projects, assignment runs in reviewers) from its AppConfig.ready, so the Job table needs no
migration when a kind is added and this app imports none of them:

    from documents.kinds import Starter, register

    @register("finance_export", _("Disbursement list export"),
              start=Starter("finance:new_export", _("Export a disbursement list"), may_start=is_finance))
    def finance_export(run: JobRun) -> JobResult: ...

A kind with a `start` page is offered on the jobs page to the users `may_start` admits. A kind whose
result holds sensitive data passes `on_download=` to have each download recorded by its own app
(documents cannot import accounts). A kind whose file is written by a second job, after the work
the user waits for is committed (an automatic assignment run ends when its panels exist; its
100,000-row workbook comes after), passes `follow_up=`: on the finished job's page it offers that
next step as a button. A kind started from a page of its app passes `back=` (a link to that page,
shown on the job's page) and may pass `summary=`: once the job is done its page lists those lines
(what the job did, read from what the owning app recorded).
"""
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from documents.errors import DocumentsError
from documents.models import JobState


@dataclass(frozen=True)
class Starter:
    url_name: str  # the page where a user starts a job of this kind
    label: str | Promise
    may_start: Callable  # (user) -> bool
    testid: str = ""


@dataclass(frozen=True)
class JobKind:
    code: str
    label: str | Promise
    run: Callable  # (documents.runs.JobRun) -> documents.runs.JobResult
    start: Starter | None = None
    # (request, job) -> None, called before a result file is handed out: the owning app records the
    # download where it keeps such records (the security log, for files with bank accounts).
    on_download: Callable | None = None
    # (job) -> FollowUp | None, asked once the job is done: a button on its page that starts the next
    # step (a POST to the owning app's view, which starts that job and shows its page).
    follow_up: Callable | None = None
    # (job) -> Link | None: the page the job belongs to (where the user started it), linked from its page.
    back: Callable | None = None
    # (job) -> list[str], asked once the job is done: what it did, in lines for its page.
    summary: Callable | None = None


@dataclass(frozen=True)
class Link:
    label: str | Promise
    url: str


@dataclass(frozen=True)
class FollowUp:
    label: str | Promise
    url: str  # answers a POST
    testid: str = ""


KINDS: dict[str, JobKind] = {}


def register(code: str, label, *, start: Starter | None = None, on_download: Callable | None = None,
             follow_up: Callable | None = None, back: Callable | None = None,
             summary: Callable | None = None) -> Callable:
    def decorator(func: Callable) -> Callable:
        if code in KINDS and KINDS[code].run is not func:
            raise ValueError(f"job kind {code!r} is registered twice")
        KINDS[code] = JobKind(code, label, func, start, on_download, follow_up, back, summary)
        return func

    return decorator


def get_kind(code: str) -> JobKind:
    try:
        return KINDS[code]
    except KeyError:
        raise DocumentsError(f"未知的后台任务类型：{code}") from None


def follow_up_for(job) -> FollowUp | None:
    kind = KINDS.get(job.kind)
    return kind.follow_up(job) if kind is not None and kind.follow_up is not None and job.state == JobState.DONE else None


def back_for(job) -> Link | None:
    kind = KINDS.get(job.kind)
    return kind.back(job) if kind is not None and kind.back is not None else None


def summary_for(job) -> list[str]:
    kind = KINDS.get(job.kind)
    if kind is None or kind.summary is None or job.state != JobState.DONE:
        return []
    return [str(line) for line in kind.summary(job)]


def label_for(code: str):
    kind = KINDS.get(code)
    return kind.label if kind else code


def starters_for(user) -> list[Starter]:
    return [k.start for k in KINDS.values() if k.start is not None and k.start.may_start(user)]
