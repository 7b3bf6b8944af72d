import pytest
from django.http import Http404

from projects.selectors import get_project_for
from tests.factories import UserFactory


def test_owner_sees_other_member_and_outsider_get_404(world):
    project = world.draft()
    assert get_project_for(world.member, project.pk) == project
    _, other_member = world.new_org()
    for user in (other_member, UserFactory(role="applicant"), UserFactory(role="expert")):
        with pytest.raises(Http404):
            get_project_for(user, project.pk)
    with pytest.raises(Http404):
        get_project_for(world.member, 999999)
    assert get_project_for(world.officer, project.pk) == project
    with pytest.raises(Http404):
        get_project_for(world.finance, project.pk)  # nothing to pay yet


def test_member_project_is_get_project_for_and_is_member_in_one_query(world, django_assert_num_queries):
    """The applicant pages' selector answers as get_project_for followed by is_member did, for every kind of
    user; an applicant's project is found by the membership set, without joining organization and membership."""
    from grants.models import Membership
    from projects.permissions import is_member
    from projects.selectors import get_member_project

    project = world.draft()
    _, other_member = world.new_org()
    officer_member = UserFactory(role="officer")
    Membership.objects.create(organization=project.organization, user=officer_member)
    inactive = UserFactory(role="applicant")
    Membership.objects.create(organization=project.organization, user=inactive)
    inactive.is_active = False
    inactive.save()
    users = [world.member, other_member, UserFactory(role="applicant"), UserFactory(role="expert"), world.officer,
             world.finance, officer_member, inactive]

    def old(user, pk):
        found = get_project_for(user, pk)
        if not is_member(user, found.organization_id):
            raise Http404
        return found

    for user in users:
        for pk in (project.pk, 999999, "x"):
            answers = []
            for selector in (old, get_member_project):
                user.__dict__.pop("_org_ids", None)
                try:
                    answers.append(selector(user, pk).pk)
                except Http404:
                    answers.append(None)
            assert answers[0] == answers[1], (user.role, pk, answers)
    assert get_member_project(world.member, project.pk) == project
    assert get_member_project(officer_member, project.pk) == project
    world.member.__dict__.pop("_org_ids", None)
    with django_assert_num_queries(2) as captured:  # the membership set, then the project
        get_member_project(world.member, project.pk, related=())
    assert "grants_membership" not in captured.captured_queries[1]["sql"]
