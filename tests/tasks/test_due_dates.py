"""A due date outside the action's period (short and medium term, or long
term) is saved, and said beside the dates; the import preview says it too."""

from __future__ import annotations

from datetime import date

import pytest

from tasking.extensions import db
from tasking.models import Task
from tasking.tasks.dates import due_date_warning

HX = {"HX-Request": "true"}
SHORT = {"horizon": "short_medium", "short_start": date(2026, 11, 1), "short_end": date(2026, 11, 30)}
LONG = {"long_start": date(2027, 1, 1), "long_end": date(2027, 6, 30)}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (SHORT | {"due_date": date(2026, 11, 30)}, None),
        (
            SHORT | {"due_date": date(2026, 12, 15)},
            "L’échéance, le 15 déc. 2026, tombe hors de la période court et moyen terme de l’action "
            "(du 1 nov. 2026 au 30 nov. 2026).",
        ),
        (
            SHORT | {"short_start": None, "due_date": date(2026, 12, 1)},
            "L’échéance, le 1 déc. 2026, tombe hors de la période court et moyen terme de l’action "
            "(du … au 30 nov. 2026).",
        ),
        # The long-term window is the action's when its horizon says so.
        (
            SHORT | LONG | {"horizon": "long", "due_date": date(2026, 11, 20)},
            "L’échéance, le 20 nov. 2026, tombe hors de la période long terme de l’action "
            "(du 1 janv. 2027 au 30 juin 2027).",
        ),
        # Without a horizon, either window will do.
        (SHORT | LONG | {"horizon": None, "due_date": date(2027, 2, 1)}, None),
        (
            SHORT | LONG | {"horizon": None, "due_date": date(2026, 12, 15)},
            "L’échéance, le 15 déc. 2026, tombe hors de la période court et moyen terme de l’action "
            "comme de sa période long terme.",
        ),
        # Nothing to compare with: nothing said.
        ({"horizon": "long", "due_date": date(2026, 12, 15)}, None),
        (SHORT | {"due_date": None}, None),
    ],
)
def test_due_date_warning(app, values, expected):
    with app.test_request_context():
        assert due_date_warning(values) == expected


def test_a_due_date_outside_the_period_is_saved_and_said_on_the_page(world, client):
    client.login(world.owner.email)
    url = f"/tasks/{world.task.id}/edit/dates"
    form = {"short_start": "2026-11-01", "short_end": "2026-11-30", "due_date": "2026-12-15", "version": "1"}
    response = client.post(url, data=form, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    warning = (
        "L’échéance, le 15 déc. 2026, tombe hors de la période court et moyen terme de l’action "
        "(du 1 nov. 2026 au 30 nov. 2026)."
    )
    assert warning in html  # in the saved fragment
    db.session.expire_all()
    assert db.session.get(Task, world.task.id).due_date == date(2026, 12, 15)  # saved anyway
    assert warning in client.get(f"/tasks/{world.task.id}").get_data(as_text=True)  # and kept

    form = {"due_date": "2026-11-20", "version": "2"}
    html = client.post(url, data=form, headers=HX).get_data(as_text=True)
    assert "L’échéance" not in html
