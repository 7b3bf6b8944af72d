"""The required-documents checklist, uploads, removal, and the only way files leave the server."""
from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import DomainError
from grants.defaults import ATTACHMENT_KINDS
from projects import services
from projects.selectors import attachment_download_name, get_attachment_for
from projects.views.applicant.common import member_project, show_errors
from projects.views.applicant.edit import edit_context

# Kinds an applicant uploads with the application; receipts and signed agreements have their own pages.
APPLICATION_KINDS = ["registration_certificate", "charter", "financial_report", "rating_certificate", "other"]


def checklist(project) -> list[dict]:
    required = list(project.round.required_attachments or [])
    if project.organization.rating and "rating_certificate" not in required:
        required.append("rating_certificate")
    files = list(project.attachments.all())
    return [{"kind": kind, "label": ATTACHMENT_KINDS.get(kind, kind),
             "files": [f for f in files if f.kind == kind]} for kind in required]


def attachments(request, pk: int):
    project = member_project(request, pk)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "请选择要上传的文件")
        else:
            try:
                services.add_attachment(actor=request.user, project_id=project.pk, kind=request.POST.get("kind", ""),
                                        uploaded_file=upload)
            except DomainError as exc:
                show_errors(request, exc)
            else:
                messages.success(request, _("The file is uploaded."))
        return redirect("applicant:attachments", pk=pk)
    context = edit_context(request, project, "attachments")
    context.update(
        checklist=checklist(project),
        files=project.attachments.all(),
        kinds=[(k, ATTACHMENT_KINDS[k]) for k in APPLICATION_KINDS],
    )
    return render(request, "applicant/attachments.html", context)


@require_POST
def remove(request, pk: int, attachment_id: int):
    project = member_project(request, pk)
    if not project.attachments.filter(pk=attachment_id).exists():
        raise Http404
    try:
        services.remove_attachment(actor=request.user, attachment_id=attachment_id)
    except DomainError as exc:
        show_errors(request, exc)
    return redirect("applicant:attachments", pk=pk)


def download(request, pk: int, attachment_id: int):
    """Anyone who may see the project may read its files (within projects.selectors' limits); the
    name is the cleaned original (neutral in a blind review), sent as an attachment (RFC 5987 filename* for Chinese names) so a browser never renders it inline."""
    attachment = get_attachment_for(request.user, pk, attachment_id)
    response = FileResponse(attachment.file.open("rb"), content_type=attachment.content_type)
    response["Content-Disposition"] = content_disposition_header(True, attachment_download_name(request.user, attachment))
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
