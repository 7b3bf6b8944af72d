"""Background jobs: the batch of agreements, claiming and fencing, permissions, pages."""
import dataclasses
import io
import socket
import zipfile
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from documents import services, tasks
from documents.errors import DocumentsError
from documents.kinds import KINDS, register
from documents.models import Job, JobEvent, JobState
from documents.runs import JobLost, JobResult, job_dir
from projects import agreements
from projects.errors import ProjectError
from projects.services.agreements import start_agreement_batch
from projects.states import State
from tests.documents.conftest import approved_projects
from tests.documents.pdfcheck import pdf_text
from tests.factories import RoundFactory, UserFactory


def start_batch(world, actor=None, capture=None) -> Job:
    with capture(execute=True):
        job = start_agreement_batch(actor=actor or world.officer, round_id=world.round.pk)
    return Job.objects.get(pk=job.pk)


def zip_names(job: Job) -> list[str]:
    with job.result.open("rb") as fh, zipfile.ZipFile(io.BytesIO(fh.read())) as zf:
        return zf.namelist()


def actions(job: Job) -> list[str]:
    return list(JobEvent.objects.filter(job=job).values_list("action", flat=True))


def test_the_batch_zips_every_agreement_of_the_round_once(big_world, django_capture_on_commit_callbacks):
    projects = approved_projects(big_world, 2)
    # A signed agreement is not one to send out again (issue 12): the batch prints only signable ones.
    signed = approved_projects(big_world, 1, state=State.CONTRACTED)[0]
    draft = big_world.draft(*big_world.new_org())  # not approved: no agreement
    other_round = RoundFactory()
    job = start_batch(big_world, capture=django_capture_on_commit_callbacks)
    assert job.state == JobState.DONE
    assert (job.progress_done, job.progress_total, job.percent) == (2, 2, 100)
    assert sorted(zip_names(job)) == sorted(agreements.filename(p) for p in projects)
    assert job.result_name == f"{big_world.round.code}-资助协议书.zip"
    with job.result.open("rb") as fh, zipfile.ZipFile(io.BytesIO(fh.read())) as zf:
        for project in projects:
            text = "".join(pdf_text(zf.read(agreements.filename(project))).split())
            assert "资助协议书" in text and project.code in text
    assert draft.code not in " ".join(zip_names(job)) and signed.code not in " ".join(zip_names(job))
    assert str(job.result.path).startswith(str(job_dir(job.pk)))
    assert not (job_dir(job.pk) / "work").exists()  # the parts are cleaned up after commit
    assert actions(job) == ["queued", "claimed", "done"]
    assert other_round.projects.count() == 0


def test_only_officers_start_a_batch_and_only_with_something_to_print(big_world):
    with pytest.raises(ProjectError, match="只有项目管理员"):
        start_agreement_batch(actor=big_world.member, round_id=big_world.round.pk)
    with pytest.raises(ProjectError, match="没有可生成资助协议书的项目"):
        start_agreement_batch(actor=big_world.officer, round_id=big_world.round.pk)
    assert not Job.objects.exists()


def test_a_finished_job_run_again_does_nothing(big_world, django_capture_on_commit_callbacks):
    approved_projects(big_world, 1)
    job = start_batch(big_world, capture=django_capture_on_commit_callbacks)
    content = job.result.read()
    assert services.run_job(job_id=job.pk) is None
    from documents.tasks import run_job_task

    run_job_task.apply(args=[job.pk])
    again = Job.objects.get(pk=job.pk)
    assert (again.state, again.attempt, again.result.name) == (JobState.DONE, 1, job.result.name)
    assert again.result.read() == content
    assert actions(job) == ["queued", "claimed", "done"]


def test_a_job_whose_worker_died_is_taken_over_and_finished_once(big_world, monkeypatch):
    projects = approved_projects(big_world, 3)
    job = start_agreement_batch(actor=big_world.officer, round_id=big_world.round.pk)  # not dispatched
    first = services.claim_job(job_id=job.pk)
    # The first runner rendered one agreement, then its process died (a pid that is not running).
    from documents.runs import JobRun

    run = JobRun(first.job, first.attempt)
    (run.workdir / "parts").mkdir()
    done_part = run.workdir / "parts" / f"{projects[0].pk}.pdf"
    done_part.write_bytes(agreements.render_agreement(projects[0]))
    run.progress(1)
    Job.objects.filter(pk=job.pk).update(claimed_by=f"{socket.gethostname()}:{2 ** 22 + 12345}")

    rendered = []
    real_render = agreements.render_agreement
    monkeypatch.setattr(agreements, "render_agreement", lambda p: rendered.append(p.pk) or real_render(p))
    finished = services.run_job(job_id=job.pk)
    assert finished.state == JobState.DONE and finished.attempt == 2
    assert rendered == [projects[1].pk, projects[2].pk]  # resumed: the first agreement was kept
    assert sorted(zip_names(finished)) == sorted(agreements.filename(p) for p in projects)
    assert actions(job) == ["queued", "claimed", "taken_over", "claimed", "done"]
    # The stale runner can neither report progress nor finish.
    with pytest.raises(JobLost):
        run.progress(2)
    stray = run.workdir.parent / "stray.zip"
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(b"late")
    with pytest.raises(JobLost):
        services.complete_job(job_id=job.pk, attempt=first.attempt, produced=stray, name="x.zip")
    assert not stray.exists()
    assert JobEvent.objects.filter(job=job, action="done").count() == 1


