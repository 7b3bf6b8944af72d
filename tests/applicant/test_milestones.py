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


def test_refused_report_shows_every_typed_row_again(world, client):
    project = world.advance(world.draft(), State.IN_PROGRESS)
    line = project.budget_lines.get(category="labor")
    client.force_login(world.member)
    response = client.post(f"/apply/p/{project.pk}/reports/", {
        "kind": "progress", "narrative": "第一季度进展",
        "e_line": [str(line.pk)], "e_item": ["社工劳务费超额"], "e_amount": ["50000.01"],
    })
    html = response.content.decode()
    assert "累计实际支出" in html  # the labor rule refused it
    assert 'value="社工劳务费超额"' in html and 'value="50000.01"' in html and "第一季度进展" in html
    assert f'value="{line.pk}" selected' in html
    assert project.reports.count() == 0
