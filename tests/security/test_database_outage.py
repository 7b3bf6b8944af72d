"""The database connection drops in the middle of a submission (or of a draft save): nothing is
half-written, the person sees the 503 page that says so, and trying again works."""
from contextlib import contextmanager

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.urls import reverse

from accounts.middleware import DATABASE_UNAVAILABLE
from projects.models import BudgetLine, Project, ProjectEvent
from projects.states import State

pytestmark = pytest.mark.django_db(transaction=True)


@contextmanager
def connection_drops_on(statement_start: str, error: type[Exception]):
    """Every SQL statement runs until the first one starting with `statement_start`, which fails as
    a dropped connection would."""
    seen = []

    def wrapper(execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(statement_start.upper()):
            seen.append(sql)
            raise error("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield seen
    assert seen, f"no statement started with {statement_start!r}: the failure was never injected"


def snapshot(project_id: int) -> tuple:
    project = Project.objects.get(pk=project_id)
    return (project.state, project.version, project.submitted_at,
            list(ProjectEvent.objects.filter(project_id=project_id).values_list("pk", flat=True)))


@pytest.mark.parametrize("statement, error", [
    ('INSERT INTO "projects_projectevent"', OperationalError),  # the audit row, after the state change
    ('UPDATE "projects_project"', InterfaceError),  # the state change itself
])
def test_a_submission_cut_off_leaves_nothing_half_written_and_the_retry_works(world, client, statement, error):
    project = world.draft()
    before = snapshot(project.pk)
    client.force_login(world.member)
    url = reverse("applicant:submit", args=[project.pk])

    with connection_drops_on(statement, error):
        response = client.post(url)

    assert response.status_code == 503 and response["Retry-After"] == "30"
    page = response.content.decode()
    assert DATABASE_UNAVAILABLE in page and 'data-testid="db-unavailable"' in page
    assert snapshot(project.pk) == before  # still a draft, same version, no audit row

    retry = client.post(url)
    assert retry.status_code == 302 and retry["Location"] == reverse("applicant:project", args=[project.pk])
    project.refresh_from_db()
    assert project.state == State.SUBMITTED and project.submitted_at is not None
    assert ProjectEvent.objects.filter(project=project, action="submit").count() == 1


@pytest.mark.parametrize("extra, statement", [
    (0, 'UPDATE "projects_budgetline"'),  # as many lines as stored: the changed lines are updated in place
    (1, 'INSERT INTO "projects_budgetline"'),  # another number: the old lines are deleted first, then inserted
])
def test_a_budget_save_cut_off_keeps_the_budget_that_was_saved_before(world, client, extra, statement):
    """The failed write (in place, or after the old lines were deleted) must bring the old lines back."""
    project = world.draft()
    saved = list(BudgetLine.objects.filter(project=project).values_list("item", "amount"))
    client.force_login(world.member)
    url = reverse("applicant:section", args=[project.pk, "budget"])
    items = ["社工劳务", "活动物资", "宣传资料", "场地租用"][:len(saved) + extra]
    categories = ["labor"] + ["activity"] * (len(items) - 1)
    post = {"b_category": categories, "b_item": items, "b_unit_price": ["40000"] + ["6000"] * (len(items) - 1),
            "b_quantity": ["1"] * len(items), "b_source": ["grant"] * len(items), "b_explanation": [""] * len(items)}
    assert 2 <= len(saved) <= 3, saved  # the draft's budget, replaced by different lines

    with connection_drops_on(statement, OperationalError):
        response = client.post(url, post, HTTP_X_AUTOSAVE="1")

    # Not JSON: the autosave script treats it as "offline", keeps the input in the browser, retries.
    assert response.status_code == 503 and response["Content-Type"].startswith("text/html")
    assert list(BudgetLine.objects.filter(project=project).values_list("item", "amount")) == saved

    retry = client.post(url, post, HTTP_X_AUTOSAVE="1")
    assert retry.status_code == 200 and retry.json()["saved"] is True
    assert list(BudgetLine.objects.filter(project=project).order_by("position").values_list("item", flat=True)) == items


def test_other_errors_still_get_the_500_page(world, client):
    client.raise_request_exception = False
    client.force_login(world.member)
    project = world.draft()
    with connection_drops_on("SELECT", ZeroDivisionError):
        response = client.get(reverse("applicant:project", args=[project.pk]))
    assert response.status_code == 500 and 'data-testid="server-error"' in response.content.decode()
