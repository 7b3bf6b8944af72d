"""Disbursement batches: build, sign off (经办 → 审核 → 审批), export, record payments."""
import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from accounts import security
from core import xlsx_export
from core.calendar import today
from core.listing import query_without
from core.messages import report_outcome, show_errors
from core.money import rmb_upper
from core.pagination import paginate
from core.spreadsheets import SpreadsheetRefused, read_upload
from documents.pdf import render_pdf
from finance import lists, selectors, services
from finance.bank_results import parse_result_file
from finance.errors import FinanceError
from finance.exports.resources import BankTransferResource, DisbursementListResource
from finance.exports.writers import PrintLayout, write_csv, write_xlsx
from finance.forms import (
    ApproveForm,
    BankFileForm,
    BatchFilterForm,
    FailureForm,
    PaymentForm,
    ReasonForm,
    ResultFileForm,
)
from finance.models import BatchState, FileFormat, LineStatus, tranche_reference
from grants.defaults import DOMAINS
from projects.models import Project

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TRANCHES_PER_PAGE = 100


@login_required
def batch_list(request):
    """Every batch, with filters, search, sortable columns and the filtered list as xlsx."""
    batches = selectors.batches_for(request.user)
    form = lists.BatchFilter(request.GET or None, rounds=selectors.rounds_for(request.user))
    batches = lists.filtered(batches, form, request.GET.get("sort"))
    if request.GET.get("export") == "xlsx":
        return xlsx_export.response(f"batches-{today():%Y%m%d}.xlsx", lists.EXPORT_HEADERS,
                                    lists.export_rows(batches), sheet="拨付批次")
    return render(request, "finance/batch_list.html", {
        "page": paginate(request, batches, 50), "form": form, "headers": lists.SORTING.headers(request.GET),
        "export_query": query_without(request.GET, "page", "export"),
    })


@login_required
def batch_new(request):
    rounds = selectors.rounds_for(request.user)
    default = {"round": str(rounds[0].pk)} if rounds else None
    data = request.POST if request.method == "POST" else (request.GET or default)
    # The raw value ("abc", "NaN", a huge number) never reaches a query: only a listed round's id does.
    raw = (data or {}).get("round")
    round_id = next((r.pk for r in rounds if str(r.pk) == raw), None)
    districts = list(
        Project.objects.filter(round_id=round_id).exclude(service_district="")
        .values_list("service_district", flat=True).distinct().order_by("service_district")
    ) if round_id else []
    form = BatchFilterForm(data, rounds=rounds, districts=districts, domains=list(DOMAINS.items()),
                           initial={"round": round_id})
    tranches, summary, awaiting, page = [], None, [], None
    if form.is_valid():
        filters = {"round_id": form.cleaned_data["round"].pk, "district": form.cleaned_data["district"],
                   "domain": form.cleaned_data["domain"]}
        if request.method == "POST":
            # The ticked tranches of the page shown, or (the second button, on a list of several pages)
            # every tranche matching the filters.
            ids = (None if request.POST.get("all") == "1"
                   else [int(i) for i in request.POST.getlist("tranche") if i.isdecimal()])
            try:
                batch = services.create_batch(actor=request.user, tranche_ids=ids, **filters)
            except FinanceError as exc:
                show_errors(request, exc)
            else:
                messages.success(request, _("Batch %(number)s created.") % {"number": batch.number})
                return redirect("finance:batch_detail", pk=batch.pk)
        qs = selectors.releasable_tranches(**filters)
        summary = selectors.releasable_summary(qs)
        # One page of the list: the summary above counts all of it, so the count comes from there.
        page = Paginator(range(summary["count"]), TRANCHES_PER_PAGE).get_page(request.GET.get("page"))
        first = max(page.start_index() - 1, 0)
        tranches = list(qs.select_related("project__organization")[first:first + TRANCHES_PER_PAGE])
        awaiting = list(selectors.awaiting_account(round_id=filters["round_id"]))
    return render(request, "finance/batch_new.html", {"form": form, "tranches": tranches, "summary": summary,
                                                      "awaiting": awaiting, "page": page})


STATUS_LABELS = {LineStatus.PENDING: _lazy("Awaiting the bank's result"), LineStatus.PAID: _lazy("Paid"),
                 LineStatus.FAILED: _lazy("Returned by the bank"),
                 LineStatus.WITHDRAWN: _lazy("Withdrawn (project terminated)")}


def _rows(batch) -> list[dict]:
    rows = list(selectors.export_rows(batch))
    for row in rows:
        row["reference"] = tranche_reference(row["tranche_id"])
        row["status_label"] = STATUS_LABELS[row["status"]] if batch.is_frozen else _("Draft (not approved)")
    return rows


