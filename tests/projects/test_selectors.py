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
