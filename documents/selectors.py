"""Reads that cross a permission boundary: a job is its owner's (and any admin's)."""
from django.db.models import QuerySet
from django.http import Http404

from documents.models import Job


def visible_jobs(user) -> QuerySet[Job]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Job.objects.none()
    jobs = Job.objects.select_related("owner")
    return jobs if user.is_admin else jobs.filter(owner=user)


def get_job_for(user, pk: int) -> Job:
    try:
        return visible_jobs(user).get(pk=pk)
    except (Job.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
