"""PostgreSQL's connections in the pool: checked before a request uses one
(a restarted server costs nobody an error), and nothing piles up on the
server however many requests a connection serves. The test command always
has a PostgreSQL server: these run in the SQLite pass too."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

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
