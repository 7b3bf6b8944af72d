"""The open-data downloads (公开数据 csv and json) of each round and of every round, as stored files.

They grow with the rounds (100,000 projects make a 2.5 s build), so, like the 公示 files
(reviewers.publicity_documents), they are built by a background job when what the public may see
changes and streamed by projects.views.public.download; with a broker no web request builds one (the
embedded single-process mode runs jobs in-process after commit, by design). A round published
before this existed gets its job at its first download, or from `manage.py build_open_data`. The change
is announced where the public pages' cache hears of it (projects.public_versions.bump: a
publication, a project entering, moving in or leaving a public state, a corrected date, a new grade,
a renamed organization or round): in that transaction the stored files are outdated, so they are not
served with a project the change removed, and after commit one job per round rebuilds them.
"""
import logging
from collections.abc import Callable

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from accounts.selectors import program_officers
from documents import published
from documents.kinds import register
from documents.models import Job, JobState, PublishedFile
from documents.runs import JobResult, JobRun
from documents.services import start_job
from projects import open_data, public_versions
from projects.models import Project

logger = logging.getLogger(__name__)

KIND = "open_data"
FORMATS = ("csv", "json")
ALL = "all"


def key(round_id: int | None, fmt: str) -> str:
    return f"open-data-{ALL if round_id is None else int(round_id)}.{fmt}"


def download_name(round_id: int | None, fmt: str) -> str:
    return f"yichuang-projects{'' if round_id is None else f'-round-{int(round_id)}'}.{fmt}"


def body(fmt: str, round_id: int | None) -> bytes:
    rows = open_data.public_rows(round_id=round_id)
    return open_data.to_csv(rows).encode("utf-8-sig") if fmt == "csv" else open_data.to_json(rows).encode()


def _returning(content: bytes) -> Callable[[], bytes]:
    return lambda: content


def build(round_id: int | None) -> list[str]:
    """Both files of one round (None: every round), each stored once per content. Idempotent."""
    names = []
    for fmt in FORMATS:
        name = key(round_id, fmt)
        version = published.requested_version(name)  # before the rows are read: they include this change
        content = body(fmt, round_id)
        names.append(published.store(name, version=version, digest=published.digest_of(content),
                                     produce=_returning(content), download_name=download_name(round_id, fmt)))
    return names


@register(KIND, _("Open data files"))
def open_data_job(run: JobRun) -> JobResult:
    round_id = run.params.get("round_id")
    run.progress(0, total=len(FORMATS))
    names = build(round_id)
    run.progress(len(FORMATS), total=len(FORMATS))
    return JobResult(path=None, name=download_name(round_id, FORMATS[0]), stored=names[0])


def refresh(round_id: int | None) -> Job | None:
    """Announces a change and starts the job that rebuilds the files, unless one is queued already
    (it reads the rows when it starts, so it covers this change). Call after commit."""
    for fmt in FORMATS:
        published.request_version(key(round_id, fmt))
    if Job.objects.filter(kind=KIND, state=JobState.QUEUED, params__round_id=round_id).exists():
        return None
    owner = program_officers().order_by("pk").first()
    if owner is None:
        logger.warning("no officer to own the open-data job of round %s; not rebuilt", round_id)
        return None
    return start_job(actor=owner, kind=KIND, params={"round_id": round_id})


def _schedule(round_id: int | None) -> None:
    """After commit. A bump is rare (publishing a round bumps once: public_versions.one_bump_per_round),
    and a second refresh finds the first one's job still queued and starts none."""
    transaction.on_commit(lambda: refresh(round_id))


def changed(round_ids: set[int]) -> None:
    """In the transaction of the change (public_versions.bump): the files of these rounds and of every
    round are outdated now and rebuilt after commit."""
    if not round_ids:
        return
    published.outdate([key(r, fmt) for r in [*round_ids, None] for fmt in FORMATS])
    for round_id in [*sorted(round_ids), None]:
        _schedule(round_id)


def never_built(round_id: int | None) -> bool:
    return not PublishedFile.objects.filter(key=key(round_id, FORMATS[0])).exists()


def rounds_to_build() -> list[int | None]:
    """Every round with a public project, and the file of every round."""
    rounds = sorted(set(Project.objects.filter(state__in=open_data.PUBLIC_STATES)
                        .values_list("round_id", flat=True).order_by()))
    return [*rounds, None]


def connect() -> None:
    public_versions.on_bump(changed)
