import pytest

from projects import services
from projects.errors import ProjectError
from projects.states import State


def test_member_marks_milestone_done_once_others_get_404(world, client):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    milestone = project.milestones.first()
    url = f"/apply/p/{project.pk}/milestones/{milestone.pk}/done/"
    _, other = world.new_org()
    client.force_login(other)
    assert client.post(url).status_code == 404
    client.force_login(world.member)
    assert client.post(url).status_code == 302
    milestone.refresh_from_db()
    assert milestone.completed_on is not None
    with pytest.raises(ProjectError, match="已于"):
        services.complete_milestone(actor=world.member, project_id=project.pk, milestone_id=milestone.pk)
    assert project.events.filter(action="milestone_done").count() == 1


def test_milestone_before_signing_refused(world):
    project = world.draft()
    with pytest.raises(ProjectError, match="不能登记节点完成"):
        services.complete_milestone(actor=world.member, project_id=project.pk,
                                    milestone_id=project.milestones.first().pk)


def test_applicant_timeline_never_names_the_experts(world, client):
    project = world.advance(world.draft(), State.REVIEWED)
    client.force_login(world.member)
    html = client.get(f"/apply/p/{project.pk}/").content.decode()
    assert world.expert.name not in html and str(world.expert.user) not in html
    client.force_login(world.officer)
    assert world.expert.name in client.get(f"/projects/{project.pk}/").content.decode()
