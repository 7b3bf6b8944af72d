"""The officer reviews each report (spending per budget line against the approved budget and what was
paid, receipts per spending row, indicators against targets), accepts it or returns it with a
comment; the organization is told, sees the status, and resubmits a returned report."""
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Notification
from core.money import format_yuan
from finance.settling import plan_for
from projects import lifecycle, services
from projects.errors import ProjectError
from projects.models import Expenditure, Report, ReportReview
from projects.selectors_monitoring import performance_of
from projects.states import State
from tests.builders import PDF

pytestmark = pytest.mark.django_db


def receipt(name="发票.pdf", tag="1"):
    return SimpleUploadedFile(name, PDF.replace(b"%%EOF", f"% {tag}\n%%EOF".encode()), content_type="application/pdf")


@pytest.fixture
def running(world):
    return world.advance(world.draft(), State.IN_PROGRESS)


@pytest.fixture
def report(world, running):
    labor, activity = running.budget_lines.order_by("position", "id")
    indicator = running.indicators.get()
    return services.submit_report(
        actor=world.member, project_id=running.pk, kind="progress", narrative="开展助餐服务120次",
        expenditures=[{"budget_line_id": labor.pk, "item": "社工劳务3月", "amount": "8000.00"},
                      {"budget_line_id": activity.pk, "item": "餐具采购", "amount": "1200.00"}],
        achieved={indicator.pk: "600"}, receipts=[(1, receipt("劳务发票.pdf", "a")), (2, receipt("餐具发票.pdf", "b"))])


def review(client, report, **data):
    return client.post(reverse("projects:officer_report", args=[report.pk]), data, follow=True)


def test_the_report_page_shows_spending_per_line_receipts_indicators_and_what_was_paid(world, running, report,
                                                                                       client):
    client.force_login(world.officer)
    response = client.get(reverse("projects:officer_report", args=[report.pk]))
    assert response.status_code == 200
    rows = {row.label: row for row in response.context["rows"]}
    labor = rows["人员经费：项目社工劳务费"]
    assert (labor.budgeted, labor.in_report, labor.left) == (50000, 8000, 42000)
    assert [e.item for e in labor.rows] == ["社工劳务3月"]
    assert [f.original_name for f in labor.rows[0].receipts.all()] == ["劳务发票.pdf"]
    body = response.content.decode()
    assert "餐具发票.pdf" in body and "600" in body and "2,000" in body and "42,000.00" in body
    paid = response.context["money"].paid
    assert paid == running.tranches.get(seq=1).amount and paid > 0
    assert f'data-testid="paid">{format_yuan(paid)}<' in body


def test_earlier_counted_reports_add_up_per_line_and_returned_ones_do_not(world, running, report, client):
    labor = running.budget_lines.get(category="labor")
    second = services.submit_report(actor=world.member, project_id=running.pk, kind="midterm", narrative="",
                                    expenditures=[{"budget_line_id": labor.pk, "item": "社工劳务4月",
                                                   "amount": "2000.00"}])
    client.force_login(world.officer)
    rows = client.get(reverse("projects:officer_report", args=[second.pk])).context["rows"]
    assert (rows[0].earlier, rows[0].to_date) == (8000, 10000)
    review(client, report, decision="return", comment="票据与支出不符")
    rows = client.get(reverse("projects:officer_report", args=[second.pk])).context["rows"]
    assert (rows[0].earlier, rows[0].to_date) == (0, 2000)


def test_accepting_a_report_is_audited_and_the_organization_is_told(world, report, client,
                                                                   django_capture_on_commit_callbacks):
    client.force_login(world.officer)
    with django_capture_on_commit_callbacks(execute=True):
        review(client, report, decision="accept")
    report.refresh_from_db()
    assert (report.review_status, report.reviewed_by) == (ReportReview.ACCEPTED, world.officer)
    assert report.project.events.filter(action="report_accepted", actor=world.officer).count() == 1
    note = Notification.objects.get(recipient=world.member, text__contains="报告已审核通过")
    assert note.url == reverse("applicant:reports", args=[report.project_id])
    assert "已通过" in client.get(reverse("projects:officer_detail", args=[report.project_id])).content.decode()
    # Reviewed once: a second decision is refused.
    response = review(client, report, decision="return", comment="再看看")
    assert any("已审核" in str(m) for m in response.context["messages"])
    assert Report.objects.get(pk=report.pk).review_status == ReportReview.ACCEPTED