@login_required
def batch_detail(request, pk: int):
    batch = selectors.batch_with_figures(request.user, pk)
    user = request.user
    return render(request, "finance/batch_detail.html", {
        "batch": batch, "rows": _rows(batch), "total_upper": rmb_upper(batch.total),
        "domain_label": DOMAINS.get(batch.domain, batch.domain),
        "events": list(batch.events.select_related("actor")),
        "earlier_failures": list(selectors.earlier_failures(batch)),
        "may_edit": batch.state == BatchState.DRAFT and user.pk == batch.prepared_by_id,
        "may_check": batch.state == BatchState.SUBMITTED and user.pk != batch.prepared_by_id,
        "may_approve": batch.state == BatchState.CHECKED and user.pk not in (batch.prepared_by_id, batch.checked_by_id),
        "may_pay": batch.state == BatchState.APPROVED,
        "reason_form": ReasonForm(), "payment_form": PaymentForm(), "failure_form": FailureForm(),
        "result_form": ResultFileForm(), "bank_form": BankFileForm(), "approve_form": ApproveForm(),
    })


ACTIONS = {
    "submit": lambda r, b: services.submit_batch(actor=r.user, batch_id=b.pk, comment=r.POST.get("comment", "")),
    "check": lambda r, b: services.check_batch(actor=r.user, batch_id=b.pk, comment=r.POST.get("comment", "")),
    "approve": lambda r, b: services.approve_batch(actor=r.user, batch_id=b.pk, password=r.POST.get("password", ""),
                                                   comment=r.POST.get("comment", "")),
    "send_back": lambda r, b: services.send_back_batch(actor=r.user, batch_id=b.pk, reason=r.POST.get("reason", "")),
    "close": lambda r, b: services.close_batch(actor=r.user, batch_id=b.pk),
    "remove": lambda r, b: services.remove_from_batch(actor=r.user, batch_id=b.pk, tranche_id=_tranche_of(r, b)),
}


def _tranche_of(request, batch) -> int:
    """The posted tranche, if it is in this batch; anything else (another batch's, "abc") is a 404."""
    raw = request.POST.get("tranche", "")
    ids = [pk for pk in batch.tranches.values_list("pk", flat=True) if str(pk) == raw]
    if not ids:
        raise Http404
    return ids[0]


@login_required
@require_POST
def batch_action(request, pk: int, action: str):
    batch = selectors.get_batch_for(request.user, pk)
    if action not in ACTIONS:
        raise Http404
    try:
        ACTIONS[action](request, batch)
        messages.success(request, _("Done."))
    except FinanceError as exc:
        show_errors(request, exc)
    return redirect("finance:batch_detail", pk=batch.pk)


def _file_response(write, filename: str, content_type: str):
    """Writes to a temporary file, then streams it: the export never sits whole in memory."""
    out = tempfile.TemporaryFile()  # noqa: SIM115  FileResponse closes it when the response is sent
    write(out)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=content_type)


def _signatures(batch) -> list[tuple[str, str, str]]:
    def when(moment) -> str:
        return localtime(moment).strftime("%Y-%m-%d") if moment else ""

    return [("经办", str(batch.prepared_by), when(batch.submitted_at)),
            ("审核", str(batch.checked_by or ""), when(batch.checked_at)),
            ("审批", str(batch.approved_by or ""), when(batch.approved_at))]


@login_required
def export_list(request, pk: int):
    """The 拨付清单: after 审批, the frozen lines, ready to print and sign; before it, a preview
    marked 草稿 on every page and every row."""
    batch = selectors.get_batch_for(request.user, pk)
    draft = not batch.is_frozen
    resource = DisbursementListResource(batch_number=batch.number, draft=draft)
    day = localtime(batch.approved_at).strftime("%Y-%m-%d") if batch.approved_at else today().isoformat()
    layout = PrintLayout(title=f"{batch.round.name}资助资金拨付清单", subtitle=f"批次号：{batch.number}　日期：{day}",
                         signatures=_signatures(batch), draft=draft)
    name = f"拨付清单-{batch.number}" + ("-草稿" if draft else "")
    security.record(security.Kind.MONEY_FILE_EXPORTED, request=request, batch=batch.number, file=name)
    return _file_response(lambda out: write_xlsx(resource, selectors.export_rows(batch), out, sheet="拨付清单",
                                                 layout=layout), f"{name}.xlsx", XLSX)


