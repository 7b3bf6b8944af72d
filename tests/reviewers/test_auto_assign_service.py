import io
from collections import Counter
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from projects.models import ProjectEvent
from reviewers import services
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


def test_the_run_is_a_background_job_with_progress_and_a_result_file(world, round_to_assign, client,
                                                                      django_capture_on_commit_callbacks):
    from documents.models import Job

    projects, _ = round_to_assign
    with django_capture_on_commit_callbacks(execute=True):
        services.start_auto_assignment(actor=world.officer, round_id=world.round.pk, seed=5)
    job = Job.objects.get(kind="assignment_run")
    # progress counts projects: all 6 under review were done
    assert (job.owner, job.state, job.progress_done, job.progress_total) == (world.officer, "done", 6, 6)
    client.force_login(world.officer)
    response = client.get(f"/jobs/{job.pk}/download/")
    assert response.status_code == 200
    assert "专家自动分配结果.xlsx" in response["Content-Disposition"] or "xlsx" in response["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["概况", "评审组", "未配齐项目"]
    summary = {row[0]: row[1] for row in book["概况"].iter_rows(values_only=True)}
    assert summary["本次新建分配"] == 18 and summary["评审中的项目"] == 6
    panels = list(book["评审组"].iter_rows(values_only=True))
    assert panels[0][:4] == ("项目编号", "项目名称", "申报机构", "评审专家")
    assert len(panels) == 1 + 18 and {row[0] for row in panels[1:]} == {p.code for p in projects}
    client.force_login(world.member)
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404
