"""A report with its receipts is one service call: each receipt is linked to its spending row (and so
to the report), and one refused receipt or row stores nothing at all, not even a file on disk."""
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Notification
from projects import services
from projects.errors import ProjectError
from projects.models import Attachment, Expenditure, Report, protected_storage
from projects.services import implementation
from projects.states import State
from tests.builders import PDF, budget

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def pdf(n: int) -> bytes:
    """Distinct bytes per receipt: the same file twice is refused as one receipt backing two rows."""
    return PDF + f"% receipt {n}\n".encode()


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    """A storage of its own: other test runs share the test media folder. The storage aliases follow
    MEDIA_ROOT (core.storage); patching the storage object itself broke it for every later test."""
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files() -> set[str]:
    root = Path(protected_storage.location)
    return {str(p) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def running(world):
    return world.advance(world.draft(), State.IN_PROGRESS)


def _post(world, project, rows, files, **extra):
    """rows: (budget line, item, amount); files: {row number: [(name, bytes)]}."""
    data = {"kind": "progress", "narrative": "本期开展活动12场", **extra,
            "e_line": [str(line.pk) for line, _, _ in rows], "e_item": [i for _, i, _ in rows],
            "e_amount": [a for _, _, a in rows]}
    for number, chosen in files.items():
        data[f"e_receipts_{number}"] = [SimpleUploadedFile(name, content) for name, content in chosen]
    return data


def test_two_receipts_are_linked_to_their_rows_and_the_report(world, running, client_for):
    labor, activity = running.budget_lines.order_by("position")
    c = client_for(world.member)
    data = _post(world, running, [(labor, "社工劳务费", "3000.00"), (activity, "活动物资", "800.00")],
                 {1: [("劳务发票.pdf", pdf(1))], 2: [("物资小票.png", PNG)]})
    response = c.post(reverse("applicant:reports", args=[running.pk]), data)
    assert response.status_code == 302
    report = Report.objects.get(project=running)
    first, second = report.expenditures.order_by("id")
    assert (first.budget_line, first.category, second.budget_line, second.source) == (labor, "labor", activity, "grant")
    assert [r.original_name for r in first.receipts.all()] == ["劳务发票.pdf"]
    assert [r.original_name for r in second.receipts.all()] == ["物资小票.png"]
    assert set(Attachment.objects.filter(kind="receipt").values_list("expenditure__report", flat=True)) == {report.pk}
    page = c.get(reverse("applicant:reports", args=[running.pk])).content.decode()
    assert page.count('data-testid="spending-receipts"') == 2 and "劳务发票.pdf" in page and "物资小票.png" in page


def test_a_second_receipt_that_is_not_a_pdf_or_image_stores_nothing(world, running, client_for):
    labor, activity = running.budget_lines.order_by("position")
    before = stored_files()
    data = _post(world, running, [(labor, "社工劳务费", "3000.00"), (activity, "活动物资", "800.00")],
                 {1: [("劳务发票.pdf", pdf(1))], 2: [("物资清单.exe", b"MZ\x90\x00 not a receipt")]})
    response = client_for(world.member).post(reverse("applicant:reports", args=[running.pk]), data)
    assert response.status_code == 200
    problems = response.context["problems"]
    assert any(p.startswith("支出第2行的票据「物资清单.exe」：只接受 PDF、JPG、PNG 文件") for p in problems)
    assert not Report.objects.exists() and not Expenditure.objects.exists()
    assert not Attachment.objects.filter(kind="receipt").exists()
    assert stored_files() == before
    rows = response.context["posted_rows"]
    assert [(r["line"], r["item"], r["amount"]) for r in rows] == [
        (str(labor.pk), "社工劳务费", "3000.00"), (str(activity.pk), "活动物资", "800.00")]
    page = response.content.decode()
    assert 'value="社工劳务费"' in page and 'value="800.00"' in page and "本期开展活动12场" in page


def test_a_refused_row_after_the_files_are_checked_leaves_no_file_behind(world, running, client_for):
    """The labor cap is checked on the cumulated spending; refusing then must not keep the receipts."""
    labor, _ = running.budget_lines.order_by("position")
    before = stored_files()
    data = _post(world, running, [(labor, "社工劳务费", "50000.01")], {1: [("劳务发票.pdf", pdf(1))]})
    response = client_for(world.member).post(reverse("applicant:reports", args=[running.pk]), data)
    assert any(p.startswith("累计实际支出") for p in response.context["problems"])
    assert not Attachment.objects.filter(kind="receipt").exists() and stored_files() == before


def test_files_written_before_a_failure_inside_the_transaction_are_deleted(world, running, monkeypatch):
    labor, activity = running.budget_lines.order_by("position")
    before = stored_files()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(implementation, "log_event", broken)
    with pytest.raises(RuntimeError):
        services.submit_report(
            actor=world.member, project_id=running.pk, kind="progress", narrative="x",
            expenditures=[{"budget_line_id": labor.pk, "amount": "100.00"},
                          {"budget_line_id": activity.pk, "amount": "100.00"}],
            receipts=[(1, SimpleUploadedFile("a.pdf", pdf(1))), (2, SimpleUploadedFile("b.pdf", pdf(2)))],
        )
    assert stored_files() == before and not Report.objects.exists()


def test_one_receipt_cannot_back_two_spending_rows(world, running):
    labor, activity = running.budget_lines.order_by("position")
    rows = [{"budget_line_id": labor.pk, "amount": "100.00"}, {"budget_line_id": activity.pk, "amount": "50.00"}]
    with pytest.raises(ProjectError, match="一张票据不能用于两笔支出"):
        services.submit_report(actor=world.member, project_id=running.pk, kind="progress", narrative="", expenditures=rows,
                               receipts=[(1, SimpleUploadedFile("a.pdf", pdf(1))),
                                         (2, SimpleUploadedFile("a-copy.pdf", pdf(1)))])
    services.submit_report(actor=world.member, project_id=running.pk, kind="progress", narrative="", expenditures=rows[:1],
                           receipts=[(1, SimpleUploadedFile("a.pdf", pdf(1)))])
    with pytest.raises(ProjectError, match="已报送的票据「a.pdf」"):
        services.submit_report(actor=world.member, project_id=running.pk, kind="progress", narrative="",
                               expenditures=rows[1:], receipts=[(1, SimpleUploadedFile("again.pdf", pdf(1)))])
    assert Report.objects.count() == 1


def test_a_receipt_needs_a_row_and_a_row_needs_one_of_this_projects_lines(world, running):
    other = world.advance(world.draft(*world.new_org()), State.IN_PROGRESS)
    foreign = other.budget_lines.first()
    with pytest.raises(ProjectError) as refused:
        services.submit_report(actor=world.member, project_id=running.pk, kind="progress", narrative="",
                               expenditures=[{"budget_line_id": foreign.pk, "amount": "10.00"}],
                               receipts=[(2, SimpleUploadedFile("stray.pdf", pdf(3)))])
    assert refused.value.errors == ["支出第1行：请选择对应的预算行", "票据「stray.pdf」：请先填写对应的支出"]
    assert not Report.objects.exists()


def test_the_budget_adjustment_decision_notifies_after_commit(world, running, django_capture_on_commit_callbacks):
    adjustment = services.request_budget_adjustment(actor=world.member, project_id=running.pk,
                                                    lines=budget("100000.00", "40000.00"), reason="活动改线上")
    with django_capture_on_commit_callbacks(execute=True):
        services.decide_budget_adjustment(actor=world.officer, adjustment_id=adjustment.pk, approve=False,
                                          comment="理由不充分")
    note = Notification.objects.get(recipient=world.member)
    assert "预算调整申请被驳回" in note.text and "理由不充分" in note.text


def test_the_officer_page_notifies_once(world, running, client_for, django_capture_on_commit_callbacks):
    adjustment = services.request_budget_adjustment(actor=world.member, project_id=running.pk,
                                                    lines=budget("100000.00", "40000.00"), reason="活动改线上")
    with django_capture_on_commit_callbacks(execute=True):
        client_for(world.officer).post(reverse("projects:adjustment", args=[adjustment.pk]), {"decision": "approve"})
    assert Notification.objects.filter(recipient=world.member).count() == 1
    assert "预算调整申请已批准" in Notification.objects.get(recipient=world.member).text
