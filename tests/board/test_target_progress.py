"""The objective's progress on a card: its first measurable target by
position (then id), read from its latest measurement, and from its first
when a "down" target has no baseline."""

from __future__ import annotations

from datetime import timedelta

from tasking.extensions import db
from tests import factories as f
from tests.board.conftest import today
from tests.board.test_board import HTMX, card_html


def test_a_card_shows_its_objectives_first_measurable_target(client, people, build, make):
    plan = build.plan(people.org, themes=4)
    objectives = f.objectives_of(plan)
    tasks = build.tasks(plan, 4)
    now = make.now()

    def target(objective: int, text: str, **fields):  # noqa: ANN202
        return f.add_target(db.session, objectives[objective], f.target(text, **fields))

    # Not measurable, then a "down" target without baseline: from its first
    # measurement (40) to its latest (the higher id of the latest day: 20).
    target(0, "Informer la population")
    down = target(0, "Réduire l’attente", unit="jours", target_value=10, direction="down")
    target(0, "Plus tard", target_value=100)
    f.measurement(db.session, down, 40, today() - timedelta(days=10), now=now)
    f.measurement(db.session, down, 25, today(), now=now)
    f.measurement(db.session, down, 20, today(), now=now)
    # Two targets at the same position: the lower id speaks.
    first = target(1, "Rejoindre 200 personnes", unit="personnes", target_value=200)
    tied = target(1, "Autre", target_value=10)
    tied.position = first.position
    f.measurement(db.session, first, 50, today(), now=now)
    f.measurement(db.session, tied, 10, today(), now=now)
    # A later target moved before an earlier one speaks.
    target(2, "Ancienne", target_value=4)
    moved = target(2, "Déplacée", target_value=8)
    moved.position = -1
    f.measurement(db.session, moved, 6, today(), now=now)
    # A measurable target never measured: no bar.
    target(3, "Pas encore mesurée", target_value=5)
    db.session.commit()
    client.login(people.admin.email)

    html = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)

    # build.tasks gave each objective one task, in order.
    down_card, tied_card, moved_card, unmeasured_card = (card_html(html, task_id) for task_id in tasks)
    assert "width: 67%" in down_card and "20 / 10 jours" in down_card
    assert "width: 25%" in tied_card and "50 / 200 personnes" in tied_card
    assert "width: 75%" in moved_card and "6 / 8<" in moved_card
    assert 'class="progress"' not in unmeasured_card

    # A moved card comes back with the same facts, read with the counts.
    second = tasks[1]
    moved_back = client.post(
        f"/tasks/{second}/move", data={"status": "in_progress", "version": "1"}, headers=HTMX
    ).get_data(as_text=True)
    assert 'data-status="in_progress"' in moved_back
    assert "width: 25%" in card_html(moved_back, second) and "50 / 200 personnes" in moved_back
