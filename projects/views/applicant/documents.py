"""The application as filed: a read-only page, its printable PDF (申报书) and the submission receipt
(回执). For the organization's own members only (member_project: 404 for anyone else). The PDFs are
rendered on demand by the one PDF service (documents.pdf), outside any transaction."""
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from documents.pdf import render_pdf
from projects.application_document import application_context, receipt_context
from projects.receipts import SubmissionReceipt
from projects.views.applicant.common import member_project


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def application(request, pk: int):
    project = member_project(request, pk)
    return render(request, "applicant/application.html", application_context(project))


def application_pdf(request, pk: int):
    project = member_project(request, pk)
    context = application_context(project)
    return _pdf(render_pdf("documents/application.html", context),
                f"申报书-{project.code}-v{project.version}.pdf")


def receipt_pdf(request, pk: int):
    project = member_project(request, pk)
    receipt = SubmissionReceipt.objects.filter(project=project).order_by("-version").first()
    if receipt is None:
        raise Http404  # not submitted yet: nothing to acknowledge
    return _pdf(render_pdf("documents/receipt.html", receipt_context(project, receipt)),
                f"申报回执-{receipt.number}.pdf")
