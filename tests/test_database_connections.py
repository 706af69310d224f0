"""PostgreSQL's connections in the pool: checked before a request uses one
(a restarted server costs nobody an error), by the BEGIN of the request's
transaction or, for a read, by its socket (no round trip of its own unless
the connection was idle long), and nothing piles up on the server however
many requests a connection serves. The test command always has a
PostgreSQL server: these run in the SQLite pass too."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable, Iterator

import pytest
from flask import request
from psycopg.pq import Trace
from sqlalchemy import create_engine, event, literal, select, text
from sqlalchemy.exc import DBAPIError
from werkzeug.test import TestResponse

from tasking.core import connections
from tasking.core.batches import read_together
from tasking.extensions import csrf, db
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


def test_after_a_burst_the_connection_returned_last_serves_the_next_requests(pg_app):
    """A burst opened three connections; the quiet requests after it all get
    the one returned last, prepared and trusted, not each in turn."""
    app, _admin = pg_app
    with app.app_context():
        burst = [db.engine.connect() for _ in range(3)]
        backends = [held.execute(text("SELECT pg_backend_pid()")).scalar() for held in burst]
        for held in burst:
            held.close()
    client = app.test_client()
    served = set()
    for _ in range(6):
        assert client.get("/readyz").status_code == 200
        served.add(_prepared_and_backend(app)[1])
    assert len(set(backends)) == 3
    assert served == {backends[-1]}


def test_a_connection_the_server_closed_is_replaced_before_a_request_uses_it(pg_app):
    app, admin = pg_app
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    _prepared, backend = _prepared_and_backend(app)
    with admin.connect() as conn:
        # Returns once the server process has ended: as after a restart.
        ended = conn.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": backend})
        assert ended.scalar()
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert _prepared_and_backend(app)[1] != backend


class Traced:
    """libpq's trace of the app's connections: what the app sent PostgreSQL
    (« F » lines) and how many round trips it took (one « ReadyForQuery »
    answer each), from ``mark()`` on."""

    def __init__(self, app, file) -> None:  # noqa: ANN001
        self.file = file
        self.statements = 0

        def trace(dbapi_connection, _record) -> None:  # noqa: ANN001
            dbapi_connection.pgconn.trace(file.fileno())
            dbapi_connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS | Trace.REGRESS_MODE)

        def count(*_args) -> None:  # noqa: ANN002
            self.statements += 1

        self.app, self.listeners = app, (("connect", trace), ("before_cursor_execute", count))
        with app.app_context():
            for name, listener in self.listeners:
                event.listen(db.engine, name, listener)
            db.engine.dispose()

    def stop(self) -> None:
        """No more tracing: the traced connections leave the pool."""
        with self.app.app_context():
            for name, listener in self.listeners:
                event.remove(db.engine, name, listener)
            db.engine.dispose()

    def mark(self) -> None:
        self.file.seek(0, 2)
        self.start = self.file.tell()
        self.statements = 0

    def sent(self) -> tuple[list[str], int]:
        self.file.seek(self.start)
        lines = self.file.read().decode().splitlines()
        asked = [
            " ".join(part.strip() for part in line.split("\t")[2:])
            for line in lines
            if line.startswith("F\t")
        ]
        return asked, sum(1 for line in lines if "ReadyForQuery" in line)


def traced_request(app, ask: Callable[[], TestResponse]) -> tuple[TestResponse, int, int]:  # noqa: ANN001
    """``ask()`` once to connect and prepare its statements, then again under
    libpq's trace: (the answer, statements sent, round trips)."""
    with tempfile.TemporaryFile() as file:
        trace = Traced(app, file)
        ask()
        trace.mark()
        answer = ask()
        _asked, round_trips = trace.sent()
        trace.stop()
    return answer, trace.statements, round_trips


@pytest.fixture
def traced(pg_app) -> Iterator:
    app, _admin = pg_app
    with tempfile.TemporaryFile() as file:
        yield app, Traced(app, file)


