"""xlsx downloads of the ledger, the finance overview and the ranking (issue 12, documents): the
figures every page shows, cells starting with a formula character escaped. The three grow with the
round, so each is written by a background job and downloaded from the job page (issue 18)."""
from decimal import Decimal
from io import BytesIO

import openpyxl
import pytest
from django.urls import reverse

from documents.models import Job, JobState
from projects import services
from projects.states import State

pytestmark = pytest.mark.django_db


def _book(client, capture, url: str) -> tuple[bytes, Job]:
    """POSTs the export button, runs the job (eagerly, after commit) and downloads its file."""
    with capture(execute=True):
        response = client.post(url)
    job = Job.objects.filter(owner_id=int(client.session["_auth_user_id"])).latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("documents:job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.state == JobState.DONE, job.error
    download = client.get(reverse("documents:job_download", args=[job.pk]))
    assert download.status_code == 200
    return b"".join(download.streaming_content), job


def _cells(data: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(BytesIO(data)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_the_money_sheets(client, world, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    project = world.advance(world.draft(title="=HYPERLINK(\"http://x\")"), State.IN_PROGRESS)
    services.terminate_project(actor=world.officer, project_id=project.pk, reason="机构停止运营")
    client.force_login(world.finance)
    # A GET (an old bookmark, the way back from the login page after an expired session) builds
    # nothing and lands on the overview, where the button is.
    response = client.get(reverse("finance:home_xlsx"), {"round": world.round.pk})
    assert response.status_code == 302 and response["Location"] == reverse("finance:home") + f"?round={world.round.pk}"
    # A round that is not there (or none) is refused, never answered with another round's file.
    for query in ("?round=999999", "?round=abc", ""):
        assert client.post(reverse("finance:home_xlsx") + query).status_code == 404, query
    assert not Job.objects.exists()
    data, job = _book(client, capture, reverse("finance:home_xlsx") + f"?round={world.round.pk}")
    assert job.result_name == f"{world.round.code}-资金概况.xlsx"
    overview = _cells(data)
    row = next(r for r in overview if r[0] == project.code)
    assert row[1] == "=HYPERLINK(\"http://x\")"  # the exact title, in a string cell: never a formula
    sheet = openpyxl.load_workbook(BytesIO(data)).active
    assert all(c.data_type != "f" for r in sheet.iter_rows() for c in r)
    assert Decimal(str(row[-1])) == Decimal("40000")  # a terminated project holds what it was paid
    left = next(r for r in overview if r[0] == "资金池余额")
    assert left[4:-1] == [None] * (len(left) - 5)  # the closing rows fill only 占用资金
    assert Decimal(str(left[-1])) == world.round.pot - Decimal("40000")
    ledger = _cells(_book(client, capture, reverse("finance:ledger_xlsx") + f"?round={world.round.pk}")[0])
    assert ledger[0][:2] == ["日期", "项目编号"] and len(ledger) > 3
    client.force_login(world.officer)
    jobs = Job.objects.count()
    assert client.post(reverse("finance:ledger_xlsx") + f"?round={world.round.pk}").status_code == 404
    assert Job.objects.count() == jobs  # refused before any job is made
    response = client.get(reverse("reviewers:ranking_xlsx", args=[world.round.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("reviewers:ranking", args=[world.round.pk])
    ranking = _cells(_book(client, capture, reverse("reviewers:ranking_xlsx", args=[world.round.pk]))[0])
    assert ranking[0][0] == "排名" and ranking[1][1] == project.code
