"""Recording payments per tranche or from the bank's result file; failed rows stay unpaid."""
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from finance import services
from finance.bank_results import parse_result_file
from finance.errors import FinanceError
from finance.models import BatchState, LedgerEntry, LedgerKind, Payment, PaymentFailure, TrancheState
from projects.states import State
from tests.finance.conftest import approved_batch, signed

PAID_ON = date(2026, 3, 2)


@pytest.fixture
def batch(world, officers):
    signed(world, "10000.00")
    signed(world, "20000.00")
    signed(world, "30000.00")
    return approved_batch(world, officers)


def result_csv(rows, header="reference,account,amount,status,reason") -> bytes:
    return ("\n".join([header] + [",".join(r) for r in rows]) + "\n").encode("utf-8")


def rows_for(batch):
    tranches = list(batch.tranches.select_related("project__organization").order_by("pk"))
    return tranches, [(t.reference, t.project.organization.bank_account_no, f"{t.amount:.2f}") for t in tranches]


def test_result_file_pays_successes_and_keeps_failures_unpaid(world, officers, batch):
    tranches, base = rows_for(batch)
    content = result_csv([base[0] + ("成功", ""), base[1] + ("失败", "户名与账号不符"), base[2] + ("success", "")])
    rows, problems = parse_result_file(content, "result.csv")
    assert problems == []
    outcome = services.import_bank_results(actor=officers[1], batch_id=batch.pk, rows=rows, paid_on=PAID_ON)
    assert (outcome.paid, outcome.failed, outcome.already_paid) == (2, 1, 0)
    for t in tranches:
        t.refresh_from_db()
    # The returned transfer leaves the batch at once, blocked until the payee's account is corrected.
    assert [t.state for t in tranches] == [TrancheState.PAID, TrancheState.RELEASABLE, TrancheState.PAID]
    assert (tranches[1].batch, tranches[1].failure_reason) == (None, "户名与账号不符")
    assert PaymentFailure.objects.get().reason == "户名与账号不符"
    assert Payment.objects.get(tranche=tranches[0]).paid_on == PAID_ON
    # The first payment of each project starts it.
    assert tranches[0].project.__class__.objects.get(pk=tranches[0].project_id).state == State.IN_PROGRESS
    # Importing the same file again changes nothing: every line already has its answer.
    again = services.import_bank_results(actor=officers[1], batch_id=batch.pk, rows=rows, paid_on=PAID_ON)
    assert (again.paid, again.failed, again.already_paid) == (0, 0, 3)
    assert Payment.objects.count() == 2
    # Every line has the bank's answer: the batch closed by itself, its approved figures unchanged.
    batch.refresh_from_db()
    assert batch.state == BatchState.CLOSED
    assert (batch.approved_count, batch.approved_total) == (3, Decimal("24000.00"))
    assert list(batch.lines.order_by("seq").values_list("status", flat=True)) == ["paid", "failed", "paid"]


def test_a_mismatching_row_refuses_the_whole_file(world, officers, batch):
    _, base = rows_for(batch)
    content = result_csv([base[0] + ("成功", ""), (base[1][0], "999", "1.00", "成功", ""), ("YC99999999", "1", "1", "成功", "")])
    rows, problems = parse_result_file(content, "result.csv")
    with pytest.raises(FinanceError) as exc:
        services.import_bank_results(actor=officers[1], batch_id=batch.pk, rows=rows, paid_on=PAID_ON)
    assert exc.value.errors == [
        "第3行：账号「999」与批次审批的收款账号不一致",
        "第3行：金额 1.00 元与批次审批的 8,000.00 元不一致",
        f"第4行：业务参考号「YC99999999」不属于批次 {batch.number}",
    ]
    assert Payment.objects.count() == 0


def test_result_file_problems_are_listed_per_line():
    rows, problems = parse_result_file(result_csv([("YC1", "1", "1.001", "成功", ""), ("YC2", "1", "1", "不知道", ""),
                                                   ("YC3", "1", "1", "失败", "")]), "r.csv")
    assert rows == []
    assert problems == ["第2行：金额最多保留两位小数（到分）：「1.001」", "第3行：无法识别的处理状态「不知道」",
                        "第4行：失败记录须有失败原因"]
    assert parse_result_file(b"a,b\n1,2\n", "r.csv")[1] == ["回单文件缺少列：reference、account、amount、status"]
    assert parse_result_file(b"x", "r.pdf")[1] == ["只支持 xlsx 或 csv 文件"]


def test_result_file_as_xlsx_with_chinese_headers_through_the_view(world, officers, batch, client):
    tranches, base = rows_for(batch)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["业务参考号", "收款账号", "金额", "处理结果", "失败原因", "银行流水号"])
    ws.append([base[0][0], base[0][1], Decimal(base[0][2]), "成功", "", "SN001"])
    ws.append([base[1][0], base[1][1], Decimal(base[1][2]), "失败", "账户已冻结", ""])
    buf = io.BytesIO()
    wb.save(buf)
    client.force_login(officers[2])
    response = client.post(reverse("finance:batch_results", args=[batch.pk]), {
        "paid_on": "2026-03-02", "file": SimpleUploadedFile("回单.xlsx", buf.getvalue())})
    assert response.status_code == 302
    assert Payment.objects.get(tranche=tranches[0]).bank_reference == "SN001"
    page = client.get(reverse("finance:batch_detail", args=[batch.pk])).content.decode()
    assert "账户已冻结" in page


def test_per_tranche_payment_through_the_view(world, officers, batch, client):
    tranche = batch.tranches.order_by("pk").first()
    client.force_login(officers[0])
    response = client.post(reverse("finance:tranche_pay", args=[tranche.pk]),
                           {"paid_on": "2026-03-02", "bank_reference": "HX20260302001"})
    assert response.status_code == 302
    payment = Payment.objects.get(tranche=tranche)
    assert (payment.bank_reference, payment.paid_on, payment.amount) == ("HX20260302001", PAID_ON, tranche.amount)
    entry = LedgerEntry.objects.get(tranche=tranche, kind=LedgerKind.PAID)
    assert (entry.from_state, entry.to_state, entry.reference, entry.batch_id) == (
        "in_batch", "paid", "HX20260302001", batch.pk)
    response = client.post(reverse("finance:tranche_pay", args=[tranche.pk]),
                           {"paid_on": "2026-03-02", "bank_reference": "again"})
    assert Payment.objects.filter(tranche=tranche).count() == 1


def test_paying_twice_is_refused_cleanly(world):
    project = world.advance(signed(world, "10000.00"), State.IN_PROGRESS)
    first = project.tranches.get(seq=1)
    with pytest.raises(FinanceError) as exc:
        services.record_payment(actor=world.finance, tranche_id=first.pk, paid_on=PAID_ON)
    assert exc.value.message == f"{project.code} 首期已登记拨付，不能重复拨付"


def test_only_finance_records_payments(world):
    project = signed(world, "10000.00")
    with pytest.raises(FinanceError) as exc:
        services.record_payment(actor=world.officer, tranche_id=project.tranches.get(seq=1).pk, paid_on=PAID_ON)
    assert exc.value.message == "只有财务人员可以登记拨付"


def test_the_database_refuses_a_second_payment_row(world):
    from django.db import IntegrityError, transaction

    project = world.advance(signed(world, "10000.00"), State.IN_PROGRESS)
    first = project.tranches.get(seq=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.create(tranche=first, amount=first.amount, paid_on=PAID_ON, recorded_by=world.finance)
