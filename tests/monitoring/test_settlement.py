"""Settlement before the last payment (issue 12, finding 6): the final report's spending against the
approved budget and what was paid; the 尾款 reduced, cancelled or paid; receipts; no final
evaluation without a final report."""
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from finance import selectors
from finance.commitments import round_money
from finance.ledger import reconciliation_problems
from finance.models import Clawback, Tranche, TrancheState
from projects import services
from projects.errors import ProjectError
from projects.models import Project, Settlement
from projects.states import State
from tests.builders import PDF
from tests.monitoring.conftest import FINAL_GOOD, MIDTERM_PASS, evaluate

pytestmark = pytest.mark.django_db
D = Decimal
T = TrancheState


def _in_progress_after_midterm(world, **round_settings):
    for name, value in round_settings.items():
        setattr(world.round, name, value)
    world.round.save()
    project = world.advance(world.draft(), State.MIDTERM_REVIEW)
    evaluate(world, project, "midterm", MIDTERM_PASS)
    return Project.objects.get(pk=project.pk)


def _tranches(project):
    return {t.name: (t.state, t.amount) for t in Tranche.objects.filter(project=project)}


def _reconciles(world):
    return reconciliation_problems(selectors.round_totals(world.round), selectors.tranche_state_sums(world.round))


def test_the_final_evaluation_cannot_start_without_a_final_report_through_http(world, client):
    project = _in_progress_after_midterm(world)
    client.force_login(world.officer)
    response = client.post(reverse("monitoring:begin", args=[project.pk, "final"]), follow=True)
    assert Project.objects.get(pk=project.pk).state == State.IN_PROGRESS
    assert "尚未提交结项报告" in response.content.decode()
    page = client.get(reverse("monitoring:evaluate", args=[project.pk])).content.decode()
    assert 'data-testid="begin-problems"' in page


def test_unspent_money_reduces_the_final_tranche(world, client):
    # 100,000 approved; 40,000 paid, 40,000 二期 and 20,000 尾款 still due; 90,000 spent: 50,000 of 60,000 is paid.
    project = _in_progress_after_midterm(world)
    world.final_report(project, spent={"社区活动物资": "40000.00"})
    services.begin_final(actor=world.officer, project_id=project.pk)
    evaluate(world, project, "final", FINAL_GOOD)
    project.refresh_from_db()
    assert project.state == State.COMPLETED
    settlement = Settlement.objects.get(project=project)
    assert (settlement.spent, settlement.unspent, settlement.final_scheduled, settlement.final_payable) == (
        D("90000.00"), D("10000.00"), D("60000.00"), D("50000.00"))
    tranches = _tranches(project)
    assert tranches["尾款"] == (T.RELEASABLE, D("10000.00"))
    assert tranches["尾款（决算核减）"] == (T.CANCELLED, D("10000.00"))
    assert sum(amount for _state, amount in tranches.values()) == D("100000.00")
    assert _reconciles(world) == []
    assert round_money(world.round).projects[project.pk].committed == D("90000.00")

    client.force_login(world.member)
    page = client.get(reverse("applicant:project", args=[project.pk])).content.decode()
    assert 'data-testid="settlement-final">50,000.00<' in page
    client.force_login(world.finance)
    page = client.get(reverse("finance:home"), {"round": world.round.pk}).content.decode()
    assert f'data-testid="settlement-{project.pk}"' in page
    client.force_login(world.officer)
    page = client.get(reverse("monitoring:evaluate", args=[project.pk])).content.decode()
    assert 'data-testid="settlement-unspent">10,000.00<' in page


def test_spending_below_what_was_paid_cancels_the_final_tranche_and_records_a_clawback(world):
    project = _in_progress_after_midterm(world)
    world.final_report(project, spent={"项目社工劳务费": "20000.00", "社区活动物资": "15000.00"})  # 35%
    services.begin_final(actor=world.officer, project_id=project.pk)
    evaluate(world, project, "final", FINAL_GOOD)
    tranches = _tranches(project)
    assert tranches["二期"] == (T.CANCELLED, D("40000.00")) and tranches["尾款"] == (T.CANCELLED, D("20000.00"))
    assert Clawback.objects.get(project=project).amount == D("5000.00")  # 40,000 paid, 35,000 spent
    assert _reconciles(world) == []


def test_a_round_that_does_not_reduce_pays_the_final_tranche_as_scheduled(world):
    project = _in_progress_after_midterm(world, settlement_reduces_final_tranche=False)
    world.final_report(project, spent={"社区活动物资": "40000.00"})
    services.begin_final(actor=world.officer, project_id=project.pk)
    evaluate(world, project, "final", FINAL_GOOD)
    assert _tranches(project)["尾款"] == (T.RELEASABLE, D("20000.00"))
    assert Settlement.objects.get(project=project).unspent == D("10000.00")


def _report_post(project, line, amount, receipt=None):
    data = {"kind": "progress", "narrative": "第一季度", "e_line": [str(line.pk)], "e_item": ["物资"],
            "e_amount": [amount]}
    if receipt is not None:
        data["e_receipts_1"] = receipt
    return data


def test_spending_above_the_threshold_needs_a_receipt_through_http(world, client):
    world.round.receipts_required_above = D("1000.00")
    world.round.save()
    project = world.advance(world.draft(), State.IN_PROGRESS)
    line = project.budget_lines.get(item="社区活动物资")
    client.force_login(world.member)
    url = reverse("applicant:reports", args=[project.pk])
    page = client.post(url, _report_post(project, line, "1000.01")).content.decode()
    assert "须上传票据" in page and not project.reports.exists()
    client.post(url, _report_post(project, line, "1000.00"))  # at the threshold: no receipt needed
    assert project.reports.count() == 1


def test_the_same_receipt_cannot_be_used_by_two_projects_of_a_round(world):
    first = world.advance(world.draft(), State.IN_PROGRESS)
    org, member = world.new_org()
    second = world.advance(world.draft(org, member), State.IN_PROGRESS)
    for project, user in ((first, world.member), (second, member)):
        line = project.budget_lines.get(item="社区活动物资")
        call = lambda user=user, project=project, line=line: services.submit_report(  # noqa: E731
            actor=user, project_id=project.pk, kind="progress", narrative="",
            expenditures=[{"budget_line_id": line.pk, "item": "物资", "amount": "5000"}],
            receipts=[(1, SimpleUploadedFile("invoice.pdf", PDF + b"% invoice 42\n", content_type="application/pdf"))])
        if project is first:
            call()
        else:
            with pytest.raises(ProjectError) as exc:
                call()
            assert "本批次其他项目" in exc.value.message
