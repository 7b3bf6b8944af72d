from django.urls import reverse

from projects import services
from projects.diff import diff_snapshots
from projects.states import State


def test_diff_snapshots_fields_and_rows():
    old = {"title": "A", "team": "3人", "budget": [{"item": "劳务", "amount": "1.00"}], "milestones": [], "indicators": []}
    new = {"title": "A", "team": "4人", "budget": [{"item": "劳务", "amount": "2.00"}, {"item": "物资", "amount": "3.00"}],
           "milestones": [], "indicators": []}
    diff = diff_snapshots(old, new)
    assert [(f.name, f.label, f.old, f.new) for f in diff.fields] == [("team", "项目团队", "3人", "4人")]
    assert [(c.kind, c.position, c.keys) for c in diff.rows["budget"]] == [("changed", 1, ("amount",)), ("added", 2, ())]
    assert diff_snapshots(old, old).empty


def test_officer_sees_what_changed_after_return(world, client_for):
    project = world.advance(world.draft(), State.SUBMITTED)
    services.return_for_revision(actor=world.officer, project_id=project.pk, comment="请补充调研")
    services.update_project(actor=world.member, project_id=project.pk, need_analysis="补充了入户调研")
    services.submit_project(actor=world.member, project_id=project.pk)
    c = client_for(world.officer)
    response = c.get(reverse("projects:changes", args=[project.pk]))
    assert response.status_code == 200
    assert [f.name for f in response.context["diff"].fields] == ["need_analysis"]
    assert (response.context["old_version"], response.context["new_version"]) == (1, 2)


def test_changes_page_needs_two_versions(world, client_for):
    project = world.advance(world.draft(), State.SUBMITTED)
    assert client_for(world.officer).get(reverse("projects:changes", args=[project.pk])).status_code == 404
