"""Rounds and answers written directly, for the pages and files that show
them (the check-in's own flow is tested through e-mails in the other files):
the factories, committed, for the tests that do not hold the session."""

from __future__ import annotations

from typing import Any

from tasking.extensions import db
from tasking.models import CheckinAnswer, CheckinRound
from tests import factories as f
from tests.conftest import committed


def a_round(*args: Any, **kwargs: Any) -> CheckinRound:
    """``factories.checkin_round`` (org, opens_at, invited)."""
    return committed(f.checkin_round(db.session, *args, **kwargs))


def an_answer(*args: Any, **kwargs: Any) -> CheckinAnswer:
    """``factories.checkin_answer`` (task, user, health, at, note, checkin, nothing_new)."""
    return committed(f.checkin_answer(db.session, *args, **kwargs))
