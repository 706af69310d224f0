"""How the app's database connections are set up and checked, per database.

SQLite: foreign keys, WAL (the scheduler, the sender and web workers share
the file) and a busy timeout, on every connection.

PostgreSQL (psycopg 3), where every round trip to the server costs about as
much as a small statement:

- statements are prepared at their first run, not their sixth (psycopg's
  default): each of a worker's connections otherwise planned a page's
  statements anew five times (My tasks 155-178 → 289 requests/s, bench/);
- a connection is checked when the pool hands it out, so that one the server
  closed (a restart) is replaced before a request uses it: raising
  ``DisconnectionError`` makes the pool take a fresh one. SQLAlchemy's
  ``pool_pre_ping`` would send an empty statement and let psycopg prepare
  it, which with the threshold at 0 left one more prepared statement on the
  server at every checkout;
- a server that ends a connection (a restart, ``pg_terminate_backend``, an
  idle timeout) says so on its socket and closes it: a connection back in
  the pool for less than ``TRUSTED_IDLE`` seconds whose socket has nothing
  to read is still open, and a read uses it without a round trip to ask
  (Go's MySQL driver checks its connections the same way), and so does a
  form, its ``BEGIN`` then sent with its first reads (below). One idle for
  longer, or whose socket has something to say, is asked, as a silent loss
  (a firewall forgetting the connection) is only found by asking;
- the CLI and the scheduler are checked by their transaction's ``BEGIN``,
  which psycopg would otherwise send in a round trip of its own before the
  first statement (it sends none once the server says a transaction is
  open); so is a request that may write on a connection not trusted as
  above. On a trusted one, its ``BEGIN`` waits for the request's first
  statements: reads sent together (``core/batches.py``, the person's with
  the page's first reads) take it in their round trip; any other statement
  has psycopg send it first, as before. psycopg would end a ``BEGIN`` it
  sends in a pipeline with a sync of its own (a round trip), so the
  connection is in psycopg's autocommit until then and the ``BEGIN`` is
  sent as a statement; once that transaction has ended, the connection's
  next statement, or its return to the pool, brings back psycopg's own
  transactions;
- the pool hands out the connection returned last (LIFO), not the one idle
  longest: under a municipality's usual traffic, a few requests at a time,
  the same one or two connections serve them all, with their statements
  prepared and planned and their sockets trusted (above). Handed out in
  turns, each of a worker's connections planned every statement anew five
  times and idled past ``TRUSTED_IDLE``: after a burst had opened several,
  whole series of task pages took 6-7 ms instead of 4.4 (bench/README.md);
- a read (GET, HEAD, OPTIONS) runs its statements in autocommit, with no
  BEGIN and no COMMIT, until it first writes (marking a notification read,
  a queued e-mail): psycopg then opens the transaction before that statement,
  and everything from there commits or rolls back together as before. Under
  READ COMMITTED each statement of a transaction took a snapshot of its own
  anyway: the reads see what they saw.
"""

from __future__ import annotations

import select
import time
from collections.abc import Mapping
from typing import Any

import psycopg
from flask import has_request_context, request
from psycopg.pq import ExecStatus, TransactionStatus
from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry

from tasking.core.transaction import SAFE_METHODS

#: Key of a pooled connection's ``info`` while it serves a read in autocommit.
READING = "tasking.reading"
#: Keys of a pooled connection's ``info``: a write's BEGIN still to send,
#: and a transaction begun by a BEGIN sent with the first reads.
BEGIN_OWED = "tasking.begin_owed"
OWN_BEGIN = "tasking.own_begin"
#: Key of a pooled connection's ``info``: when it was opened or last came back.
RETURNED = "tasking.returned"
#: Seconds a connection may have been back in the pool and still be handed
#: to a read without asking the server, when its socket says nothing.
TRUSTED_IDLE = 10.0


