"""Whatever an applicant's browser (or a crafted request) sends, the portal answers with the page and a
Chinese reason, never a 500; and the services refuse malformed input with a ProjectError, never a
KeyError, a DoesNotExist or a database error. The Django test client re-raises any exception a view
lets through, so a crash fails the example."""
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projects import services
from projects.errors import ProjectError
from projects.models import Expenditure, Indicator, Milestone, Project, Report
from projects.states import State
from tests.builders import PDF
from tests.security.test_input_robustness import NASTY, numbers, texts

pytestmark = pytest.mark.django_db
EXAMPLES = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
HUGE_IDS = ["0", "-1", "abc", "1e3", "9" * 30, "", "1.5", "\uff11"]


def _ok(response) -> None:
    assert response.status_code in (200, 302, 400, 404), response.status_code


@pytest.fixture
def running(world):
    return world.advance(world.draft(), State.IN_PROGRESS)


def test_report_form_never_crashes_and_stores_only_sane_rows(world, running, client_for):
    c = client_for(world.member)
    url = reverse("applicant:reports", args=[running.pk])
    lines = [str(pk) for pk in running.budget_lines.values_list("pk", flat=True)]
    indicator = running.indicators.get()
    line_ids = st.one_of(st.sampled_from(lines + HUGE_IDS), texts)

    @EXAMPLES
    @given(rows=st.lists(st.tuples(line_ids, texts, numbers), max_size=3), achieved=numbers,
           kind=st.one_of(st.sampled_from(["progress", "final"]), texts), narrative=texts)
    def post(rows, achieved, kind, narrative):
        response = c.post(url, {"kind": kind, "narrative": narrative, f"achieved_{indicator.pk}": achieved,
                                "e_line": [r[0] for r in rows], "e_item": [r[1] for r in rows],
                                "e_amount": [r[2] for r in rows]})
        _ok(response)
        for e in Expenditure.objects.filter(report__project=running):
            assert e.amount.is_finite() and e.amount > 0 and len(e.item) <= 200 and e.budget_line.project_id == running.pk
        value = Indicator.objects.get(pk=indicator.pk).achieved
        assert value is None or (value.is_finite() and 0 <= value < 10 ** 10)

    post()


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e30", "-5", "0.001", "一百", "sNaN"])
def test_indicator_values_out_of_range_are_refused_in_chinese(world, running, client_for, value):
    indicator = running.indicators.get()
    response = client_for(world.member).post(reverse("applicant:reports", args=[running.pk]), {
        "kind": "progress", "narrative": "x", f"achieved_{indicator.pk}": value})
    assert response.status_code == 200
    assert any("服务人次" in p and "完成值" in p for p in response.context["problems"])
    assert not Report.objects.exists() and Indicator.objects.get(pk=indicator.pk).achieved is None


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "1e12", "99999999999999.99", "-1", "0", "1.001", ""])
def test_spending_amounts_out_of_range_are_refused_in_chinese(world, running, client_for, amount):
    line = running.budget_lines.first()
    response = client_for(world.member).post(reverse("applicant:reports", args=[running.pk]), {
        "kind": "progress", "e_line": str(line.pk), "e_item": "物资", "e_amount": amount})
    assert response.status_code == 200
    assert any(p.startswith("支出第1行：") for p in response.context["problems"])
    assert not Expenditure.objects.exists()


def test_a_stray_receipt_field_is_refused_not_dropped(world, running, client_for):
    response = client_for(world.member).post(reverse("applicant:reports", args=[running.pk]), {
        "kind": "progress", "receipts": SimpleUploadedFile("发票.pdf", PDF)})
    assert any("票据「发票.pdf」" in p for p in response.context["problems"])
    assert not Report.objects.exists()


def test_draft_sections_never_crash(world, client_for):
    project = world.draft()
    c = client_for(world.member)
    dates = st.one_of(st.sampled_from(["2026-02-30", "0000-01-01", "9999-12-31", "2026-13-01", "", "昨天"]), texts)

    @EXAMPLES
    @given(milestones=st.lists(st.tuples(texts, dates, texts), max_size=3),
           indicators=st.lists(st.tuples(texts, texts, numbers), max_size=3),
           beneficiaries=numbers, title=texts, autosave=st.booleans())
    def post(milestones, indicators, beneficiaries, title, autosave):
        headers = {"HTTP_X_AUTOSAVE": "1"} if autosave else {}
        for section, data in (
            ("plan", {"activity_plan": "计划", "m_title": [m[0] for m in milestones],
                      "m_due_date": [m[1] for m in milestones], "m_deliverable": [m[2] for m in milestones]}),
            ("indicators", {"i_name": [i[0] for i in indicators], "i_unit": [i[1] for i in indicators],
                            "i_target": [i[2] for i in indicators]}),
            ("need", {"beneficiaries": beneficiaries, "target_group": title}),
            ("basic", {"title": title, "domain": title}),
        ):
            _ok(c.post(reverse("applicant:section", args=[project.pk, section]), data, **headers))
        saved = Project.objects.get(pk=project.pk)
        assert len(saved.title) <= 200 and (saved.beneficiaries is None or 0 <= saved.beneficiaries < 2 ** 31)
        for m in Milestone.objects.filter(project=project):
            assert m.title and len(m.title) <= 200 and isinstance(m.due_date, date)
        for i in Indicator.objects.filter(project=project):
            assert i.target.is_finite() and 0 < i.target < 10 ** 10

    post()