def _add_pages(app) -> None:  # noqa: ANN001
    """A GET that reads twice, and one that writes two rows, then answers
    200 or fails (``?fail=1``)."""

    def read_twice():  # noqa: ANN202
        return str(
            db.session.execute(select(literal(1))).scalar() + db.session.execute(select(literal(2))).scalar()
        )

    def write_twice():  # noqa: ANN202
        db.session.execute(text("INSERT INTO written (n) VALUES (1)"))
        db.session.execute(text("INSERT INTO written (n) VALUES (2)"))
        if request.args.get("fail"):
            raise RuntimeError("after two rows")
        return "ok"

    app.add_url_rule("/read-twice", "read_twice", read_twice)
    app.add_url_rule("/write-twice", "write_twice", write_twice)
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE written (n integer)"))


ONE, TWO = select(literal(1).label("n")), select(literal(2).label("n"))


def _add_forms(app) -> None:  # noqa: ANN001
    """POSTs (no form token: the check is not what they test) that read two
    values together then write them, and one that commits them early (its
    last reads carry the COMMIT), writes a third row, then answers 200 or
    fails (``?fail=1``)."""

    def write_read():  # noqa: ANN202
        ones, twos = read_together(db.session, [(ONE, {}), (TWO, {})])
        db.session.execute(text("INSERT INTO written (n) VALUES (:n)"), {"n": ones[0].n})
        db.session.execute(text("INSERT INTO written (n) VALUES (:n)"), {"n": twos[0].n})
        return "ok"

    def commit_early():  # noqa: ANN202
        write_read()
        read_together(db.session, [(ONE, {})], last=True)
        db.session.execute(text("INSERT INTO written (n) VALUES (3)"))
        if request.args.get("fail"):
            raise RuntimeError("after the third row")
        return "ok"

    for view in (write_read, commit_early):
        app.add_url_rule(f"/{view.__name__}", view.__name__, csrf.exempt(view), methods=["POST"])
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("CREATE TABLE written (n integer)"))


def test_a_form_sends_its_begin_with_its_first_reads(traced):
    """A POST on a connection back in the pool a moment ago, its socket
    quiet: no round trip of its own for BEGIN, which goes with the reads."""
    app, trace = traced
    _add_forms(app)
    client = app.test_client()
    assert client.post("/write_read").status_code == 200  # connects, prepares the statements
    trace.mark()
    assert client.post("/write_read").status_code == 200
    asked, round_trips = trace.sent()
    assert asked[0] == 'Parse "" "BEGIN" 0'
    assert 'Query "BEGIN"' not in asked and asked[-1] == 'Query "COMMIT"'
    # BEGIN and the reads; each row; COMMIT.
    assert (trace.statements, round_trips) == (4, 1 + 2 + 1)
    assert _written(app) == [1, 1, 2, 2]


def test_after_a_transaction_begun_with_the_reads_the_next_writes_are_in_one_again(traced):
    """The BEGIN sent with the reads runs in psycopg's autocommit: once its
    transaction has ended (here, with the last reads), the next statement
    opens a transaction of psycopg's, which a failure rolls back."""
    app, _trace = traced
    _add_forms(app)
    client = app.test_client()
    with pytest.raises(RuntimeError):
        client.post("/commit_early?fail=1")
    assert _written(app) == [1, 2]

    assert client.post("/commit_early").status_code == 200
    assert _written(app) == [1, 1, 2, 2, 3]
    # Back in the pool, the connection is in psycopg's transactions again.
    with app.app_context():
        db.session.execute(text("INSERT INTO written (n) VALUES (4)"))
        db.session.rollback()
    assert _written(app) == [1, 1, 2, 2, 3]


def _written(app) -> list[int]:  # noqa: ANN001
    with app.app_context():
        rows = db.session.execute(text("SELECT n FROM written ORDER BY n")).scalars().all()
        db.session.commit()
    return rows


