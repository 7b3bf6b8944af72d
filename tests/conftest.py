import pytest


@pytest.fixture
def world(db):
    from tests.builders import World

    return World()