@pytest.mark.parametrize("data", [
    {}, {"organization": "abc"}, {"organization": "9" * 30}, {"organization": ["abc", "xyz"]},
])
def test_start_with_a_malformed_organization_is_404_not_500(world, client_for, data):
    response = client_for(world.member).post(reverse("applicant:start", args=[world.round.pk]), data)
    assert response.status_code == 404


@pytest.mark.parametrize("title", NASTY + ["长" * 300, "x" * 5000])
def test_start_with_any_title_never_crashes(world, client_for, title):
    response = client_for(world.member).post(reverse("applicant:start", args=[world.round.pk]),
                                             {"organization": world.org.pk, "title": title})
    assert response.status_code in (302, 400)
    for project in Project.objects.all():
        assert len(project.title) <= 200


def test_foreign_and_malformed_ids_in_posts(world, running, client_for):
    c = client_for(world.member)
    other = world.advance(world.draft(*world.new_org()), State.IN_PROGRESS)
    foreign_milestone = other.milestones.first()
    foreign_attachment = other.attachments.first()
    _ok(c.post(reverse("applicant:milestone_done", args=[running.pk, foreign_milestone.pk]), follow=True))
    assert Milestone.objects.get(pk=foreign_milestone.pk).completed_on is None
    assert c.post(reverse("applicant:remove_attachment", args=[running.pk, foreign_attachment.pk])).status_code == 404
    org, member = world.new_org()
    draft, c = world.draft(org, member), client_for(member)
    for kind in ["", "receipt\x01", "x" * 100, "signed_agreement"]:
        _ok(c.post(reverse("applicant:attachments", args=[draft.pk]), {"kind": kind,
                                                                      "file": SimpleUploadedFile("a.pdf", PDF)}))
    for data in [b"", b"%PDF", b"PK\x03\x04broken zip", b"\xff\xd8\xff"]:
        _ok(c.post(reverse("applicant:attachments", args=[draft.pk]), {"kind": "other",
                                                                      "file": SimpleUploadedFile("a.pdf", data)}))


class TestServicesRefuseMalformedInput:
    """Callers other than the forms (imports, JSON, the seed) get a ProjectError too."""

    def test_unknown_ids(self, world, running):
        for project_id in (10 ** 9, "abc", None):
            with pytest.raises(ProjectError, match="项目不存在"):
                services.update_project(actor=world.member, project_id=project_id, title="x")
            with pytest.raises(ProjectError, match="项目不存在"):
                services.submit_report(actor=world.member, project_id=project_id, kind="progress", narrative="",
                                       expenditures=[])
        with pytest.raises(ProjectError, match="项目节点不存在"):
            services.complete_milestone(actor=world.member, project_id=running.pk, milestone_id="x")
        with pytest.raises(ProjectError, match="附件不存在"):
            services.remove_attachment(actor=world.member, attachment_id=10 ** 9)
        with pytest.raises(ProjectError, match="预算调整申请不存在"):
            services.decide_budget_adjustment(actor=world.officer, adjustment_id=10 ** 9, approve=True)

    def test_rows_with_missing_keys_and_absurd_values(self, world):
        project = world.draft()
        member = world.member
        with pytest.raises(ProjectError) as refused:
            services.replace_budget(actor=member, project_id=project.pk, lines=[
                {}, {"category": "labor", "item": "x", "unit_price": "NaN", "quantity": "1", "source": "grant"},
                {"category": "labor", "item": "x", "unit_price": "1", "quantity": "1e12", "source": "grant"},
                {"category": "labor", "item": "x", "unit_price": "1", "quantity": "Infinity", "source": "grant"},
                {"category": "labor", "item": "x" * 201, "unit_price": "1", "quantity": "1", "source": "moon"},
            ])
        assert [p.split("：")[0] for p in refused.value.errors] == [f"预算第{n}行" for n in range(1, 6)]
        with pytest.raises(ProjectError, match="项目节点第1行"):
            services.replace_milestones(actor=member, project_id=project.pk, milestones=[{"due_date": "soon"}])
        with pytest.raises(ProjectError, match="绩效指标第1行"):
            services.replace_indicators(actor=member, project_id=project.pk, indicators=[{"name": "x", "target": "NaN"}])
        with pytest.raises(ProjectError, match="绩效指标格式不正确"):
            services.replace_indicators(actor=member, project_id=project.pk, indicators="x")
        with pytest.raises(ProjectError):
            services.update_project(actor=member, project_id=project.pk, beneficiaries="-3", requested_amount="1e99")
        assert Project.objects.get(pk=project.pk).budget_lines.count() == 2

    def test_report_rows_and_values(self, world, running):
        with pytest.raises(ProjectError) as refused:
            services.submit_report(actor=world.member, project_id=running.pk, kind="progress", narrative=None,
                                   expenditures=[{"amount": "1"}, {"category": "labor", "source": "grant", "amount": "x"}],
                                   achieved={"abc": "1", 10 ** 9: "2"})
        assert refused.value.errors[:2] == ["支出第1行：请选择对应的预算行", "支出第2行：金额格式不正确：「x」"]
        assert "绩效指标不存在" in refused.value.errors
        with pytest.raises(ProjectError, match="支出格式不正确"):
            services.submit_report(actor=world.member, project_id=running.pk, kind="progress", narrative="",
                                   expenditures="not a list")
        assert not Report.objects.exists()
