"""Shared building blocks of the monitoring tests: a frozen clock and projects at evaluation stages."""
from datetime import datetime

import pytest
import time_machine

from core.calendar import SHANGHAI
from projects import services
from projects.models import Project
from projects.states import State

START = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)  # a Monday

MIDTERM_PASS = {"implementation": "25", "inputs": "15", "finance": "20", "outcomes": "20"}  # 80
MIDTERM_FAIL = {"implementation": "15", "inputs": "10", "finance": "15", "outcomes": "15"}  # 55
FINAL_EXCELLENT = {"indicators": "30", "execution": "20", "compliance": "18", "satisfaction": "18", "branding": "9"}  # 95
FINAL_GOOD = {"indicators": "25", "execution": "16", "compliance": "16", "satisfaction": "16", "branding": "8"}  # 81
FINAL_FAIL = {"indicators": "15", "execution": "10", "compliance": "10", "satisfaction": "10", "branding": "5"}  # 50


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def final_review(world, org=None, member=None) -> Project:
    return world.advance(world.draft(org, member), State.FINAL_REVIEW)


def evaluate(world, project: Project, kind: str, scores: dict, comment: str = "", actor=None):
    return services.record_evaluation(actor=actor or world.evaluator, project_id=project.pk, kind=kind,
                                      scores=scores, comment=comment)


@pytest.fixture
def world(db, clock):
    """The shared World, built on the frozen clock so due dates and windows are known dates."""
    from tests.builders import World

    return World()