@login_required
def export_bank(request, pk: int):
    """The bank's batch-transfer file exists only for an approved batch, from its frozen lines."""
    batch = selectors.get_batch_for(request.user, pk)
    if not batch.is_frozen:
        messages.error(request, _("The bank transfer file exists only once the batch is approved (审批)."))
        return redirect("finance:batch_detail", pk=batch.pk)
    form = BankFileForm(request.GET or None)
    bank = form.cleaned_data["bank"] if form.is_valid() else None
    resource = BankTransferResource(batch_number=batch.number, columns=bank.columns if bank else None)
    # A line withdrawn since 审批 (its project terminated) is not sent to the bank.
    rows = [row for row in selectors.export_rows(batch) if row["status"] != LineStatus.WITHDRAWN]
    name = f"银行批量转账-{batch.number}-{bank.name if bank else '通用'}"
    security.record(security.Kind.MONEY_FILE_EXPORTED, request=request, batch=batch.number, file=name)
    if bank is not None and bank.file_format == FileFormat.CSV:
        try:
            return _file_response(lambda out: write_csv(resource, rows, out, encoding=bank.encoding or "utf-8-sig"),
                                  f"{name}.csv", "text/csv")
        except FinanceError as exc:
            messages.error(request, exc.message)
            return redirect("finance:batch_detail", pk=batch.pk)
    return _file_response(lambda out: write_xlsx(resource, rows, out, sheet="批量转账"), f"{name}.xlsx", XLSX)


@login_required
def approval_pdf(request, pk: int):
    """拨付审批表: what was approved, paid and returned side by side, from the frozen lines."""
    batch = selectors.batch_with_figures(request.user, pk)
    pdf = render_pdf("finance/approval_form.html", {
        "batch": batch, "rows": _rows(batch), "total_upper": rmb_upper(batch.total),
        "draft": not batch.is_frozen, "earlier_failures": list(selectors.earlier_failures(batch)),
    })
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="approval-{batch.number}.pdf"'
    return response


@login_required
@require_POST
def tranche_pay(request, pk: int):
    tranche = selectors.get_tranche_for(request.user, pk)
    form = PaymentForm(request.POST)
    if form.is_valid():
        report_outcome(request, lambda: services.record_payment(
            actor=request.user, tranche_id=tranche.pk, paid_on=form.cleaned_data["paid_on"],
            bank_reference=form.cleaned_data["bank_reference"]), done=_("Payment recorded."))
    else:
        messages.error(request, _("Please fill in the payment date and the bank reference."))
    return _back_to(tranche)


@login_required
@require_POST
def tranche_fail(request, pk: int):
    tranche = selectors.get_tranche_for(request.user, pk)
    form = FailureForm(request.POST)
    report_outcome(request, lambda: services.record_payment_failure(
        actor=request.user, tranche_id=tranche.pk, reason=form.data.get("reason", "")),
        done=_("Failed transfer recorded."))
    return _back_to(tranche)


@login_required
@require_POST
def tranche_requeue(request, pk: int):
    """A returned transfer whose account finance found correct goes back to the releasable pool."""
    tranche = selectors.get_tranche_for(request.user, pk)
    report_outcome(request, lambda: services.requeue_returned_transfer(
        actor=request.user, tranche_id=tranche.pk, reason=request.POST.get("reason", "")),
        done=_("The tranche may go into a new batch."))
    return redirect(f"{reverse('finance:batch_new')}?round={tranche.project.round_id}")


def _back_to(tranche):
    if tranche.batch_id:
        return redirect("finance:batch_detail", pk=tranche.batch_id)
    return redirect("finance:home")


@login_required
@require_POST
def batch_results(request, pk: int):
    batch = selectors.get_batch_for(request.user, pk)
    form = ResultFileForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Please choose the bank's result file and the payment date."))
        return redirect("finance:batch_detail", pk=batch.pk)
    upload = form.cleaned_data["file"]
    try:
        content = read_upload(upload)  # the size is checked before the file is read
    except SpreadsheetRefused as exc:
        messages.error(request, str(exc))
        return redirect("finance:batch_detail", pk=batch.pk)
    rows, problems = parse_result_file(content, upload.name)
    if problems:
        for problem in problems:
            messages.error(request, problem)
        return redirect("finance:batch_detail", pk=batch.pk)
    try:
        outcome = services.import_bank_results(actor=request.user, batch_id=batch.pk, rows=rows,
                                               paid_on=form.cleaned_data["paid_on"])
    except FinanceError as exc:
        show_errors(request, exc)
    else:
        messages.success(request, _("%(paid)s paid, %(failed)s failed, %(skipped)s already recorded.") % {
            "paid": outcome.paid, "failed": outcome.failed, "skipped": outcome.already_paid})
        for failure in outcome.failures:
            messages.warning(request, failure)
    return redirect("finance:batch_detail", pk=batch.pk)
