"""The officer's progress board: per expert assigned / drafted / submitted / overdue, reminders and
the average total given; reminding goes through the notification service, audited and counted."""
from datetime import timedelta

import pytest
from django.urls import reverse

from accounts.models import Notification
from core.calendar import today
from reviewers import services
from reviewers.models import ReviewReminder, RoundEvent
from tests.reviewers.helpers import scores_for


@pytest.fixture
def busy_round(world, under_review, experts):
    world.round.experts_per_project = 2
    world.round.require_finance_expert = False
    world.round.save()
    projects = under_review(3)
    slow, quick = experts(2)
    for project in projects:
        services.assign_expert(actor=world.officer, project=project, expert=slow)
    a = [services.assign_expert(actor=world.officer, project=p, expert=quick) for p in projects[:2]]
    for assignment, total in zip(a, ("80", "71"), strict=True):
        services.declare(actor=quick.user, assignment_id=assignment.pk, has_conflict=False)
        services.submit_review(actor=quick.user, assignment_id=assignment.pk, scores=scores_for(total), comment="意见")
    first = slow.assignments.first()
    services.declare(actor=slow.user, assignment_id=first.pk, has_conflict=False)
    services.save_draft(actor=slow.user, assignment_id=first.pk, scores={"need": "10"})
    return slow, quick


def test_board_counts_and_overdue(client, world, busy_round):
    slow, quick = busy_round
    client.force_login(world.officer)
    url = reverse("reviewers:progress", args=[world.round.pk])
    page = client.get(url).content.decode()
    assert f'data-testid="assigned-{slow.pk}">3<' in page and f'data-testid="drafted-{slow.pk}">1<' in page
    assert f'data-testid="submitted-{slow.pk}">0<' in page and f'data-testid="overdue-{slow.pk}">0<' in page
    assert f'data-testid="submitted-{quick.pk}">2<' in page and f'data-testid="average-{quick.pk}">75.50<' in page
    assert f'data-testid="remind-{slow.pk}"' in page and f'data-testid="remind-{quick.pk}"' not in page
    world.round.review_end = today() - timedelta(days=1)
    world.round.save()
    page = client.get(url).content.decode()
    assert f'data-testid="overdue-{slow.pk}">3<' in page and f'data-testid="overdue-{quick.pk}">0<' in page


def test_remind_notifies_audits_and_counts(client, world, busy_round):
    slow, quick = busy_round
    client.force_login(world.officer)
    url = reverse("reviewers:progress", args=[world.round.pk])
    client.post(url, {"action": "remind", "expert": slow.pk})
    client.post(url, {"action": "remind", "expert": slow.pk})
    notes = Notification.objects.filter(recipient=slow.user)
    assert notes.count() == 2 and "还有 3 件评审未提交" in notes.first().text
    assert notes.first().url == reverse("reviewers:my_reviews")
    assert ReviewReminder.objects.filter(expert=slow, sent_by=world.officer).count() == 2
    assert RoundEvent.objects.filter(action="reminder", actor=world.officer).count() == 2
    page = client.get(url).content.decode()
    assert f'data-testid="reminders-{slow.pk}">2<' in page
    # nothing open: refused with a reason, nothing sent
    page = client.post(url, {"action": "remind", "expert": quick.pk}, follow=True).content.decode()
    assert "没有待提交的评审" in page and not Notification.objects.filter(recipient=quick.user).exists()
    assert {r.open_reviews for r in ReviewReminder.objects.filter(expert=slow)} == {3}


def test_board_is_for_officers_only(client, world, busy_round):
    slow, _ = busy_round
    url = reverse("reviewers:progress", args=[world.round.pk])
    for user in (slow.user, world.member):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert client.post(url, {"action": "remind", "expert": slow.pk}).status_code == 404
    assert not ReviewReminder.objects.exists() and not Notification.objects.filter(recipient=slow.user).exists()


def test_the_board_is_paged_and_its_totals_are_the_whole_rounds(client, world, busy_round, monkeypatch):
    """A national pool has 2,000 experts: the board shows a page of them, the totals the round's."""
    from reviewers import board
    monkeypatch.setattr(board, "PER_PAGE", 1)
    slow, quick = busy_round
    client.force_login(world.officer)
    url = reverse("reviewers:progress", args=[world.round.pk])
    whole = board.board(world.round)
    pages = [client.get(url, {"page": n}) for n in range(1, len(whole) + 1)]
    shown = [r.expert for response in pages for r in response.context["rows"]]
    assert shown == [r.expert for r in whole] and all(len(r.context["rows"]) == 1 for r in pages)
    totals = pages[-1].context["totals"]
    for key in ("assigned", "not_started", "drafted", "submitted", "overdue", "reminders"):
        assert totals[key] == sum(getattr(r, key) for r in whole), key
    assert totals["assigned"] == 5 and totals["submitted"] == 2
    # A reminder sent from page 2 comes back to page 2.
    second = next(n for n, r in enumerate(pages, start=1) if r.context["rows"][0].expert == slow)
    response = client.post(f"{url}?page={second}", {"action": "remind", "expert": slow.pk})
    assert response.status_code == 302 and response["Location"] == f"{url}?page={second}"
