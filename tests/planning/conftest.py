"""The planning tests run on the tasks' world."""

from tests.tasks.conftest import world  # noqa: F401
