"""Job kind: an automatic assignment run, tracked like every long operation (progress, result file,
error) on the jobs page; the result file lists the round's panels and what could not be staffed."""
import csv
import io

from django.utils.translation import gettext_lazy as _

from core.escaping import escape_formula
from documents.kinds import register
from documents.runs import JobResult, JobRun, write_atomically
from reviewers import services


@register(services.ASSIGNMENT_RUN, _("Automatic expert assignment"))
def assignment_job(run: JobRun) -> JobResult:
    run_id = run.params["run_id"]
    run.progress(0, total=1)
    try:
        result = services.run_auto_assignment(run_id=run_id)
    except Exception as exc:  # the run record must not stay "waiting": the officer sees the error
        services.mark_run_failed(run_id=run_id, error=str(exc))
        raise
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["项目编号", "已配专家数", "未配齐原因"])
    for u in result.unstaffed:
        writer.writerow([escape_formula(u["code"]), u["found"], escape_formula("；".join(u["reasons"]))])
    writer.writerow([])
    writer.writerow(["新建分配", result.created])
    for key, value in sorted(result.stats.items()):
        writer.writerow([escape_formula(str(key)), escape_formula(str(value))])
    path = run.workdir / f"assignment.{run.attempt}.csv"
    write_atomically(path, out.getvalue().encode("utf-8-sig"))
    run.progress(1)
    return JobResult(path=path, name=f"{result.round.code}-专家自动分配结果.csv")
