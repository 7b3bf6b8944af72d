"""The grant agreement: what it prints (read back with pdftotext and pdftoppm) and who may get it."""
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse

from finance.models import Tranche
from grants.models import OrgType
from projects.agreements import agreement_context, render_agreement
from projects.models import Project
from projects.services import update_project
from projects.states import State
from tests.documents.pdfcheck import ink_ratios, pdf_text
from tests.factories import OrganizationFactory, UserFactory, member_of


def flat(text: str) -> str:
    return "".join(text.split())  # pdftotext puts spaces and line breaks between CJK runs


def test_the_pdf_shows_title_amount_in_words_and_is_not_blank(agreement_project):
    pdf = render_agreement(agreement_project)
    text = flat(pdf_text(pdf))
    assert "资助协议书" in text
    assert "捌万陆仟肆佰贰拾元零伍角" in text  # rmb_upper writes the zero 元 digit before 角
    assert "86,420.50" in text
    assert agreement_project.code in text
    assert agreement_project.organization.name in text
    assert "XX市民政局" in text
    ratios = ink_ratios(pdf)
    assert len(ratios) >= 1 and all(r > 0.01 for r in ratios)


@override_settings(YICHUANG_FUNDER_NAME="温州市民政局")
def test_the_funder_comes_from_the_setting(agreement_project):
    assert "温州市民政局" in flat(pdf_text(render_agreement(agreement_project)))


def test_the_budget_summary_and_the_labor_cap_against_the_approved_amount(agreement_project):
    ctx = agreement_context(agreement_project)
    assert ctx["budget"]["grant"] == "86,420.50"
    assert {r["label"]: r["grant"] for r in ctx["budget"]["rows"]} == {"人员经费/劳务费": "40,000.00",
                                                                     "活动费": "46,420.50"}
    assert ctx["labor"] == {"paid": "40,000.00", "limit": "43,210.25", "basis": "核定资助金额的 50%", "within": True}
    assert any("43,210.25" in o for o in ctx["obligations"])


def test_before_signing_the_tranches_come_from_the_rounds_template(agreement_project):
    assert not agreement_project.tranches.exists()
    rows = agreement_context(agreement_project)["tranches"]
    assert [(r["name"], r["percent"], r["amount"]) for r in rows] == [
        ("首期", "40%", "34,568.20"), ("二期", "40%", "34,568.20"), ("尾款", "20%", "17,284.10")]
    assert rows[2]["upper"] == "壹万柒仟贰佰捌拾肆元壹角"


def test_after_signing_the_tranches_are_the_projects_own(world, agreement_project):
    project = world.advance(agreement_project, State.CONTRACTED)
    stored = list(Tranche.objects.filter(project=project).order_by("seq"))
    rows = agreement_context(Project.objects.get(pk=project.pk))["tranches"]
    assert [r["amount"] for r in rows] == [f"{t.amount:,.2f}" for t in stored]
    assert sum(t.amount for t in stored) == Decimal("86420.50")
    assert agreement_context(project)["signed"]["by"] == "李四"


def test_a_filed_community_organization_is_paid_through_its_host(world):
    host = OrganizationFactory(name="温州市鹿城区社会组织服务中心")
    community = OrganizationFactory(name="五马街道邻里互助队", org_type=OrgType.COMMUNITY, credit_code=None,
                                    host=host, bank_account_name="", bank_name="", bank_account_no="", bank_code="")
    member = member_of(community)
    project = world.advance(world.draft(community, member), State.PUBLICITY)
    ctx = agreement_context(project)
    assert ctx["host"]["name"] == host.name
    assert ctx["payee"]["account_no"] == host.bank_account_no
    assert [s["role"] for s in ctx["signatures"]] == ["甲方（盖章）", "乙方（盖章）", "依托单位（盖章）"]
    text = flat(pdf_text(render_agreement(project)))
    assert host.name in text and community.name in text


def test_user_text_is_printed_as_text_and_its_urls_are_not_fetched(world, loopback_server):
    port = loopback_server.server_address[1]
    evil = (f'<img src="file:///etc/passwd"><img src="http://127.0.0.1:{port}/track.png">'
            f'<link rel="stylesheet" href="http://127.0.0.1:{port}/x.css"><b>粗体</b>')
    draft = world.draft()
    update_project(actor=world.member, project_id=draft.pk, summary=evil)
    project = world.advance(draft, State.PUBLICITY)
    text = pdf_text(render_agreement(project))
    assert loopback_server.requests == []
    assert "<img" in text and "file:///etc/passwd" in text and "<b>粗体</b>" in "".join(text.split())
    assert "root:" not in text


# ---------------------------------------------------------------- the download view

def test_members_of_the_organization_and_officers_download_it(client, world, agreement_project):
    url = reverse("documents:agreement_pdf", args=[agreement_project.pk])
    for user in (world.member, world.officer, world.admin):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user.role
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert "attachment" in response["Content-Disposition"]


def test_another_organization_and_outsiders_get_404(client, world, agreement_project):
    url = reverse("documents:agreement_pdf", args=[agreement_project.pk])
    _, other_member = world.new_org()
    for user in (other_member, UserFactory(role="expert"), world.finance):  # finance: not yet signed
        client.force_login(user)
        assert client.get(url).status_code == 404, user.role
    client.logout()
    assert client.get(url).status_code == 302


@pytest.mark.parametrize("state", [State.SUBMITTED, State.REVIEWED])
def test_there_is_no_agreement_before_the_funding_decision(client, world, state):
    project = world.advance(world.draft(), state)
    client.force_login(world.officer)
    assert client.get(reverse("documents:agreement_pdf", args=[project.pk])).status_code == 404
    assert client.get(reverse("documents:agreement_pdf", args=[999999])).status_code == 404
