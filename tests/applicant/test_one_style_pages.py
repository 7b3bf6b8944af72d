"""One style on the pages themselves: a draft without a title still has a visible link, money has
thousands separators, headers say what their column holds."""
from decimal import Decimal

from django.test import Client
from django.urls import reverse

from projects.models import Project
from projects.states import State


def test_an_untitled_draft_is_listed_with_a_label(world, client_for):
    project = world.draft()
    # a draft emptied before titles were required (the service refuses an empty one now)
    Project.objects.filter(pk=project.pk).update(title="")
    body = client_for(world.member).get(reverse("applicant:dashboard")).content.decode()
    assert f'href="{reverse("applicant:project", args=[project.pk])}">未命名草稿</a>' in body
    assert "100,000.00" in body and "100000.00" not in body


def test_agreement_and_adjustment_headers_name_their_columns(world, client_for):
    cut = world.advance(world.draft(), State.PUBLICITY, approved_amount=Decimal("80000.00"))
    body = client_for(world.member).get(reverse("applicant:agreement", args=[cut.pk])).content.decode()
    assert "<th>拨付条件</th>" in body and "比例（%）" in body and "80,000.00" in body


def test_public_home_headers_and_money(world):
    world.advance(world.draft(), State.PUBLICITY)
    body = Client().get(reverse("public:index")).content.decode()
    assert "<th>申报开始</th>" in body and "正在申报</th>" not in body
    assert "资助金额（元）" in body and "100,000.00" in body


def test_the_staff_list_labels_an_untitled_draft_too(world, client_for):
    """The staff list reads its rows as plain values (projects.lists.page_rows): the same label, link,
    organization and round as the project itself shows."""
    project = world.draft()
    Project.objects.filter(pk=project.pk).update(title="  ")
    body = client_for(world.officer).get(reverse("projects:officer_list")).content.decode()
    assert f'<a href="{reverse("projects:officer_detail", args=[project.pk])}">未命名草稿</a>' in body
    assert f"<td>{world.org.name}</td><td>{world.round.name}</td>" in body
