"""Conflicts before assignment: experts declare on the round's list of applicants (names shown even
in a blind round), detected suggestions are confirmed or dismissed by an officer, assignment honours
both, and a conflict found after assignment still recuses and re-offers the seat."""
from datetime import date

import pytest
from django.urls import reverse

from projects.models import ProjectEvent
from reviewers import services, steering
from reviewers.errors import ReviewError
from reviewers.models import (
    Assignment,
    AssignmentState,
    ConflictSuggestion,
    ExpertRelation,
    RoundDeclaration,
    RoundEvent,
    SuggestionState,
)


@pytest.fixture
def blind_round(world, under_review, experts):
    world.round.blind_review = True
    world.round.experts_per_project = 2
    world.round.require_finance_expert = False
    world.round.save()
    world.expert.active = False
    world.expert.save()
    return under_review(3), experts(3)


def _run(world, capture):
    with capture(execute=True):
        run = services.start_auto_assignment(actor=world.officer, round_id=world.round.pk, seed=2)
    run.refresh_from_db()
    return run


def test_expert_declares_on_the_named_list_and_assignment_honours_it(client, world, blind_round,
                                                                    django_capture_on_commit_callbacks):
    projects, pool = blind_round
    expert = pool[0]
    client.force_login(expert.user)
    mine = client.get(reverse("reviewers:my_reviews")).content.decode()
    url = reverse("reviewers:round_conflicts", args=[world.round.pk])
    assert url in mine
    page = client.get(url).content.decode()
    for project in projects:  # the point of the list: names are shown, even in a blind round
        assert project.organization.name in page
    target = projects[1].organization
    # A conflict without a word about the relation is refused, in Chinese, and nothing is kept.
    page = client.post(url, {"organizations": [target.pk], "note": "", "checked": "on"}).content.decode()
    assert "声明存在利益冲突时请简要说明关系" in page and not RoundDeclaration.objects.exists()
    response = client.post(url, {"organizations": [target.pk], "note": "本人任该机构理事", "checked": "on"})
    assert response.status_code == 302
    declaration = RoundDeclaration.objects.get(expert=expert, round=world.round)
    assert list(declaration.organizations.all()) == [target]
    assert ExpertRelation.objects.filter(expert=expert, organization=target, kind="declared").exists()
    assert RoundEvent.objects.filter(round=world.round, action="conflicts_declared", actor=expert.user).exists()
    assert ProjectEvent.objects.filter(project=projects[1], action="conflict_declared").exists()
    # declared organizations stay; the page lists them as declared
    page = client.get(url).content.decode()
    assert f'data-testid="declared-{target.pk}"' in page

    _run(world, django_capture_on_commit_callbacks)
    assert not Assignment.objects.filter(expert=expert, project=projects[1]).exists()
    assert Assignment.objects.filter(project=projects[1]).count() == 2


def test_a_conflict_declared_after_assignment_recuses_and_reoffers_the_seat(client, world, blind_round):
    projects, pool = blind_round
    seat = services.assign_expert(actor=world.officer, project=projects[0], expert=pool[0])
    services.declare(actor=pool[0].user, assignment_id=seat.pk, has_conflict=False)
    steering.declare_round_conflicts(actor=pool[0].user, round_id=world.round.pk,
                                     organization_ids=[projects[0].organization_id], note="近亲属在该机构工作")
    seat.refresh_from_db()
    assert seat.state == AssignmentState.RECUSED
    assert Assignment.objects.filter(project=projects[0]).exclude(expert=pool[0]).exclude(
        state=AssignmentState.RECUSED).count() == 2  # the panel (of 2) is filled again by other experts


def test_other_roles_and_strangers_cannot_use_the_list(client, world, blind_round):
    projects, pool = blind_round
    url = reverse("reviewers:round_conflicts", args=[world.round.pk])
    for user in (world.member, world.officer):
        client.force_login(user)
        assert client.get(url).status_code == 404
    with pytest.raises(ReviewError, match="不在本批次的申报机构名单中"):
        steering.declare_round_conflicts(actor=pool[0].user, round_id=world.round.pk, organization_ids=[world.org.pk],
                                         note="理事")


def test_officer_confirms_or_dismisses_detected_conflicts_on_the_record(client, world, blind_round,
                                                                       django_capture_on_commit_callbacks):
    projects, pool = blind_round
    works_there, same_street = pool[0], pool[1]
    works_there.employer = projects[0].organization.name
    works_there.save()
    same_street.employer = "鹿城区五马街道办事处"  # the builder's projects serve 五马街道
    same_street.save()
    seat = services.assign_expert(actor=world.officer, project=projects[0], expert=works_there)
    client.force_login(world.officer)
    url = reverse("reviewers:conflicts", args=[world.round.pk])
    client.post(url, {"action": "detect"})
    employer = ConflictSuggestion.objects.get(expert=works_there, basis="employer")
    assert employer.organization_id == projects[0].organization_id and employer.state == SuggestionState.PENDING
    assert ConflictSuggestion.objects.filter(expert=same_street, basis="street").count() == 3
    client.post(url, {"action": "detect"})  # a second look adds nothing twice
    assert ConflictSuggestion.objects.filter(expert=works_there, basis="employer").count() == 1

    client.post(url, {"action": "confirm", "suggestion": employer.pk, "note": ""})
    employer.refresh_from_db()
    assert employer.state == SuggestionState.CONFIRMED and employer.decided_by == world.officer
    assert ExpertRelation.objects.filter(expert=works_there, organization=projects[0].organization,
                                         kind="confirmed").exists()
    seat.refresh_from_db()
    assert seat.state == AssignmentState.RECUSED  # discovered after assignment: recused
    assert ProjectEvent.objects.filter(project=projects[0], action="conflict_decided").exists()
    assert RoundEvent.objects.filter(action="conflict_confirmed", actor=world.officer).exists()

    street = ConflictSuggestion.objects.filter(expert=same_street, basis="street").first()
    page = client.post(url, {"action": "dismiss", "suggestion": street.pk, "note": ""}, follow=True).content.decode()
    assert "排除利益冲突提示须填写理由" in page
    client.post(url, {"action": "dismiss", "suggestion": street.pk, "note": "仅同在一个街道，无业务往来"})
    street.refresh_from_db()
    assert street.state == SuggestionState.DISMISSED and street.note == "仅同在一个街道，无业务往来"
    assert RoundEvent.objects.filter(action="conflict_dismissed").exists()

    # automatic assignment honours the confirmed conflict, not the dismissed one
    _run(world, django_capture_on_commit_callbacks)
    assert not Assignment.objects.filter(expert=works_there, project=projects[0]).exclude(
        state=AssignmentState.RECUSED).exists()
    page = client.get(url).content.decode()
    assert f'data-testid="suggestion-{street.pk}" data-state="dismissed"' in page
    client.force_login(works_there.user)
    assert client.get(url).status_code == 404


def test_a_former_employer_is_suggested_not_imposed(client, world, blind_round, django_capture_on_commit_callbacks):
    projects, pool = blind_round
    services.record_relation(actor=world.officer, expert_id=pool[2].pk, organization_id=projects[2].organization_id,
                             kind="employer", start=date(2015, 3, 1), end=date(2019, 12, 31), note="曾任项目主管")
    client.force_login(world.officer)
    client.post(reverse("reviewers:conflicts", args=[world.round.pk]), {"action": "detect"})
    suggestion = ConflictSuggestion.objects.get(expert=pool[2], basis="former_relation")
    assert suggestion.organization_id == projects[2].organization_id and "2019-12-31" in suggestion.detail
    assert "曾任项目主管" in suggestion.detail
