import pytest

from projects.states import State
from tests.factories import ExpertFactory


@pytest.fixture
def under_review(world):
    """Makes n projects of n different organizations, each under expert review."""

    def make(n: int = 1, **fields):
        projects = []
        for i in range(n):
            org, member = world.new_org()
            project = world.draft(org, member, title=fields.pop("title", f"社区项目{i}"), **fields)
            projects.append(world.advance(project, State.UNDER_REVIEW))
        return projects

    return make


@pytest.fixture
def experts(db):
    def make(n: int, **kwargs):
        return [ExpertFactory(**kwargs) for _ in range(n)]

    return make


SCORES = {"need": "17", "design": "21.5", "team": "12", "budget": "16", "impact": "17"}  # 83.5


def scores(**overrides):
    return {**SCORES, **overrides}
