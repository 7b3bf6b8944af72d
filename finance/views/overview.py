"""Finance overview, ledger and claw-backs. Batches and exports are in finance/views/batches.py."""
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.charts import grouped_bars
from core.messages import report_outcome
from core.pagination import paginate
from documents.services import start_job
from finance import export_jobs, money_cells, selectors, services
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


def _round_or_404(request):
    rounds = selectors.rounds_for(request.user)
    round = _chosen_round(request, rounds)
    if round is None:
        raise Http404
    return round


def _start_export(request, kind: str):
    """POST: starts a workbook's job (a double click gets the same job) and shows its page. GET (a
    bookmark of the old download address, or the login page sending the officer back here after an
    expired session): back to the overview, where the button is; nothing is built."""
    rounds = selectors.rounds_for(request.user)
    wanted = request.POST.get("round") or request.GET.get("round", "")  # the button's form, or ?round=
    round = next((r for r in rounds if str(r.pk) == wanted), None)
    if request.method != "POST":
        if not rounds:
            raise Http404
        messages.info(request, _("Workbooks are generated in the background: press the export button again."))
        return redirect(f"{reverse('finance:home')}?round={(round or rounds[0]).pk}")
    if round is None:  # never the file of another round than the one asked for
        raise Http404
    job = start_job(actor=request.user, kind=kind, params={"round_id": round.pk}, total=1)
    messages.success(request, _("The workbook is being generated in the background; the file can be downloaded here when it is ready."))
    return redirect("documents:job_detail", pk=job.pk)


@login_required
@require_http_methods(["GET", "POST"])
def home_xlsx(request):
    return _start_export(request, export_jobs.OVERVIEW_XLSX)


@login_required
@require_http_methods(["GET", "POST"])
def ledger_xlsx(request):
    return _start_export(request, export_jobs.LEDGER_XLSX)
