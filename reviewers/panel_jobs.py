"""Job kind: a large round's 评审汇总表 (xlsx or PDF) written in the background, with its result
file offered on the jobs page (documents)."""
from django.utils.translation import gettext_lazy as _

from documents.kinds import register
from documents.runs import JobResult, JobRun, write_atomically
from grants.models import GrantRound
from reviewers import round_summary

ROUND_SUMMARY = "round_review_summary"


@register(ROUND_SUMMARY, _("Round review summary"))
def round_summary_job(run: JobRun) -> JobResult:
    round = GrantRound.objects.get(pk=run.params["round_id"])
    fmt = "pdf" if run.params.get("format") == "pdf" else "xlsx"
    run.progress(0, total=1)
    summary = round_summary.build(round)
    data = round_summary.to_pdf(summary) if fmt == "pdf" else round_summary.to_xlsx(summary)
    path = run.workdir / f"summary.{run.attempt}.{fmt}"
    write_atomically(path, data)
    run.progress(1)
    return JobResult(path=path, name=f"{round.code}-评审汇总表.{fmt}")
