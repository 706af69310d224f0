"""Board moves through the service alone (session, actor, instant): the
place a card lands in, the one row written, the history, the refusals."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from tasking.core.errors import ConflictError, ServiceError
from tasking.extensions import db
from tasking.models import Activity, Task
from tasking.tasks.editing import move_task

AT = datetime(2026, 11, 24, 14, 30)


def column(plan_id: int, status: str) -> list[int]:
    """The card ids of a column, top to bottom, as the board orders them."""
    return list(
        db.session.scalars(
            select(Task.id)
            .where(Task.plan_id == plan_id, Task.status == status)
            .order_by(Task.board_position)
        )
    )


def test_a_card_lands_between_its_neighbours_and_only_its_row_changes(people, build):
    plan = build.plan(people.org)
    todo = build.tasks(plan, 3, owner_id=people.owner.id)
    doing = build.tasks(plan, 2, owner_id=people.owner.id, status="in_progress")
    moved = db.session.get(Task, todo[0])

    changes = move_task(
        db.session, actor=people.owner, task=moved, status="in_progress", version=1, now=AT,
        after_id=doing[0], before_id=doing[1],
    )  # fmt: skip
    db.session.flush()

    assert [c.field for c in changes] == ["status"]
    assert column(plan.id, "in_progress") == [doing[0], todo[0], doing[1]]
    assert column(plan.id, "todo") == todo[1:]
    assert (moved.version, moved.updated_at) == (2, AT)
    line = db.session.scalars(select(Activity).where(Activity.task_id == moved.id)).one()
    assert (line.field, line.old_value, line.new_value, line.created_at) == (
        "status",
        "todo",
        "in_progress",
        AT,
    )


def test_a_move_within_its_column_writes_no_history(people, build):
    plan = build.plan(people.org)
    first, second, third = build.tasks(plan, 3, owner_id=people.owner.id)
    task = db.session.get(Task, third)

    assert (
        move_task(
            db.session, actor=people.owner, task=task, status="todo", version=1, now=AT, before_id=first
        )
        == []
    )
    db.session.flush()

    assert column(plan.id, "todo") == [third, first, second]
    assert db.session.scalar(select(Activity.id).where(Activity.task_id == third)) is None


def test_a_stale_or_missing_version_and_a_reader_are_refused(people, build):
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id)
    task = db.session.get(Task, task_id)
    move_task(db.session, actor=people.owner, task=task, status="in_progress", version=1, now=AT)

    with pytest.raises(ConflictError):
        move_task(db.session, actor=people.admin, task=task, status="done", version=1, now=AT)
    with pytest.raises(ServiceError):
        move_task(db.session, actor=people.admin, task=task, status="done", version=None, now=AT)
    with pytest.raises(ServiceError):
        move_task(db.session, actor=people.viewer, task=task, status="done", version=2, now=AT)
    with pytest.raises(ServiceError):
        move_task(db.session, actor=people.outsider, task=task, status="done", version=2, now=AT)
    assert task.status == "in_progress"


def test_one_neighbour_is_enough_and_one_of_another_column_is_none(people, build, count_queries):
    plan = build.plan(people.org)
    todo = build.tasks(plan, 3, owner_id=people.owner.id)
    doing = build.tasks(plan, 3, owner_id=people.owner.id, status="in_progress")
    first, second = (db.session.get(Task, task_id) for task_id in todo[:2])

    with count_queries() as counter:
        move_task(
            db.session, actor=people.admin, task=first, status="in_progress", version=1, now=AT,
            after_id=doing[0],
        )  # fmt: skip
    # The neighbour, the card below it and the column's top: one statement.
    assert sum(s.startswith("SELECT") and "board_position" in s for s in counter.statements) == 1
    move_task(
        db.session, actor=people.admin, task=second, status="in_progress", version=1, now=AT,
        before_id=doing[2],
    )  # fmt: skip
    db.session.flush()
    assert column(plan.id, "in_progress") == [doing[0], todo[0], doing[1], todo[1], doing[2]]

    third = db.session.get(Task, todo[2])
    move_task(db.session, actor=people.admin, task=third, status="done", version=1, now=AT, after_id=doing[1])
    db.session.flush()
    assert column(plan.id, "done") == [todo[2]]


def test_neighbours_too_close_are_spread_out_again(people, build):
    plan = build.plan(people.org)
    (moved_id,) = build.tasks(plan, 1, owner_id=people.owner.id)
    doing = build.tasks(plan, 3, owner_id=people.owner.id, status="in_progress")
    for task_id, position in zip(doing, (5.0, 5.0 + 1e-9, 7.0), strict=True):
        db.session.get(Task, task_id).board_position = position
    db.session.flush()
    moved = db.session.get(Task, moved_id)

    move_task(
        db.session, actor=people.admin, task=moved, status="in_progress", version=1, now=AT,
        after_id=doing[0], before_id=doing[1],
    )  # fmt: skip
    db.session.flush()

    assert column(plan.id, "in_progress") == [doing[0], moved_id, doing[1], doing[2]]
    assert moved.board_position == 1.5
