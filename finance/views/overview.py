"""Finance overview, ledger and claw-backs. Batches and exports are in finance/views/batches.py."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.charts import grouped_bars
from core.messages import report_outcome
from core.pagination import paginate
from finance import money_cells, reports_xlsx, selectors, services
from finance.commitments import pot_figures
from finance.forms import RepaymentForm
from finance.ledger import reconciliation_problems
from grants.defaults import DOMAINS

SETTLEMENTS_PER_PAGE = 50


def _chosen_round(request, rounds):
    wanted = request.GET.get("round", "")
    for r in rounds:
        if str(r.pk) == wanted:
            return r
    return rounds[0] if rounds else None


def _chart_values(totals) -> dict:
    return {"approved": totals.approved, "paid": totals.paid, "outstanding": totals.outstanding,
            "clawed_back": totals.clawed_back}


@login_required
def home(request):
    """Per round: pot, approved, paid, outstanding, clawed back; by domain and by district."""
    rounds = selectors.rounds_for(request.user)
    round = _chosen_round(request, rounds)
    context = {"rounds": rounds, "round": round}
    if round is not None:
        # The ledger's sums from the round's stored money cells (a few hundred rows, equal to the
        # ledger: finance.money_cells); the tranche table below stays the independent cross-check.
        totals = money_cells.round_totals(round)
        by_domain = [(str(DOMAINS.get(k, k or _("Not set"))), t) for k, t in money_cells.totals_by(round, "domain")]
        by_district = [(k or _("Not set"), t) for k, t in money_cells.totals_by(round, "district")]
        context.update(
            totals=totals, money=pot_figures(round),
            # One page of the settlements: a round closes thousands of projects.
            settlements=Paginator(selectors.settlements(round), SETTLEMENTS_PER_PAGE).get_page(
                request.GET.get("settlements_page")),
            problems=reconciliation_problems(totals, selectors.tranche_state_sums(round)),
            by_domain=by_domain, by_district=by_district,
            domain_chart=grouped_bars([(label, _chart_values(t)) for label, t in by_domain]),
            district_chart=grouped_bars([(label, _chart_values(t)) for label, t in by_district]),
        )
    return render(request, "finance/home.html", context)


@login_required
def ledger(request):
    rounds = selectors.rounds_for(request.user)
    round = _chosen_round(request, rounds)
    page = None
    if round is not None:
        page = paginate(request, selectors.ledger_entries(round), 50)
    return render(request, "finance/ledger.html", {"rounds": rounds, "round": round, "page": page})


@login_required
def clawbacks(request):
    rows = list(selectors.clawbacks_for(request.user))
    return render(request, "finance/clawbacks.html", {"clawbacks": rows, "form": RepaymentForm()})


@login_required
@require_POST
def repay(request, pk: int):
    clawback = selectors.get_clawback_for(request.user, pk)
    form = RepaymentForm(request.POST)
    if form.is_valid():
        report_outcome(request, lambda: services.record_repayment(
            actor=request.user, clawback_id=clawback.pk, amount=form.cleaned_data["amount"],
            repaid_on=form.cleaned_data["repaid_on"], reference=form.cleaned_data["reference"]),
            done=_("Repayment recorded."))
    else:
        messages.error(request, _("Please fill in the amount and the date."))
    return redirect("finance:clawbacks")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _round_or_404(request):
    rounds = selectors.rounds_for(request.user)
    round = _chosen_round(request, rounds)
    if round is None:
        raise Http404
    return round


@login_required
def home_xlsx(request):
    round = _round_or_404(request)
    return xlsx_response(reports_xlsx.overview_xlsx(round), f"finance-{round.code}.xlsx")


@login_required
def ledger_xlsx(request):
    round = _round_or_404(request)
    return xlsx_response(reports_xlsx.ledger_xlsx(round), f"ledger-{round.code}.xlsx")