def test_returning_needs_a_comment_and_keeps_what_was_typed(world, report, client):
    client.force_login(world.officer)
    response = review(client, report, decision="return", comment="  ")
    assert any("退回报告须填写退回理由" in str(m) for m in response.context["messages"])
    assert Report.objects.get(pk=report.pk).review_status == ReportReview.PENDING


def test_only_officers_review(world, report, client):
    for user in (world.finance, world.evaluator):
        client.force_login(user)
        assert client.get(reverse("projects:officer_report", args=[report.pk])).status_code == 200
        assert client.post(reverse("projects:officer_report", args=[report.pk]), {"decision": "accept"}
                           ).status_code == 404
    with pytest.raises(ProjectError):
        services.review_report(actor=world.member, report_id=report.pk, accept=True)
    client.force_login(world.member)
    assert client.get(reverse("projects:officer_report", args=[report.pk])).status_code == 404
    assert Report.objects.get(pk=report.pk).review_status == ReportReview.PENDING


def test_a_returned_report_is_resubmitted_by_the_applicant_and_then_accepted(world, running, report, client,
                                                                            django_capture_on_commit_callbacks):
    client.force_login(world.officer)
    with django_capture_on_commit_callbacks(execute=True):
        review(client, report, decision="return", comment="餐具票据金额不符，请更正")
    assert Notification.objects.filter(recipient=world.member, text__contains="餐具票据金额不符").count() == 1

    member = client.__class__()
    member.force_login(world.member)
    url = reverse("applicant:reports", args=[running.pk])
    body = member.get(url).content.decode()
    assert 'data-status="returned"' in body and "餐具票据金额不符，请更正" in body
    form = member.get(url, {"resubmit": report.pk})
    assert [r["item"] for r in form.context["posted_rows"]] == ["社工劳务3月", "餐具采购"]
    labor, activity = running.budget_lines.order_by("position", "id")
    response = member.post(url, {
        "resubmission_of": report.pk, "narrative": "开展助餐服务120次（已更正）",
        "e_line": [labor.pk, activity.pk], "e_item": ["社工劳务3月", "餐具采购"], "e_amount": ["8000.00", "1100.00"],
        # The same receipt as in the returned report may back the corrected row.
        "e_receipts_1": receipt("劳务发票.pdf", "a"), "e_receipts_2": receipt("餐具发票-更正.pdf", "c"),
    })
    assert response.status_code == 302, response.context and response.context["problems"]
    corrected = Report.objects.get(resubmission_of=report)
    assert (corrected.kind, corrected.review_status) == ("progress", ReportReview.PENDING)
    assert list(Expenditure.objects.counted().filter(report__project=running).order_by("amount")
                .values_list("amount", flat=True)) == [1100, 8000]
    assert "已按意见重新提交报告" in member.get(url).content.decode()
    # Once resubmitted, the returned report cannot be resubmitted again.
    with pytest.raises(ProjectError, match="已重新提交"):
        services.submit_report(actor=world.member, project_id=running.pk, kind="", narrative="", expenditures=[],
                               resubmission_of=report.pk)

    review(client, corrected, decision="accept")
    assert Report.objects.get(pk=corrected.pk).review_status == ReportReview.ACCEPTED
    assert 'data-status="accepted"' in member.get(url).content.decode()


def test_only_a_returned_report_can_be_resubmitted(world, running, report):
    with pytest.raises(ProjectError, match="未被退回"):
        services.submit_report(actor=world.member, project_id=running.pk, kind="", narrative="", expenditures=[],
                               resubmission_of=report.pk)
    with pytest.raises(ProjectError, match="不存在"):
        services.submit_report(actor=world.member, project_id=running.pk, kind="", narrative="", expenditures=[],
                               resubmission_of="abc")


def test_a_returned_reports_spending_counts_nowhere_until_resubmitted(world, running, report):
    assert plan_for(running).reported == 9200
    assert performance_of(running).spent_total == 9200
    services.review_report(actor=world.officer, report_id=report.pk, accept=False, comment="请更正")
    assert plan_for(running).reported == 0
    assert performance_of(running).spent_total == 0


def test_a_returned_final_report_does_not_open_the_final_evaluation(world, running):
    world.final_report(running)
    final = running.reports.get(kind="final")
    services.review_report(actor=world.officer, report_id=final.pk, accept=False, comment="结项报告缺少成效说明")
    assert "final.no_report" in {p.code for p in lifecycle.problems(running, "begin_final", actor=world.officer)}
