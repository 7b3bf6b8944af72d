"""The Celery broker is down when an officer starts a job: the page still works, the job waits in
the queue, and the periodic sweep sends it once the broker is back; sending it again never runs it
twice (the Job row is the unit)."""
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from config.celery import app as celery_app
from core.middleware import FILE_MISSING
from documents import tasks
from documents.models import Job, JobEvent, JobState
from projects.services.agreements import start_agreement_batch
from tests.broker import broker_down  # noqa: F401  (fixture)
from tests.documents.conftest import approved_projects


def test_starting_a_job_with_the_broker_down_works_and_the_sweep_runs_it_once_later(
        client, big_world, broker_down, django_capture_on_commit_callbacks):
    approved_projects(big_world, 1)
    client.force_login(big_world.officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:new_agreement_batch"), {"round": big_world.round.pk})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("documents:job_detail", args=[job.pk])
    assert job.state == JobState.QUEUED
    assert client.get(response["Location"]).status_code == 200

    # Too early for the sweep, and the broker still down: nothing happens, nothing fails.
    assert tasks.sweep_jobs() == []
    later = timezone.now() - timedelta(minutes=tasks.sweep_minutes() + 1)
    Job.objects.filter(pk=job.pk).update(created_at=later, updated_at=later)
    assert tasks.sweep_jobs() == []  # sending failed: left for the next sweep
    assert Job.objects.get(pk=job.pk).state == JobState.QUEUED

    celery_app.conf.task_always_eager = True  # the broker is back (in-process stands in for it)
    assert tasks.sweep_jobs() == [job.pk]
    done = Job.objects.get(pk=job.pk)
    assert done.state == JobState.DONE and done.attempt == 1
    Job.objects.filter(pk=job.pk).update(created_at=later, updated_at=later)
    tasks.sweep_jobs()  # a duplicate sweep or redelivery
    tasks.dispatch_job(job_id=job.pk)
    assert Job.objects.get().attempt == 1 and Job.objects.count() == 1
    assert list(JobEvent.objects.filter(job=job).values_list("action", flat=True)) == ["queued", "claimed", "done"]


def test_the_sweep_is_scheduled_in_celery_beat():
    entries = {e["task"]: e for e in celery_app.conf.beat_schedule.values()}
    assert "documents.sweep_jobs" in entries and "documents.sweep_jobs" in celery_app.tasks


def test_a_result_file_is_readable_by_its_owner_only(big_world, django_capture_on_commit_callbacks, settings):
    approved_projects(big_world, 1)
    with django_capture_on_commit_callbacks(execute=True):
        job = start_agreement_batch(actor=big_world.officer, round_id=big_world.round.pk)
    job.refresh_from_db()
    assert job.state == JobState.DONE
    mode = (settings.MEDIA_ROOT / job.result.name).stat().st_mode & 0o777
    assert mode == 0o600, oct(mode)


def test_a_result_file_lost_after_a_restore_is_a_410_page_not_a_500(
        client, big_world, django_capture_on_commit_callbacks, settings):
    approved_projects(big_world, 1)
    client.force_login(big_world.officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:new_agreement_batch"), {"round": big_world.round.pk})
    job = Job.objects.get()
    (settings.MEDIA_ROOT / job.result.name).unlink()
    response = client.get(reverse("documents:job_download", args=[job.pk]))
    assert response.status_code == 410 and FILE_MISSING in response.content.decode()
