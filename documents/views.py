from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from documents.kinds import KINDS, back_for, follow_up_for, label_for, starters_for, summary_for
from documents.models import JobState
from documents.selectors import get_job_for, visible_jobs

JOBS_PER_PAGE = 50


@login_required
@require_GET
def jobs(request):
    rows = list(visible_jobs(request.user)[:JOBS_PER_PAGE])
    for job in rows:
        job.kind_label = label_for(job.kind)
    return render(request, "documents/jobs.html", {
        "jobs": rows, "starters": starters_for(request.user),
    })


@login_required
@require_GET
def job_detail(request, pk: int):
    job = get_job_for(request.user, pk)
    job.kind_label = label_for(job.kind)
    return render(request, "documents/job_detail.html", {
        "job": job, "status": _status(job), "follow_up": follow_up_for(job), "back": back_for(job),
        "summary": summary_for(job),
    })


def _status(job) -> dict:
    done = job.state == JobState.DONE
    return {
        "id": job.pk, "state": job.state, "state_label": str(job.get_state_display()),
        "done": job.progress_done, "total": job.progress_total, "percent": job.percent,
        "finished": job.finished, "error": job.error,
        "download_url": reverse("documents:job_download", args=[job.pk]) if done and job.result else None,
        # A job whose kind offers a next step once done: the open page reloads to show that step's button.
        "follow_up": done and follow_up_for(job) is not None,
        # A kind that reports what it did: the open page reloads to show those lines. Only when there are
        # lines: the page looks for them after the reload, and would otherwise reload at every poll.
        "summary": done and bool(summary_for(job)),
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
    kind = KINDS.get(job.kind)
    if kind is not None and kind.on_download is not None:
        kind.on_download(request=request, job=job)
    # A file lost after a restore raises FileNotFoundError: core.middleware answers 410 with a page.
    return FileResponse(job.result.open("rb"), as_attachment=True, filename=job.result_name or job.result.name.rsplit("/", 1)[-1])

