"""A list of ids in SQL, written so that PostgreSQL prepares it once.

``column IN (:id_1, :id_2, …)`` is a different statement for every length of
the list: psycopg prepares a statement after it has run a few times, which a
list of varying length never does, so PostgreSQL parses and plans it on every
request (a millisecond for the board's check-in query). ``column = ANY(:ids)``
with one array parameter is the same text whatever the length. SQLite has no
arrays and plans in process: it keeps ``IN``, expanded at execution.

With the ids a parameter, the statement itself can be built once and kept
(building the board's statements cost more than running them).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, Integer, any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY


def in_ids_param(column: ColumnElement[int], name: str, postgresql: bool) -> ColumnElement[bool]:
    """``column`` is one of the ids given at execution as parameter ``name``."""
    if postgresql:
        return column == any_(bindparam(name, type_=ARRAY(Integer)))
    return column.in_(bindparam(name, expanding=True))
