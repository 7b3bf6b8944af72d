"""Job kinds: the finance overview and the money ledger of a round as workbooks. Both grow with the
round (the ledger has about three entries per signed project: 300,000 rows at national size), so a
worker writes them and the finance officer downloads them from the job page."""
from django.utils.translation import gettext_lazy as _

from documents.kinds import register
from documents.runs import JobResult, JobRun, single_file
from finance import reports_xlsx
from grants.models import GrantRound

OVERVIEW_XLSX = "finance_overview_xlsx"
LEDGER_XLSX = "finance_ledger_xlsx"


def _export(run: JobRun, build, stem: str, title: str) -> JobResult:
    round = GrantRound.objects.get(pk=run.params["round_id"])
    return single_file(run, stem=stem, suffix="xlsx", produce=lambda: build(round), name=f"{round.code}-{title}.xlsx")


@register(OVERVIEW_XLSX, _("Finance overview of a round (xlsx)"))
def overview_job(run: JobRun) -> JobResult:
    return _export(run, reports_xlsx.overview_xlsx, "overview", "资金概况")


@register(LEDGER_XLSX, _("Money ledger of a round (xlsx)"))
def ledger_job(run: JobRun) -> JobResult:
    return _export(run, reports_xlsx.ledger_xlsx, "ledger", "资金台账")
