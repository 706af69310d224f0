"""How the app's database connections are set up and checked, per database.

SQLite: foreign keys, WAL (the scheduler, the sender and web workers share
the file) and a busy timeout, on every connection.

PostgreSQL (psycopg 3):

- statements are prepared at their first run, not their sixth (psycopg's
  default): each of a worker's connections otherwise planned a page's
  statements anew five times (My tasks 155-178 → 289 requests/s, bench/);
- a connection is checked when the pool hands it out, so that one the server
  closed (a restart) is replaced before a request uses it: raising
  ``DisconnectionError`` makes the pool take a fresh one. The check is the
  transaction's ``BEGIN``, which psycopg would otherwise send in a round trip
  of its own before the first statement (it sends none once the server says
  a transaction is open): every page makes one round trip fewer.
  SQLAlchemy's ``pool_pre_ping`` would send an empty statement instead, and
  let psycopg prepare it, which with the threshold at 0 left one more
  prepared statement on the server at every checkout.
"""

from __future__ import annotations

import psycopg
from psycopg.pq import ExecStatus, TransactionStatus
from sqlalchemy import Engine, event
from sqlalchemy.exc import DisconnectionError


def set_up(engine: Engine) -> None:
    """Listen to ``engine``'s connections as its database needs."""
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    elif engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _prepare_at_once)
        event.listen(engine, "checkout", _begin_or_replace)
        event.listen(engine, "set_connection_execution_options", _close_the_opened_transaction)


def _sqlite_pragmas(dbapi_connection, _record) -> None:  # noqa: ANN001
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _prepare_at_once(dbapi_connection, _record) -> None:  # noqa: ANN001
    dbapi_connection.prepare_threshold = 0


def _begin_or_replace(dbapi_connection, _record, _proxy) -> None:  # noqa: ANN001
    try:
        if _opens_with_a_bare_begin(dbapi_connection):
            answer = dbapi_connection.pgconn.exec_(b"BEGIN")
            if answer.status != ExecStatus.COMMAND_OK:
                raise psycopg.OperationalError(answer.get_error_message())
        else:
            _ping_outside_a_transaction(dbapi_connection)
    except psycopg.OperationalError as error:
        raise DisconnectionError from error


def _opens_with_a_bare_begin(connection) -> bool:  # noqa: ANN001
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


def _close_the_opened_transaction(connection, options) -> None:  # noqa: ANN001
    """psycopg refuses a new isolation level or autocommit inside a
    transaction: the one the checkout opened is closed first, while it
    holds nothing (SQLAlchemy has not begun one on the connection)."""
    if (
        not options.keys() & connection.dialect.connection_characteristics.keys()
        or connection.in_transaction()
    ):
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection.info.transaction_status == TransactionStatus.INTRANS:
        dbapi_connection.pgconn.exec_(b"ROLLBACK")
