from projects.states import State


def test_happy_path_to_completion(world):
    project = world.draft()
    project = world.advance(project, State.COMPLETED)
    assert project.state == State.COMPLETED
    assert project.grade == "优秀"
    states = list(project.tranches.values_list("state", flat=True))
    assert states == ["paid", "releasable", "releasable"]
    assert sum(t.amount for t in project.tranches.all()) == project.approved_amount