def test_a_live_runner_elsewhere_keeps_the_job(big_world):
    approved_projects(big_world, 1)
    job = start_agreement_batch(actor=big_world.officer, round_id=big_world.round.pk)
    services.claim_job(job_id=job.pk)
    Job.objects.filter(pk=job.pk).update(claimed_by="another-host:4242")
    with pytest.raises(services.JobBusy) as busy:
        services.claim_job(job_id=job.pk)
    assert 0 < busy.value.retry_in <= services.lease_seconds() + 1
    later = timezone.now() + timedelta(seconds=services.lease_seconds() + 5)
    assert services.claim_job(job_id=job.pk, now=later).attempt == 2  # the lease ran out


def test_recovery_at_worker_start_redispatches_dead_and_lost_jobs(big_world, monkeypatch):
    # Four officers: one live job per owner and target (a second start would return the first).
    approved_projects(big_world, 1)
    dead = start_agreement_batch(actor=UserFactory(role="officer"), round_id=big_world.round.pk)
    services.claim_job(job_id=dead.pk)
    Job.objects.filter(pk=dead.pk).update(claimed_by=f"{socket.gethostname()}:{2 ** 22 + 12345}")
    alive = start_agreement_batch(actor=UserFactory(role="officer"), round_id=big_world.round.pk)
    services.claim_job(job_id=alive.pk)
    Job.objects.filter(pk=alive.pk).update(claimed_by="another-host:1")
    lost = start_agreement_batch(actor=UserFactory(role="officer"), round_id=big_world.round.pk)
    five_minutes_ago = timezone.now() - timedelta(minutes=5)
    Job.objects.filter(pk=lost.pk).update(created_at=five_minutes_ago, updated_at=five_minutes_ago)
    fresh = start_agreement_batch(actor=UserFactory(role="officer"), round_id=big_world.round.pk)
    sent = []
    monkeypatch.setattr(tasks, "dispatch_job", lambda **kw: sent.append(kw))
    assert sorted(tasks.recover_stalled_jobs()) == sorted([dead.pk, alive.pk, lost.pk])
    by_job = {kw["job_id"]: kw.get("countdown") for kw in sent}
    assert by_job[dead.pk] is None and by_job[lost.pk] is None
    assert by_job[alive.pk] > 0  # looked at again when the live runner's lease would run out
    assert fresh.pk not in by_job


@pytest.fixture
def failing_kind():
    @register("test_failing", "failing")
    def failing(run):
        run.progress(0, total=1)
        raise DocumentsError("模板缺少字段")

    yield "test_failing"
    KINDS.pop("test_failing")


