"""What was last said about actions, read for many tasks at once: the latest
health, note, date and author, staleness after three silent rounds, health by
theme and the response rate by week, in a fixed number of statements."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from tasking.checkins.status import checkin_status, checkin_status_in, health_by_theme, response_rates
from tasking.extensions import db
from tasking.models import Task
from tests.scheduling.conftest import build_world

from .seeding import a_round, an_answer

#: Four weekly rounds, the last one open at NOW.
MONDAYS = [
    datetime(2026, 11, 3, 13),
    datetime(2026, 11, 10, 13),
    datetime(2026, 11, 17, 13),
    datetime(2026, 11, 24, 13),
]
NOW = datetime(2026, 11, 25, 15)


@pytest.fixture
def world(make):
    world = build_world(make)
    world.org.created_at = datetime(2026, 1, 1)
    db.session.commit()
    return world


def _task(world, title, created=datetime(2026, 10, 1), **fields) -> Task:
    task = world.task(title, date(2026, 12, 15), **fields)
    task.created_at = created
    db.session.commit()
    return task


def test_latest_answer_with_the_latest_note_and_its_author(world):
    task = _task(world, "Plan de communication")
    rounds = [a_round(world.org, monday) for monday in MONDAYS]
    an_answer(task, world.helper, "on_track", MONDAYS[1] + timedelta(hours=1), checkin=rounds[1])
    an_answer(
        task, world.owner, "at_risk", MONDAYS[2] + timedelta(hours=1), "Fournisseur en retard", rounds[2]
    )
    an_answer(
        task, world.owner, "at_risk", MONDAYS[3] + timedelta(hours=2), checkin=rounds[3], nothing_new=True
    )

    status = checkin_status(db.session, [task.id], NOW)[task.id]

    assert (status.health, status.note, status.who) == (
        "at_risk",
        "Fournisseur en retard",
        "Rémi Responsable",
    )
    assert status.at == MONDAYS[3] + timedelta(hours=2)
    assert status.nothing_new and status.answered and not status.stale
    assert checkin_status_in(db.session, world.org.id, [task.id], NOW) == {task.id: status}


def test_an_open_action_is_stale_after_three_rounds_without_update(world):
    quiet = _task(world, "Sans nouvelles depuis trois tournées")
    recent = _task(world, "Mise à jour il y a deux tournées")
    never = _task(world, "Jamais mise à jour")
    young = _task(world, "Créée après la deuxième tournée", created=MONDAYS[1] + timedelta(days=1))
    done = _task(world, "Terminée", status="done")
    for monday in MONDAYS:
        a_round(world.org, monday)
    an_answer(quiet, world.owner, "on_track", MONDAYS[0] + timedelta(hours=1))
    an_answer(recent, world.owner, "late", MONDAYS[1] + timedelta(hours=1), "En attente du conseil")

    ids = [t.id for t in (quiet, recent, never, young, done)]
    status = checkin_status(db.session, ids, NOW)

    assert status[quiet.id].stale and status[quiet.id].health == "on_track"
    assert not status[recent.id].stale
    assert status[never.id].stale and status[never.id].health is None and not status[never.id].answered
    # Neither asked three times nor open: nothing to show.
    assert young.id not in status and done.id not in status
    # The board's reading (staleness decided in SQL) says the same, and so
    # does its statement for one card (a moved one), task by task.
    assert checkin_status_in(db.session, world.org.id, ids, NOW) == status
    one_by_one = {}
    for task_id in ids:
        one_by_one |= checkin_status_in(db.session, world.org.id, [task_id], NOW)
    assert one_by_one == status


def test_no_action_is_stale_before_three_rounds(world):
    task = _task(world, "Jamais mise à jour")
    for monday in MONDAYS[:2]:
        a_round(world.org, monday)
    # A round that opens later does not count yet.
    a_round(world.org, NOW + timedelta(days=5))
    assert checkin_status(db.session, [task.id], NOW) == {}
    assert checkin_status_in(db.session, world.org.id, [task.id], NOW) == {}


def test_status_costs_two_statements_for_5_or_60_tasks(world, count_queries):
    for monday in MONDAYS:
        a_round(world.org, monday)
    counts = []
    for size in (5, 60):
        tasks = [_task(world, f"Action {size}-{i}") for i in range(size)]
        for task in tasks[::2]:
            an_answer(task, world.owner, "blocked", MONDAYS[3] + timedelta(hours=1), "Bloquée")
        ids = [t.id for t in tasks]
        with count_queries() as counter:
            status = checkin_status(db.session, ids, NOW)
        assert len(status) == size
        counts.append(counter.count)
        org_id = world.org.id
        with count_queries() as counter:
            assert checkin_status_in(db.session, org_id, ids, NOW) == status
        counts.append(counter.count)
    # The board's reading: one statement (the stale threshold a subquery).
    assert counts == [2, 1, 2, 1]


def test_health_by_theme_counts_latest_health_and_stale(world, count_queries):
    tasks = [_task(world, f"Action {i}") for i in range(4)]
    for monday in MONDAYS:
        a_round(world.org, monday)
    an_answer(tasks[0], world.owner, "blocked", MONDAYS[3] + timedelta(hours=1), "Pas de local")
    an_answer(tasks[1], world.owner, "on_track", MONDAYS[3] + timedelta(hours=1))
    an_answer(tasks[2], world.owner, "on_track", MONDAYS[0] + timedelta(hours=1))

    plan_id = world.plan.id
    with count_queries() as counter:
        [(theme, counts)] = health_by_theme(db.session, plan_id, NOW)

    assert counter.count == 3
    assert theme.title == "Enjeux sociaux"
    assert counts == {
        "on_track": 2,
        "at_risk": 0,
        "late": 0,
        "blocked": 1,
        "done": 0,
        "none": 1,
        "stale": 2,
    }


def test_response_rate_per_week(world, count_queries):
    people = (world.owner, world.helper, world.admin)
    rounds = [a_round(world.org, monday, invited=people) for monday in MONDAYS]
    task = _task(world, "Plan de communication")
    helper_task = _task(world, "Banque alimentaire", owner=world.helper)
    an_answer(task, world.owner, "on_track", MONDAYS[1] + timedelta(hours=1), checkin=rounds[1])
    an_answer(helper_task, world.helper, "on_track", MONDAYS[1] + timedelta(hours=2), checkin=rounds[1])
    # Two answers of one person count once.
    an_answer(task, world.owner, "late", MONDAYS[3] + timedelta(hours=1), "Retard", rounds[3])
    an_answer(task, world.owner, "late", MONDAYS[3] + timedelta(hours=3), "Retard", rounds[3])

    org_id = world.org.id
    with count_queries() as counter:
        rates = response_rates(db.session, org_id, NOW, weeks=3)

    assert counter.count == 2
    assert [(r.week, r.invited, r.answered) for r in rates] == [
        ("2026-W46", 3, 2),
        ("2026-W47", 3, 0),
        ("2026-W48", 3, 1),
    ]
    assert rates[0].share == pytest.approx(2 / 3)