def engine_options(url: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """The engine's options for the database at ``url``: the configured
    ``options``, with PostgreSQL's pool handing out its last returned
    connection first (SQLite's file needs nothing)."""
    if url.startswith("postgresql"):
        return {"pool_use_lifo": True, **options}
    return dict(options)


def set_up(engine: Engine) -> None:
    """Listen to ``engine``'s connections as its database needs."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _opened)
        event.listen(engine, "checkout", _check)
        event.listen(engine, "checkin", _returned)
        event.listen(engine, "before_execute", _transaction_before_a_write)
        event.listen(engine, "before_cursor_execute", _begin_before_a_statement)
        event.listen(engine, "set_connection_execution_options", _close_the_opened_transaction)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _opened(dbapi_connection, record: ConnectionPoolEntry) -> None:  # noqa: ANN001
    """Statements prepared at their first run; a new connection counts as just used."""
    dbapi_connection.prepare_threshold = 0
    record.info[RETURNED] = time.monotonic()


def _check(dbapi_connection, record: ConnectionPoolEntry, _proxy) -> None:  # noqa: ANN001
    try:
        if not _plain(dbapi_connection):
            _ping_outside_a_transaction(dbapi_connection)
        elif has_request_context() and request.method in SAFE_METHODS:
            record.info[READING] = True
            dbapi_connection.autocommit = True
            if _may_be_gone(dbapi_connection, record):
                dbapi_connection.execute(";", prepare=False)
        elif has_request_context() and not _may_be_gone(dbapi_connection, record):
            record.info[BEGIN_OWED] = True
            dbapi_connection.autocommit = True
        else:
            answer = dbapi_connection.pgconn.exec_(b"BEGIN")
            if answer.status != ExecStatus.COMMAND_OK:
                raise psycopg.OperationalError(answer.get_error_message())
    except psycopg.OperationalError as error:
        raise DisconnectionError from error


def _may_be_gone(connection, record: ConnectionPoolEntry) -> bool:  # noqa: ANN001
    """Whether the connection must be asked: idle too long, or its socket
    has something to read (an idle connection is sent nothing but the
    server's farewell before it closes)."""
    returned = record.info.get(RETURNED)
    if returned is None or time.monotonic() - returned > TRUSTED_IDLE:
        return True
    poller = select.poll()
    poller.register(connection.pgconn.socket, select.POLLIN | select.POLLPRI)
    return bool(poller.poll(0))


def _plain(connection) -> bool:  # noqa: ANN001
    """Whether psycopg would open the next transaction with a bare BEGIN (not
    in autocommit, no isolation level or access mode of its own) and none is
    open yet."""
    return (
        not connection.autocommit
        and connection.isolation_level is None
        and connection.read_only is None
        and connection.deferrable is None
        and connection.info.transaction_status == TransactionStatus.IDLE
    )


def _ping_outside_a_transaction(connection) -> None:  # noqa: ANN001
    """An empty statement, not prepared, in autocommit so as to open nothing."""
    autocommit = connection.autocommit
    connection.autocommit = True
    try:
        connection.execute(";", prepare=False)
    finally:
        if not connection.closed:
            connection.autocommit = autocommit


def _transaction_before_a_write(connection: Connection, statement: object, *_args: object) -> None:
    """A read's first write (or row lock) opens the transaction it belongs to."""
    if READING not in connection.connection.info:
        return
    if getattr(statement, "is_select", False) and getattr(statement, "_for_update_arg", None) is None:
        return
    del connection.connection.info[READING]
    connection.connection.dbapi_connection.autocommit = False


def begins_here(connection: Connection) -> bool:
    """Whether the connection still owes its transaction's ``BEGIN``: the
    caller then sends it before its statements, in their round trip."""
    info = connection.connection.info
    if not info.pop(BEGIN_OWED, False) or not connection.connection.dbapi_connection.autocommit:
        return False
    info[OWN_BEGIN] = True
    return True


def _begin_before_a_statement(connection: Connection, *_args: object) -> None:
    """A statement on a connection owing its BEGIN, or whose own transaction
    has ended: psycopg opens the transaction before it."""
    info = connection.connection.info
    if BEGIN_OWED not in info and OWN_BEGIN not in info:
        return
    dbapi_connection = connection.connection.dbapi_connection
    if BEGIN_OWED in info or dbapi_connection.info.transaction_status == TransactionStatus.IDLE:
        info.pop(BEGIN_OWED, None)
        info.pop(OWN_BEGIN, None)
        dbapi_connection.autocommit = False


def _returned(dbapi_connection, record: ConnectionPoolEntry) -> None:  # noqa: ANN001
    """Back to psycopg's transactions after a read or a BEGIN of ours, and
    the time it came back."""
    marks = [record.info.pop(key, False) for key in (READING, BEGIN_OWED, OWN_BEGIN)]
    if any(marks) and not dbapi_connection.closed:
        dbapi_connection.autocommit = False
    record.info[RETURNED] = time.monotonic()


def _close_the_opened_transaction(connection: Connection, options: dict) -> None:
    """psycopg refuses a new isolation level or autocommit inside a
    transaction: the one the checkout opened is closed first, while it
    holds nothing (SQLAlchemy has not begun one on the connection)."""
    if (
        not options.keys() & connection.dialect.connection_characteristics.keys()
        or connection.in_transaction()
    ):
        return
    dbapi_connection = connection.connection.dbapi_connection
    if connection.connection.info.pop(BEGIN_OWED, False):
        # Its BEGIN is psycopg's again, as the new options say (SQLAlchemy
        # then sets autocommit itself only for an isolation level).
        dbapi_connection.autocommit = False
    if dbapi_connection.info.transaction_status == TransactionStatus.INTRANS:
        dbapi_connection.pgconn.exec_(b"ROLLBACK")
