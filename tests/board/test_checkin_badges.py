"""Board cards show the latest check-in's health in words, with the note as
its title, and « À mettre à jour » when three rounds went by without update."""

from __future__ import annotations

from datetime import datetime, timedelta

from tasking.extensions import db
from tasking.models import Task
from tests.board.test_board import card_html
from tests.checkins.seeding import a_round, an_answer

MONDAYS = [datetime(2026, 11, 3, 13), datetime(2026, 11, 10, 13), datetime(2026, 11, 17, 13)]


def test_cards_show_health_in_words_and_stale_actions(client, people, build):
    plan = build.plan(people.org)
    blocked, fine, quiet = build.tasks(plan, 3, owner_id=people.owner.id)
    for task_id in (blocked, fine, quiet):
        db.session.get(Task, task_id).created_at = datetime(2026, 10, 1)
    for monday in MONDAYS:
        a_round(people.org, monday)
    owner = people.owner
    an_answer(
        db.session.get(Task, blocked), owner, "blocked", MONDAYS[2] + timedelta(hours=2), "Pas de local"
    )
    an_answer(db.session.get(Task, fine), owner, "on_track", MONDAYS[2] + timedelta(hours=3))

    client.login(people.admin.email)
    html = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)

    blocked_card = card_html(html, blocked)
    assert (
        '<span class="health health-blocked" title="Dernière mise à jour : Pas de local">Bloquée</span>'
        in blocked_card
    )
    assert "À mettre à jour" not in blocked_card
    assert ">Dans les temps</span>" in card_html(html, fine)
    quiet_card = card_html(html, quiet)
    assert (
        '<span class="stale" title="Aucune mise à jour depuis trois tournées">À mettre à jour</span>'
        in quiet_card
    )
    assert "health-" not in quiet_card
