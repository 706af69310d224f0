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

A read may also be sent *ahead*, with an earlier read of the same request:
the person's statement at sign-in check carries the page's first reads
(``reads_first`` on the view), and the page's own ``read_together`` then
finds their rows instead of waiting for the server again. Rows kept ahead
serve once, and are dropped at the request's first write (they might no
longer be what the database holds), when the person is refused, and when
the connection goes back to the pool. Rows made into ORM objects
(``loaded``) sit in the session as if a query had loaded them.

A form's first reads also carry its transaction's ``BEGIN``
(``core/connections.py``), and a request's last reads (``last``, a move's
card) are followed at once by its ``COMMIT``: PostgreSQL writes it to disk
while the page is drawn, and the request's own commit waits for the answer.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, TypeVar

import psycopg
from psycopg import generators
from psycopg.pq import ExecStatus, TransactionStatus
from psycopg.rows import namedtuple_row
from sqlalchemy import ColumnElement, Connection, Dialect, Engine, Select, event
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.util import identity_key
from sqlalchemy.sql.compiler import Compiled

from tasking.core import connections, transaction

#: A statement and its parameters' values.
Query = tuple[Select, Mapping[str, Any]]
T = TypeVar("T")

#: Compiled statements kept: the board's are built once per shape of filters,
#: and kept for as many shapes (``board.services.SHAPES_KEPT``) as a few kinds.
COMPILED_KEPT = 512
#: Key of a pooled connection's ``info``: rows read ahead, by read.
AHEAD = "tasking.read_ahead"
#: Key of a pooled connection's ``info``: its psycopg connection, whose
#: COMMIT is on its way.
COMMITTING = "tasking.committing"
#: How a statement that only reads starts (a ``WITH`` may write: taken as a
#: write), and a row lock it may take.
_READS = re.compile(r"\s*SELECT\b", re.IGNORECASE)
_LOCKS = re.compile(r"\bFOR\s+(UPDATE|SHARE|NO\s+KEY|KEY)\b", re.IGNORECASE)


def read_together(
    session: Session, reads: Sequence[Query], *, ahead: Sequence[Query] = (), last: bool = False
) -> list[list[Any]]:
    """The rows of each read, in order: on PostgreSQL in one round trip.
    Rows read by name (``row.id``) and by position, as SQLAlchemy's do.
    ``ahead``: reads sent in the same round trip, whose rows are kept for a
    later ``read_together`` of the same statement and values. ``last``: the
    request's last statements, after its last write: on PostgreSQL its
    transaction's ``COMMIT`` follows them at once, its answer awaited only
    when the connection is next used (``_send_commit``)."""
    if last:
        # What the session holds unwritten goes first: before the COMMIT,
        # and before rows read ahead are looked for (a write drops them).
        session.flush()
    connection = session.connection()
    # Inside a savepoint, the request's transaction is not the reads' to end.
    last = last and not connection.in_nested_transaction()
    kept = connection.info.get(AHEAD)
    found = [kept.pop(_key(read), None) for read in reads] if kept else [None] * len(reads)
    missing = [read for read, rows in zip(reads, found, strict=True) if rows is None]
    if not missing and not ahead:
        return found
    answers = iter(_read(connection, [*missing, *ahead], last))
    rows = [next(answers) if rows is None else rows for rows in found]
    if ahead:
        keep = {_key(read): next(answers) for read in ahead}
        keep.pop(None, None)  # a read that cannot be a key is not kept
        connection.info[AHEAD] = keep
    return rows


def columns_of(model: type) -> tuple[ColumnElement, ...]:
    """The columns of a mapped class's attributes, to read in a ``read_together``
    and make objects of (``loaded``)."""
    return tuple(prop.columns[0] for prop in model.__mapper__.column_attrs)


@functools.cache
def _attributes_of(model: type) -> tuple[str, ...]:
    """``columns_of``'s attributes, in the same order: once, not at every object."""
    return tuple(prop.key for prop in model.__mapper__.column_attrs)


def loaded(session: Session, model: type[T], row: Sequence[Any], start: int = 0) -> T:
    """The object of ``model`` whose ``columns_of`` are ``row``'s from
    ``start`` on, in the session as if a query had loaded it (SQLAlchemy's
    way for objects read elsewhere); the session's own if it holds it."""
    keys = _attributes_of(model)
    values = dict(zip(keys, row[start : start + len(keys)], strict=True))
    held = session.identity_map.get(identity_key(model, values["id"]))
    if held is not None:
        return held
    found = model(**values)
    make_transient_to_detached(found)
    session.add(found)
    return found


def forget_ahead(session: Session) -> None:
    """Drop what was read ahead (the reader it was read for was refused)."""
    session.connection().info.pop(AHEAD, None)


def set_up(engine: Engine) -> None:
    """Rows read ahead last until the first write, and leave with the
    connection; a COMMIT sent after the last reads is answered before the
    connection's next statement, commit or rollback, or its return."""
    if engine.dialect.name == "postgresql":
        # Only PostgreSQL's last reads send their COMMIT early (``_send_commit``).
        event.listen(engine, "before_cursor_execute", _commit_answered)
        event.listen(engine, "commit", _commit_answered)
        event.listen(engine, "rollback", _commit_answered_or_not)
        event.listen(engine, "reset", _commit_answered_at_reset)
        event.listen(engine, "checkin", _commit_answered_at_checkin)
    event.listen(engine, "before_cursor_execute", _drop_ahead_at_a_write)
    event.listen(engine, "checkin", _drop_ahead_at_checkin)