def test_an_error_in_the_work_fails_the_job_with_its_message(world, failing_kind, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.start_job(actor=world.officer, kind=failing_kind, params={})
    job.refresh_from_db()
    assert (job.state, job.error) == (JobState.FAILED, "模板缺少字段")
    assert actions(job) == ["queued", "claimed", "failed"]
    assert services.run_job(job_id=job.pk) is None


def test_an_unknown_kind_is_refused(world):
    with pytest.raises(DocumentsError, match="未知的后台任务类型"):
        services.start_job(actor=world.officer, kind="nope", params={})


def test_a_transient_error_is_retried_then_succeeds(world):
    from django.db import OperationalError

    from documents.tasks import run_job_task

    calls = []

    @register("test_flaky", "flaky")
    def flaky(run):
        calls.append(run.attempt)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        path = run.workdir / "out.txt"
        path.write_text("ok")
        return JobResult(path=path, name="out.txt")

    try:
        job = services.start_job(actor=world.officer, kind="test_flaky", params={})
        run_job_task.apply(args=[job.pk], throw=False)  # as a worker runs it: the retry runs again
    finally:
        KINDS.pop("test_flaky")
    job.refresh_from_db()
    assert job.state == JobState.DONE and calls == [1, 2]
    assert job.result.read() == b"ok"


# ---------------------------------------------------------------- pages and permissions

@pytest.fixture
def done_job(big_world, django_capture_on_commit_callbacks):
    approved_projects(big_world, 1)
    return start_batch(big_world, capture=django_capture_on_commit_callbacks)


@pytest.mark.parametrize("name", ["documents:job_detail", "documents:job_status", "documents:job_download"])
def test_only_the_owner_and_admins_see_a_job(client, big_world, done_job, name):
    url = reverse(name, args=[done_job.pk])
    other_officer = UserFactory(role="officer")
    for user, status in [(big_world.officer, 200), (big_world.admin, 200), (other_officer, 404),
                         (big_world.member, 404), (big_world.finance, 404)]:
        client.force_login(user)
        assert client.get(url).status_code == status, (user.role, status)
    client.force_login(big_world.officer)
    assert client.get(reverse(name, args=[done_job.pk + 1000])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302


def test_the_download_is_the_zip(client, big_world, done_job):
    client.force_login(big_world.officer)
    response = client.get(reverse("documents:job_download", args=[done_job.pk]))
    body = b"".join(response.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(body)).namelist() == zip_names(done_job)
    assert "attachment" in response["Content-Disposition"]


def test_the_status_endpoint_reports_progress_and_the_download(client, big_world, done_job):
    client.force_login(big_world.officer)
    data = client.get(reverse("documents:job_status", args=[done_job.pk])).json()
    assert data | {"state_label": ""} == {
        "id": done_job.pk, "state": "done", "state_label": "", "done": 1, "total": 1, "percent": 100,
        "finished": True, "error": "", "download_url": reverse("documents:job_download", args=[done_job.pk]),
        "follow_up": False, "summary": False,
    }


def test_an_unfinished_job_has_no_download(client, big_world):
    approved_projects(big_world, 1)
    job = start_agreement_batch(actor=big_world.officer, round_id=big_world.round.pk)
    client.force_login(big_world.officer)
    assert client.get(reverse("documents:job_download", args=[job.pk])).status_code == 404
    page = client.get(reverse("documents:job_detail", args=[job.pk])).content.decode()
    assert f'data-status-url="{reverse("documents:job_status", args=[job.pk])}"' in page
    assert "js/job-progress.js" in page


def test_the_officer_starts_a_batch_from_the_form(client, big_world, django_capture_on_commit_callbacks):
    approved_projects(big_world, 1)
    client.force_login(big_world.officer)
    url = reverse("documents:new_agreement_batch")
    assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"round": big_world.round.pk})
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("documents:job_detail", args=[job.pk])
    assert job.owner == big_world.officer and job.state == JobState.DONE
    for user in (big_world.member, big_world.finance):
        client.force_login(user)
        assert client.get(url).status_code == 403


def test_the_jobs_list_shows_own_jobs_in_constant_queries(client, world, failing_kind,
                                                           django_capture_on_commit_callbacks):
    other = UserFactory(role="officer")
    mine = services.start_job(actor=world.officer, kind=failing_kind, params={})
    theirs = services.start_job(actor=other, kind=failing_kind, params={})
    client.force_login(world.officer)
    url = reverse("documents:jobs")
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert f'data-job="{mine.pk}"' in page and f'data-job="{theirs.pk}"' not in page
    for n in range(6):  # distinct targets: starting the same one again would return the live job
        services.start_job(actor=world.officer, kind=failing_kind, params={"n": n})
    with CaptureQueriesContext(connection) as many:
        page = client.get(url).content.decode()
    assert page.count("data-job=") == 7
    assert len(many) == len(few)
    client.force_login(world.admin)
    assert client.get(url).content.decode().count("data-job=") == 8


@pytest.mark.parametrize("lines", [[], ["已处理 1 项。"]])
def test_the_status_asks_the_page_to_reload_only_for_summary_lines_it_will_show(
        client, big_world, done_job, monkeypatch, lines):
    """The page reloads when the status says there is a summary and it has none shown: a kind whose
    summary is empty for this job (its record gone) must not make it reload at every poll."""
    monkeypatch.setitem(KINDS, done_job.kind, dataclasses.replace(KINDS[done_job.kind], summary=lambda job: lines))
    client.force_login(big_world.officer)
    assert client.get(reverse("documents:job_status", args=[done_job.pk])).json()["summary"] is bool(lines)
    page = client.get(reverse("documents:job_detail", args=[done_job.pk])).content.decode()
    assert ('id="job-summary"' in page) is bool(lines)
