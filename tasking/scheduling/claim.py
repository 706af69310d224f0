"""Claiming a unique row: the one run that writes it does the work.

``INSERT … ON CONFLICT DO NOTHING`` works alike on SQLite and PostgreSQL and
needs no savepoint: a concurrent run waits for the other's commit, then sees
the conflict and writes nothing.
"""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def claim(session: Session, model: type, **values) -> bool:
    """Insert one row of ``model`` unless a unique key refuses it; True if written."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # RETURNING rather than rowcount: psycopg reports -1 for an INSERT here.
    key = list(model.__table__.primary_key.columns)
    result = session.execute(insert(model).values(**values).on_conflict_do_nothing().returning(*key))
    return result.first() is not None
