"""My tasks reuses the board's people and plan builder."""

from tests.board.conftest import build, people  # noqa: F401
