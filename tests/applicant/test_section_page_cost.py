"""Deadline day: the form's pages (35% of the requests) run every submission check to count the problems
on each tab. The checks read in a fixed number of queries, whatever the organization's other projects,
credit entries, attachments or the round's questions, and the page reads the round's questions and
districts once for the checks and for itself."""
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grants.models import District, RoundQuestion
from projects.models import Project, ProjectEvent
from tests.builders import World
from tests.factories import RoundFactory, list_org

pytestmark = pytest.mark.django_db


def _get(client, url) -> tuple[int, list[str], str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), [q["sql"] for q in captured.captured_queries], response.content.decode()


def test_section_page_reads_a_fixed_number_of_queries(world: World, client_for):
    project = world.draft()
    client = client_for(world.member)
    url = reverse("applicant:section", args=[project.pk, "need"])
    client.get(url)  # warm what is cached per process (content types, the session's first write)
    few, _sql, _page = _get(client, url)

    # The organization's other projects (earlier rounds, one terminated), its credit list, the round's
    # questions and districts: the same queries read them.
    earlier = RoundFactory()
    for title in ("旧项目一", "旧项目二", "旧项目三"):
        Project.objects.create(round=earlier, organization=world.org, title=title, state="in_progress")
    ended = Project.objects.create(round=earlier, organization=world.org, title="旧项目四", state="terminated")
    ProjectEvent.objects.create(project=ended, action="terminate", from_state="in_progress", to_state="terminated")
    list_org(world.org, days_ago=400)
    RoundQuestion.objects.create(round=world.round, position=1, label="服务经验", kind="text", required=True)
    RoundQuestion.objects.create(round=world.round, position=2, label="合作单位", kind="text", required=False)
    served = list(District.objects.filter(active=True)[:2])
    assert len(served) == 2
    world.round.districts.set(served)

    many, sql, page = _get(client, url)
    # Only the answers are read on top, once there is a required question to check.
    assert many == few + 1, "\n".join(sql)
    assert "附加问题" in page or "Additional questions" in page
    offered = page.split('<datalist id="districts">')[1].split("</datalist>")[0]
    assert offered == "".join(f'<option value="{d.name}">' for d in served)
    # One read of the round's questions serves the tab and the required-answer check; one of the districts
    # serves the check and the form's list (the round's, else every active one).
    assert len([q for q in sql if 'FROM "grants_roundquestion"' in q]) == 1, sql
    assert len([q for q in sql if "grantround_districts" in q]) == 1, sql
    # One read of the organization's projects answers every eligibility question about them (other
    # applications, unfinished projects, the last failure, the officer's finding); the other is the page's.
    assert len([q for q in sql if "projects_project" in q.split(" WHERE ")[0]]) == 2, sql
    assert len([q for q in sql if "projects_projectevent" in q]) == 1, sql


def test_the_budget_page_reads_the_lines_and_the_caps_once(world: World, client_for):
    """The budget page shows the lines, checks them for submission and sums them in the editor (whose labor
    cap and problems read the round's caps too): one read of each."""
    project = world.draft()
    client = client_for(world.member)
    url = reverse("applicant:section", args=[project.pk, "budget"])
    client.get(url)
    _n, sql, page = _get(client, url)
    assert len([q for q in sql if 'FROM "projects_budgetline"' in q]) == 1, sql
    assert len([q for q in sql if 'FROM "grants_budgetcap"' in q]) == 1, sql
    assert page.count("data-budget-row") == project.budget_lines.count() + 1  # the lines and the blank row


def test_the_submit_page_lists_what_submission_refuses(world: World, client_for):
    """The page lists what the submission refuses: an unfinished project elsewhere, a missing answer."""
    project = world.draft()
    earlier = RoundFactory(apply_start=world.round.apply_start - timedelta(days=400),
                           apply_end=world.round.apply_end - timedelta(days=400))
    Project.objects.create(round=earlier, organization=world.org, title="旧项目", state="in_progress")
    question = RoundQuestion.objects.create(round=world.round, position=1, label="服务经验", kind="text",
                                            required=True)
    client = client_for(world.member)
    page = client.get(reverse("applicant:submit", args=[project.pk])).content.decode()
    submitted = client.post(reverse("applicant:submit", args=[project.pk]), follow=True).content.decode()
    for text in ("旧项目", f"请回答附加问题「{question.label}」"):
        assert text in page and text in submitted
    project.refresh_from_db()
    assert project.state == "draft"
