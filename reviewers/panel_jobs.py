"""Job kind: a large round's 评审汇总表 (xlsx or PDF) written in the background, stored once per content
(documents.published, key summary-<round>.<fmt>) and streamed to officers by
reviewers.views.panel_officer.summary_file; the job page offers it too.

A decision (or the end of a review), and any change of the stored scores (a reopened or revised review,
a defense score, a weight), makes the stored file outdated in the same transaction, and the officers'
page offers to generate it again instead of streaming the old one."""
import json

from django.utils.translation import gettext_lazy as _

from documents import published
from documents.kinds import register
from documents.runs import JobResult, JobRun
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


@register(ROUND_SUMMARY, _("Round review summary"))
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
