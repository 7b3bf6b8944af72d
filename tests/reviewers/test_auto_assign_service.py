import io
from collections import Counter
from datetime import date

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from projects.models import ProjectEvent
from reviewers import jobs, services
from reviewers.errors import ReviewError
from reviewers.models import Assignment, AssignmentRun, RunState


@pytest.fixture
def round_to_assign(world, under_review, experts):
    world.round.experts_per_project = 3
    world.round.require_finance_expert = True
    world.round.max_load_per_expert = 10
    world.round.save()
    projects = under_review(6)
    pool = experts(5) + experts(2, is_finance=True)
    world.expert.active = False  # the builder's expert stays out of this round
    world.expert.save()
    return projects, pool


def test_run_assigns_balanced_conflict_free_panels_and_audits(world, round_to_assign, django_capture_on_commit_callbacks):
    projects, pool = round_to_assign
    services.record_relation(actor=world.officer, expert_id=pool[0].pk, organization_id=projects[0].organization_id,
                             kind="board", start=date(2024, 1, 1))
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_auto_assignment(actor=world.officer, round_id=world.round.pk, seed=5)
    run.refresh_from_db()
    assert run.state == RunState.DONE and run.created == 18 and run.unstaffed == []
    pairs = list(Assignment.objects.filter(project__in=projects).values_list("project_id", "expert_id"))
    assert (projects[0].pk, pool[0].pk) not in pairs
    assert set(Counter(p for p, _ in pairs).values()) == {3}
    loads = Counter(e for _, e in pairs)
    assert max(loads.values()) - min(loads.values()) <= 1
    finance = {e.pk for e in pool if e.is_finance}
    assert all(any(e in finance for p2, e in pairs if p2 == p.pk) for p in projects)
    assert ProjectEvent.objects.filter(project__in=projects, action="auto_assign").count() == 6
    assert run.stats["max"] - run.stats["min"] <= 1

    # idempotent: the task running again changes nothing; a new run fills nothing (panels are full)
    services.run_auto_assignment(run_id=run.pk)
    with django_capture_on_commit_callbacks(execute=True):
        second = services.start_auto_assignment(actor=world.officer, round_id=world.round.pk, seed=6)
    second.refresh_from_db()
    assert second.created == 0 and Assignment.objects.count() == 18


def test_unstaffed_projects_are_listed_with_reasons(world, round_to_assign, django_capture_on_commit_callbacks):
    projects, pool = round_to_assign
    for finance_expert in [e for e in pool if e.is_finance]:
        services.record_relation(actor=world.officer, expert_id=finance_expert.pk,
                                 organization_id=projects[1].organization_id, kind="employer")
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_auto_assignment(actor=world.officer, round_id=world.round.pk, seed=1)
    run.refresh_from_db()
    assert [u["code"] for u in run.unstaffed] == [projects[1].code]
    assert "没有可用的财务专家" in run.unstaffed[0]["reasons"][0]


