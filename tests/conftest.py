import pytest

from tests.builders import World


@pytest.fixture
def world(db):
    return World()
