"""One truth per review: a page that shows an older version of the review cannot change it."""
from decimal import Decimal

import pytest
from django.urls import reverse

from reviewers import services
from reviewers.errors import StaleReview
from reviewers.models import Assignment, AssignmentState
from tests.reviewers.helpers import scores_for


@pytest.fixture
def open_review(world, under_review):
    project = under_review(1)[0]
    assignment = services.assign_expert(actor=world.officer, project=project, expert=world.expert)
    services.declare(actor=world.expert.user, assignment_id=assignment.pk, has_conflict=False)
    return Assignment.objects.get(pk=assignment.pk)


def _post(version, total, submit=True, comment="意见"):
    data = {f"score_{k}": v for k, v in scores_for(total).items()} | {"comment": comment, "version": str(version)}
    data["submit" if submit else "draft"] = "1"
    return data


def test_two_tabs_the_second_submit_is_refused_and_the_stored_scores_are_shown(client, world, open_review):
    client.force_login(world.expert.user)
    url = reverse("reviewers:review", args=[open_review.pk])
    # Both tabs load the same page: the form carries the version it shows.
    first_tab = client.get(url).content.decode()
    second_tab = client.get(url).content.decode()
    version = open_review.version
    assert f'name="version" value="{version}"' in first_tab and f'name="version" value="{version}"' in second_tab

    assert client.post(url, _post(version, "83")).status_code == 302  # tab 1 submits 83
    response = client.post(url, _post(version, "55"))  # tab 2, still showing the old page, submits 55
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="stale"' in page and "已提交的评分不能修改" in page
    assert 'data-testid="total">83.00<' in page and "55.00" not in page
    # what is stored: 83 fills team to 15 and impact to 3; the refused 55 had team 10 and no impact
    assert 'data-testid="locked-team">15<' in page and 'data-testid="locked-impact">3<' in page
    stored = Assignment.objects.get(pk=open_review.pk)
    assert stored.state == AssignmentState.SUBMITTED and stored.total == Decimal("83.00")


def test_a_draft_saved_in_another_tab_is_not_overwritten(client, world, open_review):
    client.force_login(world.expert.user)
    url = reverse("reviewers:review", args=[open_review.pk])
    version = open_review.version
    assert client.post(url, _post(version, "70", submit=False, comment="第一页的意见")).status_code == 302
    response = client.post(url, _post(version, "50", submit=False, comment="第二页的意见"))
    page = response.content.decode()
    assert 'data-testid="stale"' in page and "已在其他页面中修改并保存" in page
    assert "第一页的意见" in page and "第二页的意见" not in page
    stored = Assignment.objects.get(pk=open_review.pk)
    assert stored.comment == "第一页的意见" and stored.total == Decimal("70.00")
    # The reloaded page carries the new version and saves normally.
    assert f'name="version" value="{stored.version}"' in page
    assert client.post(url, _post(stored.version, "50", submit=False)).status_code == 302
    assert Assignment.objects.get(pk=open_review.pk).total == Decimal("50.00")


def test_the_service_refuses_an_old_version(world, open_review):
    services.save_draft(actor=world.expert.user, assignment_id=open_review.pk, scores={"need": "10"},
                        expected_version=open_review.version)
    with pytest.raises(StaleReview):
        services.submit_review(actor=world.expert.user, assignment_id=open_review.pk, scores=scores_for("80"),
                               comment="意见", expected_version=open_review.version)
    assert Assignment.objects.get(pk=open_review.pk).state == AssignmentState.ACCEPTED
