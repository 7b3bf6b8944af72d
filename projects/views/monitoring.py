"""Officer pages of 过程监管: the rounds, a round's dashboard with its charts, and overdue milestones."""
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _

from accounts.models import Role
from core import calendar, charts
from core.money import format_yuan
from finance import money_cells
from finance.commitments import PotFigures
from finance.models import TrancheState
from projects.models import EvaluationKind
from projects.selectors_monitoring import get_round_for_officer, overdue_milestones, overdue_rows, rounds_for_officer
from projects.states import State
from projects.views import monitoring_figures as dashboard

PER_PAGE = 100


@login_required
def home(request):
    if not request.user.has_role(Role.OFFICER):
        raise Http404
    rounds = rounds_for_officer(request.user).order_by("-year", "-apply_start")
    return render(request, "monitoring/home.html", {"rounds": rounds})


def _charts(round) -> dict:
    empty = _("No data yet.")
    # The money per domain and district and the counts, each read once for every figure below.
    places = money_cells.committed_by_place(round)
    money = PotFigures(round.pot, money_cells.committed(round, places))
    counts = dashboard.project_counts(round)
    domains = dashboard.by_domain(round, counts, places)
    districts = dashboard.by_district(round, counts, places)
    not_given = _("Not given")
    scores = dashboard.evaluation_scores(round)
    indicator_rows = dashboard.indicators(round)
    tranche_rows = dashboard.tranche_status(round)
    return {
        "money": money,
        "tranches": [(s, TrancheState(s).label, n, amount) for s, n, amount in tranche_rows],
        "domain_applications": charts.bar_chart(
            [(dashboard.domain_label(r.key) or not_given, r.applications) for r in domains],
            title=_("Applications by domain"), testid="chart-domain-applications", empty_text=empty),
        "domain_funding": charts.bar_chart(
            [(dashboard.domain_label(r.key) or not_given, r.amount) for r in domains],
            title=_("Funding by domain (yuan)"), testid="chart-domain-funding", empty_text=empty, fmt=format_yuan),
        "district_applications": charts.bar_chart(
            [(r.key or not_given, r.applications) for r in districts],
            title=_("Applications by district"), testid="chart-district-applications", empty_text=empty),
        "district_funding": charts.bar_chart(
            [(r.key or not_given, r.amount) for r in districts],
            title=_("Funding by district (yuan)"), testid="chart-district-funding", empty_text=empty,
            fmt=format_yuan),
        "final_scores": charts.column_chart(
            charts.histogram_bins(*scores[EvaluationKind.FINAL][:1], edges=dashboard.SCORE_EDGES,
                                 weights=scores[EvaluationKind.FINAL][1]),
            title=_("Final evaluation scores"), testid="chart-final-scores", empty_text=empty),
        "midterm_scores": charts.column_chart(
            charts.histogram_bins(*scores[EvaluationKind.MIDTERM][:1], edges=dashboard.SCORE_EDGES,
                                 weights=scores[EvaluationKind.MIDTERM][1]),
            title=_("Mid-term evaluation scores"), testid="chart-midterm-scores", empty_text=empty),
        "states": charts.bar_chart(
            [(str(State(s).label), n) for s, n in dashboard.states(round, counts)],
            title=_("Projects by state"), testid="chart-states", empty_text=empty),
        "tranche_chart": charts.bar_chart(
            [(str(TrancheState(s).label), amount) for s, _n, amount in tranche_rows],
            title=_("Tranches by status (yuan)"), testid="chart-tranches", empty_text=empty, fmt=format_yuan),
        "indicator_chart": charts.bar_chart(
            [(f"{r.name}（{r.unit}）", r.ratio or 0) for r in indicator_rows],
            title=_("Indicator achievement (%)"), testid="chart-indicators", empty_text=empty,
            fmt=lambda v: f"{v}%", scale_max=100),
    }


@login_required
def round_dashboard(request, pk: int):
    round = get_round_for_officer(request.user, pk)
    today = calendar.today()
    # Counted and paged on the plain rows (the index on round and number); the preference marker and
    # the overdue milestones are worked out for the page's projects only.
    page = Paginator(range(dashboard.funded_count(round)), PER_PAGE).get_page(request.GET.get("page"))
    first = max(page.start_index() - 1, 0)
    rows = dashboard.funded_projects(round, today, dashboard.funded_page_ids(round, first, first + PER_PAGE))
    return render(request, "monitoring/dashboard.html", {"round": round, "page": page, "rows": rows,
                                                         **_charts(round)})


@login_required
def overdue(request, pk: int):
    round = get_round_for_officer(request.user, pk)
    today = calendar.today()
    page = Paginator(overdue_milestones(round, today), 100).get_page(request.GET.get("page"))
    page.object_list = overdue_rows(list(page.object_list))  # ids → rows
    for milestone in page:
        milestone.days_overdue = (today - milestone.due_date).days
    return render(request, "monitoring/overdue.html", {"round": round, "page": page, "today": today})
