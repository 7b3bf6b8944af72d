"""Issue 13: the review window is enforced. After the round's review end an expert's scores are
refused at the service, whatever the form sends, until an officer extends the window (audited with
before, after, reason)."""
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse

from core.calendar import today
from projects.states import State
from reviewers import services as review
from reviewers import window
from reviewers.errors import ReviewError
from reviewers.models import Assignment

SCORES = {"need": "17", "design": "21.5", "team": "12", "budget": "16", "impact": "17"}
CLOSED = "评审期已于"


@pytest.fixture
def late(world):
    """An expert's accepted review on a round whose review window closed yesterday."""
    project = world.advance(world.draft(), State.UNDER_REVIEW)
    assignment = review.assign_expert(actor=world.officer, project=project, expert=world.expert)
    review.declare(actor=world.expert.user, assignment_id=assignment.pk, has_conflict=False)
    world.round.review_end = today() - timedelta(days=1)
    world.round.save()
    return assignment


def score_post(**extra):
    data = {f"score_{k}": v for k, v in SCORES.items()} | {"comment": "意见"}
    return data | extra


def test_the_pure_rule():
    day = today()
    assert window.closed_problem(None, day) is None
    assert window.closed_problem(day, day) is None  # the whole last day counts
    problem = window.closed_problem(day - timedelta(days=1), day)
    assert problem.code == "review_window_closed" and CLOSED in problem.message


def test_a_crafted_post_after_the_window_is_refused_in_chinese(world, late, client_for):
    client = client_for(world.expert.user)
    page = client.get(reverse("reviewers:review", args=[late.pk])).content.decode()
    assert 'data-testid="window-closed"' in page and 'data-testid="submit-review"' not in page
    for button in ("submit", "draft"):
        response = client.post(reverse("reviewers:review", args=[late.pk]), score_post(**{button: "1"}))
        assert response.status_code == 200
        assert CLOSED in response.content.decode() and "请联系项目管理员" in response.content.decode()
    late.refresh_from_db()
    assert late.state == "accepted" and late.scores == {} and late.submitted_at is None


def test_the_services_refuse_too(world, late):
    with pytest.raises(ReviewError, match=CLOSED):
        review.save_draft(actor=world.expert.user, assignment_id=late.pk, scores=SCORES)
    with pytest.raises(ReviewError, match=CLOSED):
        review.submit_review(actor=world.expert.user, assignment_id=late.pk, scores=SCORES, comment="意见")


def test_an_officer_extends_the_window_and_the_expert_may_submit(world, late, client_for,
                                                               django_capture_on_commit_callbacks):
    before = world.round.review_end
    new_end = today() + timedelta(days=5)
    officer = client_for(world.officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = officer.post(reverse("reviewers:review_window", args=[world.round.pk]),
                                {"new_end": new_end.isoformat(), "reason": "部分专家出差，延长一周"})
    assert response.status_code == 302
    world.round.refresh_from_db()
    assert world.round.review_end == new_end
    entry = LogEntry.objects.get(object_id=str(world.round.pk))
    assert entry.user == world.officer
    assert entry.change_message == f"延长评审期：评审截止日期 {before.isoformat()} → {new_end.isoformat()}。理由：部分专家出差，延长一周"
    page = officer.get(reverse("reviewers:review_window", args=[world.round.pk])).content.decode()
    assert "部分专家出差" in page and new_end.isoformat() in page
    assert world.expert.user.notifications.filter(kind="review_window_extended").count() == 1

    expert = client_for(world.expert.user)
    response = expert.post(reverse("reviewers:review", args=[late.pk]), score_post(submit="1"))
    assert response.status_code == 302
    assert Assignment.objects.get(pk=late.pk).state == "submitted"


def test_an_extension_needs_a_reason_and_a_later_date(world, late, client_for):
    officer = client_for(world.officer)
    url = reverse("reviewers:review_window", args=[world.round.pk])
    before = world.round.review_end
    earlier = officer.post(url, {"new_end": (before - timedelta(days=3)).isoformat(), "reason": "提前"}, follow=True)
    assert "新的评审截止日期须晚于" in earlier.content.decode()
    with pytest.raises(ReviewError, match="须填写理由"):
        window.extend_review_window(actor=world.officer, round_id=world.round.pk, new_end=today(), reason=" ")
    with pytest.raises(ReviewError, match="只有项目管理员"):
        window.extend_review_window(actor=world.expert.user, round_id=world.round.pk, new_end=today(), reason="x")
    world.round.refresh_from_db()
    assert world.round.review_end == before and not LogEntry.objects.exists()


def test_other_roles_do_not_see_the_window_page(world, client_for):
    assert client_for(world.expert.user).get(reverse("reviewers:review_window", args=[world.round.pk])).status_code == 404