def reads_first(reads: Callable[..., Sequence[Query]]) -> Callable[[Callable], Callable]:
    """A view whose first reads go ahead with its reader's statement:
    ``reads(reader_id, **view_args)`` gives them."""

    def mark(view: Callable) -> Callable:
        view.reads_first = reads
        return view

    return mark


def _key(read: Query) -> Hashable | None:
    """The read as a key of the rows kept ahead; None for values that cannot
    be one (such a read is never kept)."""
    statement, values = read
    key = statement, tuple(sorted((name, _frozen(value)) for name, value in values.items()))
    try:
        hash(key)
    except TypeError:
        return None
    return key


def _frozen(value: Any) -> Any:
    # Lists of ids (the board's reads) as tuples: equal lists, equal keys.
    return tuple(value) if isinstance(value, list) else value


def _read(connection: Connection, reads: Sequence[Query], last: bool = False) -> list[list[Any]]:
    if connection.dialect.name != "postgresql":
        return [connection.execute(statement, dict(values)).all() for statement, values in reads]
    return _pipelined(connection, reads, last)


def _drop_ahead_at_a_write(connection: Connection, _cursor, statement: str, *_args: object) -> None:  # noqa: ANN001
    if AHEAD in connection.info and (not _READS.match(statement) or _LOCKS.search(statement)):
        del connection.info[AHEAD]


def _drop_ahead_at_checkin(_dbapi_connection, record) -> None:  # noqa: ANN001
    record.info.pop(AHEAD, None)


def _pipelined(connection: Connection, reads: Sequence[Query], last: bool = False) -> list[list[Any]]:
    _commit_answered(connection)
    driver = connection.connection.driver_connection
    # A transaction of the request's own (a read's autocommit has none).
    commit = last and driver.info.transaction_status == TransactionStatus.INTRANS
    begin = connections.begins_here(connection)
    cursors = []
    sql, parameters = "", {}
    try:
        # One read alone goes without the pipeline, whose own messages (a
        # flush request and a sync) cost more than they save: 30 µs a request.
        with driver.pipeline() if len(reads) > 1 or begin else contextlib.nullcontext():
            if begin:
                # Before the reads, in their round trip (core/connections.py).
                sql, parameters = "BEGIN", {}
                driver.execute(sql, prepare=False)
            for statement, values in reads:
                compiled = _compile(statement, connection.dialect)
                sql, parameters = compiled.string, compiled.construct_params(dict(values))
                cursor = driver.cursor(row_factory=namedtuple_row)
                connection.dispatch.before_cursor_execute(connection, cursor, sql, parameters, None, False)
                cursor.execute(sql, parameters)
                cursors.append(cursor)
        rows = [cursor.fetchall() for cursor in cursors]
        if commit:
            sql, parameters = "COMMIT", {}
            _send_commit(connection.connection.info, driver)
        return rows
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


def _send_commit(info: dict, driver: psycopg.Connection) -> None:
    """COMMIT sent as psycopg's own commit sends it, its answer not waited
    for: the page is drawn while the server writes the transaction to disk.
    The connection's next statement, commit or rollback, or its return to
    the pool, waits for it first (``_wait_for_commit``): SQLAlchemy's commit
    at the end of the request then finds nothing left to send."""
    with driver.lock:
        driver.pgconn.send_query(b"COMMIT")
        driver.wait(generators.send(driver.pgconn))
    info[COMMITTING] = driver


def _wait_for_commit(info: dict) -> None:
    """The answer to a COMMIT sent after a request's last reads; raises what
    the COMMIT met (a constraint checked at commit, a lost connection)."""
    driver = info.pop(COMMITTING, None)
    if driver is None:
        return
    with driver.lock:
        answers = driver.wait(generators.fetch_many(driver.pgconn))
    for answer in answers:
        if answer.status != ExecStatus.COMMAND_OK:
            raise psycopg.errors.error_from_result(answer, encoding=driver.info.encoding)


def _commit_answered(connection: Connection, *_args: object) -> None:
    try:
        _wait_for_commit(connection.connection.info)
    except psycopg.Error as error:
        # As SQLAlchemy's own commit would raise it.
        lost = connection.connection.driver_connection.closed
        if lost:
            connection.invalidate(error)
        raise DBAPIError.instance("COMMIT", {}, error, psycopg.Error, connection_invalidated=lost) from error


def _commit_answered_or_not(connection: Connection, *_args: object) -> None:
    """Rolling back (a failure after the COMMIT was sent): if it succeeded,
    the request's changes are stored all the same, and its error page says so."""
    with contextlib.suppress(psycopg.Error):
        if COMMITTING in connection.connection.info:
            _wait_for_commit(connection.connection.info)
            transaction.saved_already()


def _commit_answered_at_reset(dbapi_connection, record, _reset_state) -> None:  # noqa: ANN001
    # Before the pool's own rollback.
    _commit_answered_at_checkin(dbapi_connection, record)


def _commit_answered_at_checkin(_dbapi_connection, record) -> None:  # noqa: ANN001
    # Back in the pool: what the COMMIT met no longer matters.
    with contextlib.suppress(psycopg.Error):
        _wait_for_commit(record.info)


@functools.lru_cache(maxsize=COMPILED_KEPT)
def _compile(statement: Select, dialect: Dialect) -> Compiled:
    """Bounded: a statement rebuilt after leaving its own cache is a new key,
    and the old one would otherwise be kept for ever."""
    compiled = statement.compile(dialect=dialect)
    if compiled.literal_execute_params or compiled.post_compile_params:
        raise ValueError("read_together takes no expanding or literal parameter")
    return compiled
