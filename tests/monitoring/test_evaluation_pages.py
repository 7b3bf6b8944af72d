"""The evaluator's work list, the scoring page, termination and the evaluation report PDF."""
import subprocess
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from finance.models import Clawback, TrancheState
from projects import services
from projects.models import Project
from projects.states import State
from tests.builders import PDF
from tests.factories import UserFactory
from tests.monitoring.conftest import FINAL_EXCELLENT, MIDTERM_FAIL, evaluate, final_review

pytestmark = pytest.mark.django_db


def _get(client, user, url):
    client.force_login(user)
    return client.get(url)


def _report(world, project):
    """A final report with spending, an achieved indicator and a receipt, as the organization files them."""
    indicator = project.indicators.get()
    services.submit_report(
        actor=world.member, project_id=project.pk, kind="final", narrative="全年服务2300人次",
        expenditures=[
            {"category": "labor", "item": "社工劳务费", "amount": "30000.00", "source": "grant"},
            {"category": "activity", "item": "活动物资", "amount": "30000.00", "source": "grant"},
            {"category": "activity", "item": "配套物资", "amount": "20000.00", "source": "cofund"},
        ],
        achieved={indicator.pk: "1500"},
    )
    services.add_attachment(actor=world.member, project_id=project.pk, kind="receipt",
                            uploaded_file=SimpleUploadedFile("发票.pdf", PDF, content_type="application/pdf"))


def _final_review_with_report(world):
    """In 结项评估 with `_report` as its final report (the final evaluation starts only with one)."""
    project = world.advance(world.advance(world.draft(), State.MIDTERM_REVIEW), State.IN_PROGRESS)
    _report(world, project)
    services.begin_final(actor=world.officer, project_id=project.pk)
    return Project.objects.get(pk=project.pk)


def test_scoring_page_shows_the_figures_and_records_a_final_evaluation(client, world):
    project = _final_review_with_report(world)
    url = reverse("monitoring:evaluate", args=[project.pk])
    page = _get(client, world.evaluator, url).content.decode()
    assert 'data-testid="score-form"' in page
    assert 'data-testid="execution-rate">60.0%' in page  # 60 000 grant spent of 100 000 approved
    assert 'data-testid="labor-share">37.5%' in page  # 30 000 grant labor of 80 000 spent
    assert 'data-testid="ratio">75.0%' in page  # 1 500 of 2 000 served
    assert 'data-testid="receipt-count">1<' in page and "发票.pdf" in page
    assert "全年服务2300人次" in page

    response = client.post(url, {f"score_{k}": v for k, v in FINAL_EXCELLENT.items()})
    assert response.status_code == 302
    project.refresh_from_db()
    assert project.state == State.COMPLETED and project.grade == "优秀"
    # 60,000 of the grant spent, 40,000 paid: the settlement leaves 20,000 to pay, the 尾款 is cancelled.
    assert project.settlement.final_payable == Decimal("20000.00")
    assert project.tranches.get(name="二期").amount == Decimal("20000.00")
    assert project.tranches.get(name="尾款").state == TrancheState.CANCELLED


def test_invalid_scores_come_back_with_every_problem(client, world):
    project = final_review(world)
    client.force_login(world.evaluator)
    scores = {f"score_{k}": v for k, v in FINAL_EXCELLENT.items()}
    scores.update(score_indicators="", score_branding="11")
    response = client.post(reverse("monitoring:evaluate", args=[project.pk]), scores)
    body = response.content.decode()
    assert response.status_code == 200
    assert "请为「指标完成情况」打分" in body and "「福彩公益金资助标识使用」的分数须在 0 至 10 之间" in body
    assert Project.objects.get(pk=project.pk).state == State.FINAL_REVIEW


def test_only_officers_and_evaluators_see_the_scoring_page(client, world):
    project = final_review(world)
    url = reverse("monitoring:evaluate", args=[project.pk])
    assert _get(client, world.evaluator, url).status_code == 200
    assert _get(client, world.officer, url).status_code == 200
    _, other_member = world.new_org()
    for user in (world.member, other_member, world.finance, world.expert.user, UserFactory(role="applicant")):
        assert _get(client, user, url).status_code == 404, user.role
    assert _get(client, world.evaluator, reverse("monitoring:evaluate", args=[999999])).status_code == 404
    client.logout()
    assert client.get(url).status_code == 302
    # Posting scores is refused the same way.
    client.force_login(world.member)
    assert client.post(url, {f"score_{k}": v for k, v in FINAL_EXCELLENT.items()}).status_code == 404
    assert Project.objects.get(pk=project.pk).state == State.FINAL_REVIEW


def test_evaluators_start_evaluations_from_the_page(client, world):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    client.force_login(world.evaluator)
    client.post(reverse("monitoring:begin", args=[project.pk, "midterm"]))
    assert Project.objects.get(pk=project.pk).state == State.MIDTERM_REVIEW
    client.force_login(world.member)
    assert client.post(reverse("monitoring:begin", args=[project.pk, "final"])).status_code == 404


def test_after_a_failed_midterm_only_the_officer_terminates_with_a_clawback(client, world):
    project = world.advance(world.draft(), State.MIDTERM_REVIEW)
    evaluate(world, project, "midterm", MIDTERM_FAIL, comment="进度严重滞后")
    url = reverse("monitoring:terminate", args=[project.pk])
    assert 'data-testid="terminate-form"' in _get(client, world.officer, reverse("monitoring:evaluate",
                                                                                 args=[project.pk])).content.decode()
    client.force_login(world.evaluator)
    assert client.post(url, {"reason": "x", "clawback": "1"}).status_code == 404
    client.force_login(world.officer)
    client.post(url, {"reason": "中期评估不合格", "clawback": "99999999.00"})
    assert Project.objects.get(pk=project.pk).state == State.IN_PROGRESS  # more than was paid: refused
    client.post(url, {"reason": "中期评估不合格", "clawback": "5000.00"})
    assert Project.objects.get(pk=project.pk).state == State.TERMINATED
    assert Clawback.objects.get(project=project).amount == Decimal("5000.00")


def test_the_work_list_takes_the_same_queries_for_few_and_many_projects(client, world):
    client.force_login(world.evaluator)
    url = reverse("monitoring:evaluations")
    final_review(world)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for _ in range(3):
        org, member = world.new_org()
        world.advance(world.draft(org, member), State.MIDTERM_REVIEW)
    with CaptureQueriesContext(connection) as many:
        body = client.get(url).content.decode()
    assert body.count("data-project=") == 4
    assert len(many) == len(few)
    client.force_login(world.member)
    assert client.get(url).status_code == 404


def _pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_the_evaluation_report_pdf(client, world, tmp_path):
    project = _final_review_with_report(world)
    url = reverse("monitoring:evaluation_report", args=[project.pk])
    assert _get(client, world.officer, url).status_code == 404  # no final evaluation yet
    evaluate(world, project, "final", FINAL_EXCELLENT, comment="服务成效显著")
    response = _get(client, world.officer, url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.content, tmp_path)
    for expected in ("结项评估报告", project.code, "95.00", "优秀", "服务成效显著", "60.0%", "75.0%"):
        assert expected in text, expected
    assert _get(client, world.member, url).status_code == 200  # the organization's own report
    _, other_member = world.new_org()
    for user in (other_member, world.finance, world.expert.user):
        assert _get(client, user, url).status_code == 404
