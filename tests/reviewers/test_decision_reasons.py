"""Decisions need reasons (issue 12, finding 8): rejecting, waitlisting, cutting the amount and funding
out of rank order are refused without one, through both decision forms; the reason and the cut reach
the applicant."""
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Notification
from projects.models import Project, ProjectEvent
from projects.states import State
from tests.reviewers.helpers import review

D = Decimal


@pytest.fixture
def ranked(world, under_review, experts):
    """Two reviewed projects: `top` ranked first, `second` below it; each requested 100,000."""
    panel = experts(3)
    top, second = under_review(2)
    review(world, top, panel, ["90", "90", "90"])
    review(world, second, panel, ["80", "80", "80"])
    return Project.objects.get(pk=top.pk), Project.objects.get(pk=second.pk)


def _ranking_post(client, world, project, action, amount="", comment=""):
    return client.post(reverse("reviewers:ranking", args=[world.round.pk]), {
        "project": [str(project.pk)], "action": action, f"amount_{project.pk}": amount, "comment": comment},
        follow=True).content.decode()


@pytest.mark.parametrize("action", ["reject", "waitlist"])
def test_rejecting_or_waitlisting_needs_a_reason_on_the_ranking_page(client, world, ranked, action):
    top, _second = ranked
    client.force_login(world.officer)
    page = _ranking_post(client, world, top, action)
    assert "须填写理由" in page and Project.objects.get(pk=top.pk).state == State.REVIEWED
    _ranking_post(client, world, top, action, comment="服务对象与本批次方向不符")
    assert Project.objects.get(pk=top.pk).state != State.REVIEWED
    assert ProjectEvent.objects.get(project=top, action=action).comment == "服务对象与本批次方向不符"


def test_rejecting_needs_a_reason_on_the_officer_page(client, world, ranked):
    top, _second = ranked
    client.force_login(world.officer)
    client.post(reverse("projects:officer_action", args=[top.pk, "reject"]), {"comment": ""})
    assert Project.objects.get(pk=top.pk).state == State.REVIEWED


def test_a_cut_needs_a_reason_and_the_applicant_reads_amount_cut_and_reason(client, world, ranked,
                                                                            django_capture_on_commit_callbacks):
    top, _second = ranked
    client.force_login(world.officer)
    url = reverse("projects:officer_action", args=[top.pk, "approve"])
    page = client.post(url, {"amount": "86000.00", "comment": ""}, follow=True).content.decode()
    assert "须填写核减理由" in page and Project.objects.get(pk=top.pk).state == State.REVIEWED
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"amount": "86000.00", "comment": "宣传费用偏高"})
    assert Project.objects.get(pk=top.pk).approved_amount == D("86000.00")

    expected = "核定资助金额 86,000.00 元（申请 100,000.00 元，核减 14,000.00 元）：宣传费用偏高"
    member = top.organization.members.first()
    assert expected in Notification.objects.filter(recipient=member).latest("pk").text
    client.force_login(member)
    assert expected in client.get(reverse("applicant:project", args=[top.pk])).content.decode()


def test_a_cut_on_the_ranking_page_needs_a_reason_too(client, world, ranked):
    top, _second = ranked
    client.force_login(world.officer)
    page = _ranking_post(client, world, top, "approve", amount="86000.00")
    assert "须填写核减理由" in page and Project.objects.get(pk=top.pk).state == State.REVIEWED


def test_funding_out_of_rank_order_needs_a_reason(client, world, ranked):
    top, second = ranked
    client.force_login(world.officer)
    page = _ranking_post(client, world, second, "approve", amount="100000.00")
    assert "不按排名顺序资助须填写理由" in page and Project.objects.get(pk=second.pk).state == State.REVIEWED
    client.post(reverse("projects:officer_action", args=[second.pk, "approve"]), {"amount": "100000.00"})
    assert Project.objects.get(pk=second.pk).state == State.REVIEWED
    _ranking_post(client, world, second, "approve", amount="100000.00", comment="第一名机构存在信用问题，待核查")
    assert Project.objects.get(pk=second.pk).state == State.APPROVED


def test_funding_in_rank_order_as_requested_needs_no_reason(client, world, ranked):
    top, second = ranked
    client.force_login(world.officer)
    client.post(reverse("reviewers:ranking", args=[world.round.pk]), {
        "project": [str(top.pk), str(second.pk)], "action": "approve",
        f"amount_{top.pk}": "100000.00", f"amount_{second.pk}": "100000.00", "comment": ""})
    assert set(Project.objects.filter(pk__in=[top.pk, second.pk]).values_list("state", flat=True)) == {State.APPROVED}
