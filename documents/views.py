from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from documents import agreements, services
from documents.errors import DocumentsError
from documents.forms import AgreementBatchForm
from documents.kinds import label_for
from documents.models import JobState
from documents.selectors import get_agreement_project_for, get_job_for, visible_jobs

JOBS_PER_PAGE = 50


@login_required
@require_GET
def jobs(request):
    rows = list(visible_jobs(request.user)[:JOBS_PER_PAGE])
    for job in rows:
        job.kind_label = label_for(job.kind)
    return render(request, "documents/jobs.html", {
        "jobs": rows, "may_start_agreements": request.user.has_role(Role.OFFICER),
    })


@login_required
@require_GET
def job_detail(request, pk: int):
    job = get_job_for(request.user, pk)
    job.kind_label = label_for(job.kind)
    return render(request, "documents/job_detail.html", {"job": job, "status": _status(job)})


def _status(job) -> dict:
    done = job.state == JobState.DONE
    return {
        "id": job.pk, "state": job.state, "state_label": str(job.get_state_display()),
        "done": job.progress_done, "total": job.progress_total, "percent": job.percent,
        "finished": job.finished, "error": job.error,
        "download_url": reverse("documents:job_download", args=[job.pk]) if done and job.result else None,
    }


@login_required
@require_GET
def job_status(request, pk: int):
    response = JsonResponse(_status(get_job_for(request.user, pk)))
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def job_download(request, pk: int):
    job = get_job_for(request.user, pk)
    if job.state != JobState.DONE or not job.result:
        raise Http404
    try:
        handle = job.result.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(handle, as_attachment=True, filename=job.result_name or job.result.name.rsplit("/", 1)[-1])


@login_required
@require_http_methods(["GET", "POST"])
def new_agreement_batch(request):
    if not request.user.has_role(Role.OFFICER):
        raise PermissionDenied
    form = AgreementBatchForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = services.start_agreement_batch(actor=request.user, round_id=form.cleaned_data["round"].pk)
        except DocumentsError as exc:
            for error in exc.errors:
                form.add_error(None, error)
        else:
            messages.success(request, _("The agreements are being generated."))
            return redirect("documents:job_detail", pk=job.pk)
    return render(request, "documents/new_agreement_batch.html", {"form": form})


@login_required
@require_GET
def agreement_pdf(request, project_id: int):
    project = get_agreement_project_for(request.user, project_id)
    pdf = agreements.render_agreement(project)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=agreements.filename(project))
    return response
