"""The task services called as the CLI and the scheduler call them: a
session, an actor and an instant; no request. What they write is checked in
the rows and in the history."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from tasking.core.errors import ConflictError, ServiceError
from tasking.extensions import db
from tasking.models import Activity, Comment, Measurement, Task
from tasking.tasks import comments, editing, measurements

AT = datetime(2026, 11, 24, 14, 30)


def history(task_id: int) -> list[tuple[str, str | None, str | None, str | None]]:
    rows = db.session.scalars(select(Activity).where(Activity.task_id == task_id).order_by(Activity.id))
    return [(a.kind, a.field, a.old_value, a.new_value) for a in rows]


def test_an_edit_changes_the_row_bumps_the_version_and_writes_one_line_per_field(world):
    task = world.task
    changes = editing.update_task(
        db.session,
        actor=world.owner,
        task=task,
        changes={"title": "Appeler chaque aîné", "due_date": date(2026, 12, 20)},
        version=1,
        now=AT,
    )
    db.session.flush()
    assert {c.field for c in changes} == {"title", "due_date"}
    assert (task.title, task.due_date, task.version, task.updated_at) == (
        "Appeler chaque aîné",
        date(2026, 12, 20),
        2,
        AT,
    )
    assert sorted(history(task.id)) == [
        ("field", "due_date", "2026-12-15", "2026-12-20"),
        ("field", "title", "Appeler les aînés isolés", "Appeler chaque aîné"),
    ]


def test_an_edit_on_an_old_version_is_a_conflict_and_writes_nothing(world):
    editing.update_task(
        db.session, actor=world.admin, task=world.task, changes={"title": "Première"}, version=1, now=AT
    )
    with pytest.raises(ConflictError):
        editing.update_task(
            db.session, actor=world.owner, task=world.task, changes={"title": "Seconde"}, version=1, now=AT
        )
    assert world.task.title == "Première"
    assert [line[3] for line in history(world.task.id)] == ["Première"]


def test_who_may_change_what(world):
    # A collaborator changes the status, not the title; a viewer nothing.
    editing.update_task(
        db.session, actor=world.collaborator, task=world.task, changes={"status": "in_progress"}, version=1,
        now=AT,
    )  # fmt: skip
    assert world.task.status == "in_progress"
    for actor, changes in ((world.collaborator, {"title": "x"}), (world.viewer, {"status": "done"})):
        with pytest.raises(ServiceError):
            editing.update_task(
                db.session, actor=actor, task=world.task, changes=changes, version=world.task.version, now=AT
            )
    with pytest.raises(ServiceError):
        editing.update_task(
            db.session,
            actor=world.stranger,
            task=world.task,
            changes={"status": "done"},
            version=None,
            now=AT,
        )


def test_done_stamps_completion_and_reopening_clears_it(world):
    editing.update_task(
        db.session, actor=world.owner, task=world.task, changes={"status": "done"}, version=1, now=AT
    )
    assert world.task.completed_at == AT
    later = AT + timedelta(days=1)
    editing.update_task(
        db.session, actor=world.owner, task=world.task, changes={"status": "todo"}, version=2, now=later
    )
    assert world.task.completed_at is None


def test_lists_of_people_and_partners_move_the_version_even_in_the_same_instant(world):
    editing.set_collaborators(
        db.session, actor=world.admin, task=world.task, user_ids=[world.member.id], version=1, now=AT
    )
    editing.set_partners(
        db.session, actor=world.admin, task=world.task, names=["CIUSSS", " CIUSSS ", ""], version=2, now=AT
    )
    db.session.flush()
    assert world.task.version == 3
    assert [p.name for p in world.task.partners] == ["CIUSSS"]
    assert [(kind, field) for kind, field, _old, _new in history(world.task.id)] == [
        ("field", "collaborators"),
        ("field", "partners"),
    ]
    with pytest.raises(ServiceError):  # an observer cannot help with an action
        editing.set_collaborators(
            db.session, actor=world.admin, task=world.task, user_ids=[world.viewer.id], version=3, now=AT
        )


def test_a_comment_with_a_mention_is_stored_with_its_line(world):
    comment = comments.add_comment(
        db.session, actor=world.collaborator, task=world.task, body="Fait avec @responsable", now=AT
    )
    assert db.session.get(Comment, comment.id).body == "Fait avec @responsable"
    assert comment.created_at == AT
    assert ("comment", None, None, None) in [(k, f, None, None) for k, f, _o, _n in history(world.task.id)]
    with pytest.raises(ServiceError):
        comments.add_comment(db.session, actor=world.viewer, task=world.task, body="Bonjour", now=AT)
    with pytest.raises(ServiceError):
        comments.add_comment(db.session, actor=world.owner, task=world.task, body="   ", now=AT)


def test_a_measurement_is_dated_by_the_organisation_and_refused_in_the_future(world):
    added = measurements.add_measurement(
        db.session, actor=world.owner, target=world.target, value="42,5", measured_on="2026-11-24", now=AT
    )
    assert (float(added.value), added.measured_on, added.created_at) == (42.5, date(2026, 11, 24), AT)
    with pytest.raises(ServiceError):
        measurements.add_measurement(
            db.session, actor=world.owner, target=world.target, value="50", measured_on="2026-11-25", now=AT
        )
    with pytest.raises(ServiceError):
        measurements.add_measurement(
            db.session, actor=world.viewer, target=world.target, value="50", measured_on="2026-11-20", now=AT
        )
    assert db.session.scalar(select(Measurement.id).where(Measurement.value == 50)) is None


def test_nothing_is_written_by_a_service_that_refuses(world):
    before = db.session.scalars(select(Task.title).order_by(Task.id)).all()
    with pytest.raises(ServiceError):
        editing.update_task(
            db.session, actor=world.owner, task=world.task, changes={"title": "  "}, version=1, now=AT
        )
    db.session.rollback()
    assert db.session.scalars(select(Task.title).order_by(Task.id)).all() == before
    assert history(world.task.id) == []
