"""Issue 17: starting a job twice while it is queued or running gives the same job back (a double
click, a retry after a broker outage), and every download of a result with bank accounts is
recorded in the security log by the app that owns the kind (documents cannot import accounts)."""
import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import SecurityEvent
from documents import services
from documents.kinds import KINDS
from documents.models import Job, JobState
from tests.documents.conftest import approved_projects
from tests.factories import UserFactory


def start(client, world):
    return client.post(reverse("documents:new_agreement_batch"), {"round": world.round.pk})


def test_a_second_post_while_the_job_is_queued_or_running_returns_the_same_job(client, big_world):
    approved_projects(big_world, 1)
    client.force_login(big_world.officer)
    # Not executing the on-commit dispatch: the job stays queued, as with the broker down.
    first = start(client, big_world)
    second = start(client, big_world)
    job = Job.objects.get()
    assert first["Location"] == second["Location"] == reverse("documents:job_detail", args=[job.pk])
    assert list(job.events.values_list("action", flat=True)) == ["queued"]

    services.claim_job(job_id=job.pk)
    assert Job.objects.get().state == JobState.RUNNING
    assert start(client, big_world)["Location"] == first["Location"] and Job.objects.count() == 1


def test_once_the_job_has_finished_starting_again_makes_a_new_one(client, big_world, django_capture_on_commit_callbacks):
    approved_projects(big_world, 1)
    client.force_login(big_world.officer)
    with django_capture_on_commit_callbacks(execute=True):
        start(client, big_world)
    assert Job.objects.get().state == JobState.DONE
    start(client, big_world)
    assert Job.objects.count() == 2


def test_another_officer_gets_a_job_of_their_own(client, big_world):
    approved_projects(big_world, 1)
    client.force_login(big_world.officer)
    start(client, big_world)
    client.force_login(UserFactory(role=big_world.officer.role))
    start(client, big_world)
    assert Job.objects.count() == 2 and Job.objects.values("owner").distinct().count() == 2


def test_the_database_refuses_a_second_live_job_for_the_same_target(big_world):
    job = services.start_job(actor=big_world.officer, kind="round_agreements", params={"round_id": 1, "project_ids": [1]})
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.create(owner=big_world.officer, kind=job.kind, params=job.params, target=job.target)


def test_downloading_the_agreements_zip_is_recorded_in_the_security_log(
        client, big_world, django_capture_on_commit_callbacks):
    approved_projects(big_world, 1)
    client.force_login(big_world.officer)
    with django_capture_on_commit_callbacks(execute=True):
        start(client, big_world)
    job = Job.objects.get()
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.MONEY_FILE_EXPORTED).exists()
    response = client.get(reverse("documents:job_download", args=[job.pk]), HTTP_USER_AGENT="pytest-browser")
    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.MONEY_FILE_EXPORTED)
    assert event.user == big_world.officer and event.user_agent == "pytest-browser" and event.ip_address
    assert event.detail["job"] == job.pk and event.detail["job_kind"] == "round_agreements"
    assert event.detail["file"].endswith(".zip")
    # Someone else's job: 404, and nothing recorded for them.
    client.force_login(UserFactory(role=big_world.officer.role))
    assert client.get(reverse("documents:job_download", args=[job.pk])).status_code == 404
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.MONEY_FILE_EXPORTED).count() == 1


def test_the_agreement_kind_records_its_downloads():
    assert KINDS["round_agreements"].on_download is not None