@pytest.mark.parametrize(
    "options", [{"logging_token": "form"}, {"postgresql_readonly": True}], ids=["logging", "read only"]
)
def test_a_form_choosing_options_keeps_its_transaction_and_the_pool_its_own(pg_app, options):
    """Options chosen on a form's connection (still owing its BEGIN): its
    writes stay one transaction, undone together, and the connection comes
    back to the pool in psycopg's transactions."""
    app, _admin = pg_app
    _add_forms(app)

    def with_options():  # noqa: ANN202
        connection = db.session.connection(execution_options=options)
        for n in (1, 2):
            connection.execute(text("INSERT INTO written (n) VALUES (:n)"), {"n": n})
        raise RuntimeError("after two rows")

    app.add_url_rule("/with_options", "with_options", csrf.exempt(with_options), methods=["POST"])
    client = app.test_client()
    assert client.post("/write_read").status_code == 200  # the connection, back in the pool a moment ago

    with pytest.raises((RuntimeError, DBAPIError)):
        client.post("/with_options")

    assert _written(app) == [1, 2]
    with app.app_context():
        assert db.session.connection().connection.dbapi_connection.autocommit is False
        db.session.rollback()


def test_a_read_sends_its_statements_without_begin_or_commit(traced):
    """A GET on a connection back in the pool a moment ago, its socket
    quiet: the statements, each in a round trip of its own; nothing else."""
    app, trace = traced
    _add_pages(app)
    client = app.test_client()
    assert client.get("/read-twice").status_code == 200  # connects, prepares the statements
    trace.mark()
    assert client.get("/read-twice").get_data(as_text=True) == "3"
    asked, round_trips = trace.sent()
    assert not [sent for sent in asked if "BEGIN" in sent or "COMMIT" in sent or sent == 'Query ";"']
    assert round_trips == trace.statements == 2


@pytest.mark.parametrize("form", [False, True], ids=["a read", "a form"])
def test_a_connection_idle_for_long_is_asked_first(traced, monkeypatch, form):
    """Idle longer than connections.TRUSTED_IDLE (here: any time at all), a
    connection could have been lost without a word (a firewall forgetting
    it): a read asks with an empty statement before its own, a form with
    its BEGIN, then not sent with its first reads."""
    app, trace = traced
    (_add_forms if form else _add_pages)(app)
    client = app.test_client()
    ask = (lambda: client.post("/write_read")) if form else (lambda: client.get("/read-twice"))
    assert ask().status_code == 200
    monkeypatch.setattr(connections, "TRUSTED_IDLE", -1.0)
    trace.mark()
    assert ask().status_code == 200
    asked, round_trips = trace.sent()
    if form:
        assert asked[0] == 'Query "BEGIN"' and 'Parse "" "BEGIN" 0' not in asked
        assert round_trips == 1 + 1 + 2 + 1  # BEGIN, the reads, each row, COMMIT
    else:
        assert asked[0] == 'Query ";"'
        assert round_trips == trace.statements + 1 == 3


def test_outside_a_read_the_check_is_the_begin_of_the_transaction(traced):
    """The CLI, the scheduler, a form: BEGIN checks the connection (no empty
    statement of its own), then the statements and COMMIT."""
    app, trace = traced
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.execute(text("SELECT 2"))
        db.session.commit()
        trace.mark()
        db.session.execute(text("SELECT 1"))
        db.session.execute(text("SELECT 2"))
        db.session.commit()
    asked, round_trips = trace.sent()
    assert asked[0] == 'Query "BEGIN"'
    assert asked[-1] == 'Query "COMMIT"'
    assert 'Query ";"' not in asked
    assert round_trips == trace.statements + 2 == 4


def test_a_read_that_writes_opens_the_transaction_before_its_first_write(traced):
    app, trace = traced
    _add_pages(app)
    client = app.test_client()
    assert client.get("/readyz").status_code == 200
    trace.mark()
    assert client.get("/write-twice").status_code == 200
    asked, _round_trips = trace.sent()
    begin = asked.index('Query "BEGIN"')
    assert "INSERT" in asked[begin + 1]
    assert asked[-1] == 'Query "COMMIT"'
    assert _written(app) == [1, 2]


def test_a_read_that_fails_after_writing_keeps_none_of_it(traced):
    app, _trace = traced
    _add_pages(app)
    client = app.test_client()
    with pytest.raises(RuntimeError):
        client.get("/write-twice?fail=1")
    assert _written(app) == []
    # The connection serves the next request in a transaction again.
    assert client.get("/write-twice").status_code == 200
    with app.app_context():
        db.session.execute(text("INSERT INTO written (n) VALUES (3)"))
        db.session.rollback()
    assert _written(app) == [1, 2]


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
