import pytest

from tests.tasks.world import World, build_world


@pytest.fixture
def world(make) -> World:
    return build_world(make)
