"""After approval: the agreement terms, revising the budget to the approved amount, and signing."""
from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.calendar import today
from core.errors import DomainError
from core.money import percent_of_display, rmb_upper
from grants.rules.tranches import TRIGGERS, split_amount
from projects import guards, lifecycle, services
from projects.budget_editor import editor_context, labor_cap
from projects.lifecycle import PROJECT
from projects.views.applicant.common import client_ip, member_project, show_errors
from projects.views.applicant.edit import post_budget


def _signable(request, pk: int):
    project = member_project(request, pk)
    if project.approved_amount is None:
        raise Http404
    return project


def agreement_pdf_url(project) -> str | None:
    """The documents app's agreement PDF, when this build has it."""
    for name in ("documents:agreement", "documents:agreement_pdf"):
        try:
            return reverse(name, args=[project.pk])
        except NoReverseMatch:
            continue
    return None


def terms(project) -> dict:
    amount = project.approved_amount
    template = project.round.tranche_template
    amounts = split_amount(amount, [Decimal(str(t["percent"])) for t in template])
    cap = labor_cap(project.round)
    return {
        "amount": amount, "amount_upper": rmb_upper(amount),
        "tranches": [{"name": t["name"], "percent": t["percent"], "trigger": TRIGGERS.get(t["trigger"], t["trigger"]),
                      "amount": a, "upper": rmb_upper(a)} for t, a in zip(template, amounts, strict=True)],
        "labor_cap": cap,
        "labor_limit": percent_of_display(amount, cap.value) if cap.kind == "pct_grant" else cap.value,
        "period_months": project.round.period_months,
    }


def agreement(request, pk: int):
    project = _signable(request, pk)
    before_signing = project.state in PROJECT.group("awaiting_signature")
    may_sign = bool(lifecycle.offered(project, request.user, {"sign"}))
    budget_problems = guards.budget_fits_approved(project) if before_signing else []
    return render(request, "applicant/agreement.html", {
        # An agreement whose budget does not fit the grant is not one to print and sign.
        "project": project, "terms": terms(project), "pdf_url": None if budget_problems else agreement_pdf_url(project),
        "problems": [p.message for p in guards.signing(project, today())] if may_sign else [],
        "budget_problems": budget_problems,
        "signable": before_signing, "may_sign": may_sign,
        "scans": project.attachments.filter(kind="signed_agreement"),
    })


@require_POST
def sign(request, pk: int):
    project = _signable(request, pk)
    if request.POST.get("agree") != "1":
        messages.error(request, "请先勾选“我已阅读并同意协议条款”")
        return redirect("applicant:agreement", pk=pk)
    try:
        services.sign_agreement(actor=request.user, project_id=project.pk,
                                signer_name=request.POST.get("signer_name", ""), ip=client_ip(request))
    except DomainError as exc:
        show_errors(request, exc)
        return redirect("applicant:agreement", pk=pk)
    messages.success(request, _("The agreement is signed."))
    return redirect("applicant:project", pk=pk)


@require_POST
def sign_with_scan(request, pk: int):
    """A signed and stamped paper copy, scanned, instead of the typed name: one service call, which
    keeps the file only if the signing succeeds."""
    project = _signable(request, pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, "请选择签字盖章后的协议扫描件")
        return redirect("applicant:agreement", pk=pk)
    try:
        services.sign_agreement(actor=request.user, project_id=project.pk, signer_name=str(request.user),
                                ip=client_ip(request), scan=upload)
    except DomainError as exc:
        show_errors(request, exc)
        return redirect("applicant:agreement", pk=pk)
    messages.success(request, _("The signed agreement is received."))
    return redirect("applicant:project", pk=pk)


def revise_budget(request, pk: int):
    project = _signable(request, pk)
    if project.state not in PROJECT.group("awaiting_signature"):
        raise Http404
    rows, problems, saved = post_budget(request, project, lambda lines: services.revise_budget_for_approval(
        actor=request.user, project_id=project.pk, lines=lines))
    if saved:
        messages.success(request, _("The budget now fits the approved amount."))
        return redirect("applicant:agreement", pk=pk)
    return render(request, "applicant/revise_budget.html", {
        "project": project, "rows": rows, "unsaved": problems,
        "budget": editor_context(project.round, list(project.budget_lines.all()),
                                 grant_amount=project.approved_amount, basis="核定"),
    })
