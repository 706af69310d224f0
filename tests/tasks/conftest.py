import pytest

from tests.tasks.world import build_world


@pytest.fixture
def world(make):
    return build_world(make)