def test_only_officers_start_runs_and_the_page_shows_them(client, world, round_to_assign,
                                                          django_capture_on_commit_callbacks):
    with pytest.raises(ReviewError, match="只有项目管理员"):
        services.start_auto_assignment(actor=world.member, round_id=world.round.pk, seed=1)
    client.force_login(world.officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reviewers:round", args=[world.round.pk]), {"seed": "3"})
    assert response.status_code == 302
    run = AssignmentRun.objects.get()
    assert run.state == RunState.DONE  # eager Celery in tests: the task ran after commit
    page = client.get(reverse("reviewers:round", args=[world.round.pk])).content.decode()
    assert f'data-testid="run-{run.pk}" data-state="done"' in page


def test_the_run_is_a_background_job_with_progress_and_the_result_workbook_is_its_follow_up(
        world, round_to_assign, client, django_capture_on_commit_callbacks):
    """The run's job ends when the panels are committed; the workbook is a second job the officer starts
    from the finished run's job page (or the round page) and downloads from that job's page."""
    from documents.models import Job

    projects, _ = round_to_assign
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_auto_assignment(actor=world.officer, round_id=world.round.pk, seed=5)
    job = Job.objects.get(kind="assignment_run")
    # progress counts projects: all 6 under review were done; no file of its own, and no workbook built yet
    assert (job.owner, job.state, job.progress_done, job.progress_total) == (world.officer, "done", 6, 6)
    assert not job.result and not Job.objects.filter(kind="assignment_result").exists()
    client.force_login(world.officer)
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    status = client.get(f"/jobs/{job.pk}/status/").json()
    assert status["download_url"] is None and status["follow_up"] is True
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    step = reverse("reviewers:run_result", args=[run.pk])
    assert f'action="{step}"' in page and 'data-testid="run-result"' in page
    round_page = client.get(reverse("reviewers:round", args=[world.round.pk])).content.decode()
    assert f'action="{step}"' in round_page and f'data-testid="run-result-{run.pk}"' in round_page

    # GET (a bookmark) builds nothing; POST starts the workbook's job and shows its page
    assert client.get(step)["Location"] == reverse("reviewers:round", args=[world.round.pk])
    assert "请再次点击下方的“结果工作簿（xlsx）”按钮" in client.get(step, follow=True).content.decode()
    assert not Job.objects.filter(kind="assignment_result").exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(step)
    book_job = Job.objects.get(kind="assignment_result")
    assert response["Location"] == reverse("documents:job_detail", args=[book_job.pk])
    assert (book_job.owner, book_job.state, book_job.params) == (world.officer, "done", {"run_id": run.pk})
    status = client.get(f"/jobs/{book_job.pk}/status/").json()
    assert status["download_url"] == f"/jobs/{book_job.pk}/download/" and status["follow_up"] is False
    response = client.get(f"/jobs/{book_job.pk}/download/")
    assert response.status_code == 200
    assert "xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["概况", "评审组", "未配齐项目"]
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True)}
    assert summary["本次新建分配"] == 18 and summary["评审中的项目"] == 6
    panels = list(book["评审组"].iter_rows(values_only=True))
    assert panels[0][:4] == ("项目编号", "项目名称", "申报机构", "评审专家")
    assert len(panels) == 1 + 18 and {row[0] for row in panels[1:]} == {p.code for p in projects}
    assert {row[4] for row in panels[1:]} == {"本次自动分配"}

    # neither job nor the step is anyone else's
    client.force_login(world.member)
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
    assert client.get(f"/jobs/{book_job.pk}/download/").status_code == 404
    assert client.post(step).status_code == 404
    with pytest.raises(ReviewError, match="只有项目管理员"):
        services.start_run_workbook(actor=world.member, run_id=run.pk)


def test_no_result_workbook_before_the_run_is_done(world, round_to_assign):
    run = AssignmentRun.objects.create(round=world.round, seed=1, requested_by=world.officer)
    with pytest.raises(ReviewError, match="尚未完成"):
        services.start_run_workbook(actor=world.officer, run_id=run.pk)


def test_the_finished_run_page_sums_up_the_run_and_links_back_to_the_round(
        world, round_to_assign, client, django_capture_on_commit_callbacks):
    """The job page of a finished run says what it did (projects staffed, seats written, seats moved by
    balancing, the projects left short with why) and links back to the round's assignment page."""
    from documents.models import Job

    projects, pool = round_to_assign
    for finance_expert in [e for e in pool if e.is_finance]:
        services.record_relation(actor=world.officer, expert_id=finance_expert.pk,
                                 organization_id=projects[1].organization_id, kind="employer")
    client.force_login(world.officer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviewers:round", args=[world.round.pk]), {"seed": "1"})
    job = Job.objects.get(kind="assignment_run")
    run = AssignmentRun.objects.get()
    assert run.stats["moved"] == 0  # recorded for the summary, even when nothing moved
    round_url = reverse("reviewers:round", args=[world.round.pk])
    assert client.get(f"/jobs/{job.pk}/status/").json()["summary"] is True
    response = client.get(f"/jobs/{job.pk}/")
    with translation.override("en"):
        assert jobs.run_summary(job) == [
            "Projects under review: 6; fully staffed: 5.", f"Seats written by this run: {run.created}.",
            "Seats moved to balance the experts' load: 0.",
            f"Experts with seats: {run.stats['experts']}; proposals per expert: min {run.stats['min']}, "
            f"max {run.stats['max']}, mean {run.stats['mean']}.",
            "1 project is not fully staffed:", f"{projects[1].code}：{'；'.join(run.unstaffed[0]['reasons'])}"]
    page = response.content.decode()
    assert 'data-testid="job-summary"' in page
    assert all(escape(line) in page for line in jobs.run_summary(job))  # in the page's language
    assert f"{projects[1].code}：" in page and "没有可用的财务专家" in page
    assert f'href="{round_url}" data-testid="job-back"' in page
    assert f'href="{round_url}" data-testid="job-back-done"' in page

    # a job whose kind reports nothing shows no summary; the workbook's job links back to the round too
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("reviewers:run_result", args=[run.pk]))
    book_job = Job.objects.get(kind="assignment_result")
    page = client.get(f"/jobs/{book_job.pk}/").content.decode()
    assert 'data-testid="job-summary"' not in page and f'href="{round_url}" data-testid="job-back"' in page
    assert client.get(f"/jobs/{book_job.pk}/status/").json()["summary"] is False
