"""PostgreSQL's connections in the pool: checked before a request uses one
(a restarted server costs nobody an error) by the BEGIN of the request's
transaction (no round trip of its own), and nothing piles up on the server
however many requests a connection serves. The test command always has a
PostgreSQL server: these run in the SQLite pass too."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Iterator

import pytest
from psycopg.pq import Trace
from sqlalchemy import create_engine, event, text

from tasking.extensions import db
from tests.conftest import PG_ADMIN_URL, make_app


@pytest.fixture
def pg_app() -> Iterator:
    name = f"retablir_pool_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    app = make_app(PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name)
    yield app, admin
    with app.app_context():
        db.engine.dispose()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _prepared_and_backend(app) -> tuple[int, int]:  # noqa: ANN001
    """The pooled connection's prepared statements, and its server process."""
    with app.app_context():
        row = db.session.execute(
            text("SELECT (SELECT count(*) FROM pg_prepared_statements), pg_backend_pid()")
        ).one()
        db.session.commit()
    return row[0], row[1]


def test_a_connection_serves_requests_without_piling_up_prepared_statements(pg_app):
    app, _admin = pg_app
    client = app.test_client()
    for _ in range(5):
        assert client.get("/readyz").status_code == 200
    before, backend = _prepared_and_backend(app)
    for _ in range(50):
        assert client.get("/readyz").status_code == 200
    after, same_backend = _prepared_and_backend(app)
    assert same_backend == backend  # one connection served them all
    assert after == before


def test_a_connection_the_server_closed_is_replaced_before_a_request_uses_it(pg_app):
    app, admin = pg_app
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    _prepared, backend = _prepared_and_backend(app)
    with admin.connect() as conn:
        assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": backend}).scalar()
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _prepared_and_backend(app)[1] != backend


def test_a_request_checks_its_connection_with_the_begin_of_its_transaction(pg_app):
    """What the app sends PostgreSQL for a request that reads, from libpq's
    trace of the connection: BEGIN, the statements, COMMIT, one round trip
    each (one « ReadyForQuery » answer per round trip)."""
    app, _admin = pg_app
    statements = []
    with tempfile.TemporaryFile() as trace, app.app_context():

        @event.listens_for(db.engine, "connect")
        def _trace(dbapi_connection, _record):  # noqa: ANN001
            dbapi_connection.pgconn.trace(trace.fileno())
            dbapi_connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)

        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(*_args) -> None:  # noqa: ANN002
            statements.append(1)

        db.engine.dispose()
        client = app.test_client()
        assert client.get("/readyz").status_code == 200  # connects (the server's settings, once)
        trace.seek(0, 2)
        start = trace.tell()
        statements.clear()
        assert client.get("/readyz").status_code == 200
        trace.seek(start)
        sent = trace.read().decode()

    asked = [line.split("\t")[2:] for line in sent.splitlines() if line.startswith("F\t")]
    assert asked[0] == ["Query", ' "BEGIN"']
    assert asked[-1] == ["Query", ' "COMMIT"']
    assert ["Query", ' ";"'] not in asked  # no separate check
    assert statements
    assert sent.count("ReadyForQuery") == len(statements) + 2


def test_an_isolation_level_can_be_chosen_on_a_connection_just_handed_out(pg_app):
    """The transaction the checkout opened holds nothing and is closed for
    the new level: VACUUM, which PostgreSQL refuses inside a transaction, runs."""
    app, _admin = pg_app
    with app.app_context():
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TABLE swept (n integer)"))
        with db.engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("VACUUM swept"))
        with db.engine.connect() as conn:
            assert (
                conn.execute(text("SELECT current_setting('transaction_isolation')")).scalar()
                == "read committed"
            )
            assert conn.execute(text("SELECT count(*) FROM swept")).scalar() == 0
