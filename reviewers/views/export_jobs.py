"""Job kind: the ranking of a round as a workbook. At national size it is 100,000 rows with every
expert's score (tens of seconds of CPU), so it is written by a worker and downloaded from the job
page, never built inside the officer's request.

It joins the review's ranking with finance's money figures, as the ranking page does, so it lives
with the views: reviewers and finance are one layer and import neither each other (DEVELOPERS.md)."""
from django.utils.translation import gettext_lazy as _

from documents.kinds import register
from documents.runs import JobResult, JobRun, single_file
from finance.commitments import round_money
from finance.reports_xlsx import ranking_xlsx
from grants.models import GrantRound
from reviewers import stored_ranking

RANKING_XLSX = "ranking_xlsx"


def download_name(round: GrantRound) -> str:
    return f"{round.code}-评审排名表.xlsx"


@register(RANKING_XLSX, _("Ranking of a round (xlsx)"))
def ranking_job(run: JobRun) -> JobResult:
    """The round as it is when the job runs (a retry writes the same content again)."""
    round = GrantRound.objects.get(pk=run.params["round_id"])
    return single_file(run, stem="ranking", suffix="xlsx", name=download_name(round),
                       produce=lambda: ranking_xlsx(stored_ranking.whole(round, round_money(round), experts=True)))
