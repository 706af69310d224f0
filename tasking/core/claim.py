"""Claiming unique rows: the one run that writes a row does the work.

``INSERT … ON CONFLICT DO NOTHING`` works alike on SQLite and PostgreSQL and
needs no savepoint: a concurrent run waits for the other's commit, then sees
the conflict and writes nothing. Shared by the scheduler's lease and jobs and
by the outbox's bulk queueing.
"""

from __future__ import annotations

from sqlalchemy import bindparam, cast, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def claim(session: Session, model: type, **values) -> bool:
    """Insert one row of ``model`` unless a unique key refuses it; True if written."""
    insert = _insert(session)
    # RETURNING rather than rowcount: psycopg reports -1 for an INSERT here.
    key = list(model.__table__.primary_key.columns)
    result = session.execute(insert(model).values(**values).on_conflict_do_nothing().returning(*key))
    return result.first() is not None


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
    list, the ``columns`` of the rows written back (for a table without a
    unique key but its id: a bulk insert)."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "postgresql":
        return _claim_unnest(session, table, rows, columns)
    statement = _insert(session)(table).on_conflict_do_nothing().returning(*columns)
    return [tuple(row) for row in session.execute(statement, rows)]


def _claim_unnest(session: Session, table, rows: list[dict], columns) -> list[tuple]:  # noqa: ANN001
    """On PostgreSQL, one array per column unnested into the rows: a short
    statement whatever the number of rows (a long VALUES list costs more to
    build and parse than to insert)."""
    names = list(rows[0])
    arrays = [
        cast(bindparam(f"col_{name}", [row[name] for row in rows]), postgresql.ARRAY(table.c[name].type))
        for name in names
    ]
    rows_of = select(*[func.unnest(array) for array in arrays])
    statement = (
        postgresql.insert(table).from_select(names, rows_of).on_conflict_do_nothing().returning(*columns)
    )
    return [tuple(row) for row in session.execute(statement)]
