"""Claiming unique rows: the one run that writes a row does the work.

``INSERT … ON CONFLICT DO NOTHING`` works alike on SQLite and PostgreSQL and
needs no savepoint: a concurrent run waits for the other's commit, then sees
the conflict and writes nothing. Shared by the scheduler's lease and jobs and
by the outbox's bulk queueing.
"""

from __future__ import annotations

import json

from sqlalchemy import Text, bindparam, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def claim(session: Session, model: type, **values) -> bool:
    """Insert one row of ``model`` unless a unique key refuses it; True if written."""
    insert = _insert(session)
    # RETURNING rather than rowcount: psycopg reports -1 for an INSERT here.
    key = list(model.__table__.primary_key.columns)
    result = session.execute(insert(model).values(**values).on_conflict_do_nothing().returning(*key))
    return result.first() is not None


def claim_entity(session: Session, model: type, **values) -> object | None:
    """``claim``, the row written given back as an entity of ``model`` (None if refused)."""
    return session.scalar(_insert(session)(model).values(**values).on_conflict_do_nothing().returning(model))


def _insert(session: Session):
    return postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert


def claim_many(session: Session, model: type, rows: list[dict], column) -> set:
    """Insert many rows of ``model`` in one statement, skipping those a unique
    key refuses; the values of ``column`` of the rows written."""
    if not rows:
        return set()
    statement = _insert(session)(model).values(rows).on_conflict_do_nothing().returning(column)
    return set(session.scalars(statement))


def claim_rows(session: Session, table, rows: list[dict], *columns) -> list[tuple]:
    """``claim_many`` for a job's thousands of rows: one statement over the
    list, the ``columns`` of the rows written back (none: a bulk insert that
    returns nothing)."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return _claim_arrays(session, table, rows, columns)
    statement = _insert(session)(table).on_conflict_do_nothing()
    if not columns:
        session.execute(statement, rows)
        return []
    return [tuple(row) for row in session.execute(statement.returning(*columns), rows)]


def _claim_arrays(session: Session, table, rows: list[dict], columns) -> list[tuple]:  # noqa: ANN001
    """On PostgreSQL, one array per column whose elements make the rows: a
    short statement whatever the number of rows (a long VALUES list costs
    more to build and parse than to insert). A column with one value in
    every row is sent once, not as an array (the run's instant, its organisation…)."""
    names = list(rows[0])
    by_name = {name: [row[name] for row in rows] for name in names}
    once = {name for name, column in by_name.items() if _one_value(column)}
    if once == set(names):  # at least one array, or the rows would be one
        once.discard(names[0])
    values = [
        cast(bindparam(f"one_{name}", by_name[name][0]), table.c[name].type)
        if name in once
        else _column(table.c[name], by_name[name])
        for name in names
    ]
    statement = postgresql.insert(table).from_select(names, select(*values)).on_conflict_do_nothing()
    if not columns:
        session.execute(statement)
        return []
    return [tuple(row) for row in session.execute(statement.returning(*columns))]


def _column(column, values: list):  # noqa: ANN001
    """The rows' values of one column, as a set-returning function: one JSON
    array, read back as texts cast to the column's type (psycopg dumps an
    array in Python, value by value, escaping texts character by character
    — the e-mails' HTML bodies —, where ``json.dumps`` is C)."""
    array = bindparam(f"json_{column.name}", json.dumps(values, default=str), type_=Text)
    return cast(func.json_array_elements_text(cast(array, postgresql.JSON)), column.type)


def _one_value(column: list) -> bool:
    first = column[0]
    return all(value == first and type(value) is type(first) for value in column)
