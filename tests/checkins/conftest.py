"""A world for the check-in: Ville A in MRC de Test (meeting slot Thursday
08:00, so the round of week 48 opens Tuesday 24 November 2026 at 08:00 and
closes Wednesday 25 at 17:00, Montréal time), with actions of two owners."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import Flask

from tasking.core.clock import SetClock
from tasking.models import Task
from tests.scheduling.conftest import World, at, cli, mk, outbox_rows, world  # noqa: F401

OPENS = "2026-11-24T08:00:00-05:00"
REMINDS = "2026-11-25T08:00:00-05:00"
AFTER_CLOSE = "2026-11-25T17:00:00-05:00"
LINK_RE = re.compile(r"http://retablir\.test(/checkins/u/[A-Za-z0-9._-]+)")


@pytest.fixture
def clock(mail_app: Flask) -> SetClock:
    """The clock of the app that delivers to the SMTP sink."""
    return mail_app.config["CLOCK"]


@pytest.fixture
def actions(world: World) -> dict[str, Task]:  # noqa: F811
    """Two actions of the owner (one late), one of the helper, one done."""
    return {
        "later": world.task("Plan de communication", date(2026, 12, 15)),
        "late": world.task("Inventaire des besoins", date(2026, 11, 10)),
        "helper": world.task("Banque alimentaire", date(2026, 12, 1), owner=world.helper),
        "done": world.task("Tâche terminée", date(2026, 11, 1), status="done"),
    }


def open_round(cli, clock, instant: str = OPENS):  # noqa: F811
    clock.set(at(instant))
    return cli("checkins", "open", "--now", instant)


def link_of(message) -> str:
    """The path of the update link in an e-mail's text part."""
    return LINK_RE.search(message.get_body(("plain",)).get_content()).group(1)


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


__all__ = ["outbox_rows"]


@pytest.fixture
def web(mail_app: Flask):
    """A test client of the app that delivers to the SMTP sink."""
    return mail_app.test_client()
