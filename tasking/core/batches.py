"""Several reads in one round trip to the database.

On PostgreSQL each statement costs a round trip to the server, about as much
as a small statement's own work (bench/README.md, issue 15). Reads that do
not depend on one another are sent together through psycopg's pipeline
mode: the server gets them at once and answers them in order, and the app
waits once. On SQLite, in process, they simply run one after the other.

The statements go through the same compiled SQL and the same prepared
statements as SQLAlchemy's own execution, and its ``before_cursor_execute``
listeners still hear each one (statement counts in tests and benches). They
must read columns that need no conversion by SQLAlchemy (its PostgreSQL
dialect converts none of integers, text, booleans, floats, dates and
instants), and take no expanding (``IN``) parameter. Each is compiled once
and kept: they are statements built once, at import or cached.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any

import psycopg
from psycopg.rows import namedtuple_row
from sqlalchemy import Connection, Dialect, Select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import Compiled

#: A statement and its parameters' values.
Query = tuple[Select, Mapping[str, Any]]

#: Compiled statements kept: the board's are built once per shape of filters,
#: and kept for as many shapes (``board.services.SHAPES_KEPT``) as a few kinds.
COMPILED_KEPT = 512


def read_together(session: Session, reads: Sequence[Query]) -> list[list[Any]]:
    """The rows of each read, in order: on PostgreSQL in one round trip.
    Rows read by name (``row.id``) and by position, as SQLAlchemy's do."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return [connection.execute(statement, dict(values)).all() for statement, values in reads]
    return _pipelined(connection, reads)


def _pipelined(connection: Connection, reads: Sequence[Query]) -> list[list[Any]]:
    driver = connection.connection.driver_connection
    cursors = []
    sql, parameters = "", {}
    try:
        with driver.pipeline():
            for statement, values in reads:
                compiled = _compile(statement, connection.dialect)
                sql, parameters = compiled.string, compiled.construct_params(dict(values))
                cursor = driver.cursor(row_factory=namedtuple_row)
                connection.dispatch.before_cursor_execute(connection, cursor, sql, parameters, None, False)
                cursor.execute(sql, parameters)
                cursors.append(cursor)
        return [cursor.fetchall() for cursor in cursors]
    except psycopg.Error as error:
        # As SQLAlchemy's own execution would: a lost connection leaves the pool.
        lost = driver.closed or connection.dialect.is_disconnect(error, driver, None)
        if lost:
            connection.invalidate(error)
        raise DBAPIError.instance(
            sql, parameters, error, psycopg.Error, connection_invalidated=lost
        ) from error
    finally:
        for cursor in cursors:
            cursor.close()


@functools.lru_cache(maxsize=COMPILED_KEPT)
def _compile(statement: Select, dialect: Dialect) -> Compiled:
    """Bounded: a statement rebuilt after leaving its own cache is a new key,
    and the old one would otherwise be kept for ever."""
    compiled = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError("read_together takes no expanding or literal parameter")
    return compiled
