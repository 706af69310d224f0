"""A list of ids in SQL, written so that PostgreSQL prepares it once.

``column IN (:id_1, :id_2, …)`` is a different statement for every length of
the list: psycopg prepares a statement after it has run a few times, which a
list of varying length never does, so PostgreSQL parses and plans it on every
request (a millisecond for the board's check-in query). ``column = ANY(:ids)``
with one array parameter is the same text whatever the length. SQLite has no
arrays and plans in process: it keeps ``IN``.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import ColumnElement, Integer, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def in_ids(session: Session, column: ColumnElement[int], ids: Collection[int]) -> ColumnElement[bool]:
    """``column`` is one of ``ids``."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(bindparam(None, list(ids), type_=ARRAY(Integer)))
    return column.in_(list(ids))
