"""Job kind: a large round's 评审汇总表 (xlsx or PDF) written in the background, stored once per content
(documents.published, key summary-<round>.<fmt>) and streamed to officers by
reviewers.views.panel_officer.summary_file; the job page offers it too.

A decision (or the end of a review), and any change of the stored scores (a reopened or revised review,
a defense score, a weight), makes the stored file outdated in the same transaction, and the officers'
page offers to generate it again instead of streaming the old one.

The officers' 生成 button (`start`) starts a job only when one is needed, as the 公示 documents do
(reviewers.publicity_documents.refresh): the stored file while it shows the round as it is now, else a
job of the round already queued (it reads the content when it starts) or running on the current
version, whoever started it; a new job, on a new version, only when there is neither."""
import json
from typing import NamedTuple

from django.db import transaction
from django.db.models import Case, Q, Value, When
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from documents import published
from documents.kinds import Link, register
from documents.models import Job, JobState, PublishedFile
from documents.runs import JobResult, JobRun
from documents.services import start_job
from grants.models import GrantRound
from projects.models import Project
from projects.signals import project_transitioned
from reviewers import aggregates, round_summary

ROUND_SUMMARY = "round_review_summary"
FORMATS = ("xlsx", "pdf")
# Transitions after which the summary's ranks, scores or decisions read differently.
CHANGES = frozenset({"finish_review", "approve", "waitlist", "reject", "reopen_decision", "uphold_objection"})


def key(round_id: int, fmt: str) -> str:
    return f"summary-{int(round_id)}.{fmt}"


def download_name(round: GrantRound, fmt: str) -> str:
    return f"{round.code}-评审汇总表.{fmt}"


def content_digest(summary: round_summary.Summary, fmt: str) -> str:
    return published.digest_of(json.dumps(
        [fmt, summary.rows, summary.reviewers, summary.defense_panel, str(summary.defense_weight),
         [[str(e.expert), str(e.total)] for row in summary.ranking.rows for e in row.experts]],
        default=str, ensure_ascii=False))


def _back_to_summary(job) -> Link:
    return Link(_("Back to the round review summary"), reverse("reviewers:round_summary", args=[job.params["round_id"]]))


@register(ROUND_SUMMARY, _("Round review summary"), back=_back_to_summary)
def round_summary_job(run: JobRun) -> JobResult:
    """Idempotent: the same content is stored once, whichever job or attempt builds it."""
    round = GrantRound.objects.get(pk=run.params["round_id"])
    fmt = "pdf" if run.params.get("format") == "pdf" else "xlsx"
    name = key(round.pk, fmt)
    version = published.requested_version(name)  # before the content is read
    summary = round_summary.build(round)
    total = len(summary.ranking.rows)
    run.progress(0, total=total)

    def produce() -> bytes:
        if fmt == "pdf":
            return round_summary.to_pdf(summary, progress=lambda done, all_rows: run.progress(done, total=all_rows))
        return round_summary.to_xlsx(summary)

    stored = published.store(name, version=version, digest=content_digest(summary, fmt), produce=produce,
                             download_name=download_name(round, fmt))
    run.progress(total, total=total)
    return JobResult(path=None, name=download_name(round, fmt), stored=stored)


class Started(NamedTuple):
    """What the 生成 button led to: the stored file of the current content, or the job that builds it
    (a new one, or one already queued or running, possibly another officer's)."""
    stored: PublishedFile | None
    job: Job | None


def covering_job(round_id: int, fmt: str, *, prefer=None) -> Job | None:
    """A live job whose file will show the round as it is now: any queued one (it has not read the
    content yet) or one running on the current version (no change was announced since it started);
    `prefer`'s own first, since only its owner may open a job's page."""
    version = published.requested_version(key(round_id, fmt))
    jobs = (Job.objects.filter(kind=ROUND_SUMMARY, params__round_id=round_id, params__format=fmt)
            .filter(Q(state=JobState.QUEUED) | Q(state=JobState.RUNNING, params__version=version)))
    mine = Case(When(owner_id=getattr(prefer, "pk", None), then=Value(0)), default=Value(1))
    return jobs.order_by(mine, "-created_at", "-id").first()


def start(*, actor, round_id: int, fmt: str) -> Started:
    """The stored file if it is current, else the job that will write it: the officer's own covering
    job first, then anyone's, and a new job (on a newly announced version) only when none covers it."""
    fmt = "pdf" if fmt == "pdf" else "xlsx"
    name = key(round_id, fmt)
    with transaction.atomic():
        stored = published.ready(name)
        if stored is not None:
            return Started(stored=stored, job=None)
        live = covering_job(round_id, fmt, prefer=actor)
        if live is not None:
            return Started(stored=None, job=live)
        # announced as publicity_documents.refresh does: the record exists from now on, so a change
        # while this job runs (published.outdate) makes its file outdated and the next click starts another
        version = published.request_version(name)
        return Started(stored=None, job=start_job(
            actor=actor, kind=ROUND_SUMMARY, params={"round_id": round_id, "format": fmt, "version": version}, total=1))


def on_transition(sender, *, project, name, **kwargs) -> None:
    """In the decision's transaction: the stored summaries of the round no longer match it."""
    if name in CHANGES:
        published.outdate([key(project.round_id, fmt) for fmt in FORMATS])


def on_scores_changed(round_ids: set[int]) -> None:
    """In the transaction of a change of stored scores (reviewers.aggregates): a reopened or revised
    review, a defense score, a weight or threshold changes the summary without a transition."""
    published.outdate([key(r, fmt) for r in sorted(round_ids) for fmt in FORMATS])


def connect() -> None:
    project_transitioned.connect(on_transition, sender=Project, dispatch_uid="reviewers.summary_outdated")
    aggregates.on_change(on_scores_changed)
