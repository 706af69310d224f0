"""Shared fixtures: an app on a real database (SQLite by default, PostgreSQL
with ``--db=postgresql``), a client that signs in and sends the CSRF token,
and ``make``: the factories of tests/factories.py on the test app."""

from __future__ import annotations

import contextlib
import contextvars
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask, current_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text

from tasking import create_app
from tasking.core.clock import SetClock
from tasking.extensions import db
from tasking.models import Organisation, Plan, Region, User
from tasking.plans.builder import ThemeSpec
from tests import factories

PASSWORD = factories.PASSWORD
# The instant every test app's clock reads unless the test sets another
# (naive UTC: Wednesday 25 November 2026, 10:00 in Montréal). No test reads
# the machine's clock, so the suite passes on any day.
TEST_NOW = datetime(2026, 11, 25, 15, 0)
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        default=os.environ.get("TEST_DB", "sqlite"),
        choices=["sqlite", "postgresql"],
        help="database the tests run on",
    )


@pytest.fixture(scope="session")
def database_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh database for the session, dropped at the end."""
    if request.config.getoption("--db") == "postgresql":
        name = f"retablir_test_{uuid.uuid4().hex[:10]}"
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        with tempfile.TemporaryDirectory() as tmp:
            yield "sqlite:///" + str(Path(tmp) / "test.db")


def make_app(database_url: str, **overrides) -> Flask:
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret-key",
        "MAIL_SERVER": None,
        "MAIL_DEFAULT_SENDER": "Rétablir <no-reply@retablir.test>",
        "APP_BASE_URL": "http://retablir.test",
        "SERVER_NAME": None,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        "CLOCK": SetClock(TEST_NOW),
    }
    config.update(overrides)
    return create_app(config)


@pytest.fixture(scope="session")
def _schema(database_url: str) -> str:
    """Build the schema once, through the migrations (as `db upgrade` does)."""
    app = make_app(database_url)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return database_url


_EMPTYING: dict[str, str] = {}


def _emptying_sql(conn) -> str:  # noqa: ANN001
    """Every table emptied and every sequence restarted, in one round trip.
    DELETE rather than TRUNCATE on PostgreSQL: a test leaves a few rows, and
    TRUNCATE of forty tables (new files for each) cost 120 ms a test."""
    tables = [f'DELETE FROM "{t.name}"' for t in reversed(db.metadata.sorted_tables)]
    if db.engine.dialect.name != "postgresql":
        return ";".join(tables)
    sequences = conn.execute(
        text(
            "SELECT quote_ident(sequence_schema) || '.' || quote_ident(sequence_name)"
            " FROM information_schema.sequences"
        )
    ).scalars()
    return ";".join(tables + [f"SELECT setval('{name}', 1, false)" for name in sequences])


def _empty_tables(app: Flask) -> None:
    with app.app_context():
        with db.engine.begin() as conn:
            url = str(db.engine.url)
            if url not in _EMPTYING:
                _EMPTYING[url] = _emptying_sql(conn)
            if db.engine.dialect.name == "postgresql":
                # Several statements in one: never a prepared statement (the app prepares at once).
                conn.connection.dbapi_connection.execute(_EMPTYING[url], prepare=False)
            else:
                for statement in _EMPTYING[url].split(";"):
                    conn.exec_driver_sql(statement)
        db.session.remove()


@pytest.fixture(scope="session")
def _shared_app(_schema: str) -> Iterator[Flask]:
    """One app for the tests that take it as it comes: building one (600
    routes compiled) cost 80 ms a test. Each test gets its configuration
    back as built, a clock of its own, empty tables and a fresh rate limiter."""
    app = make_app(_schema)
    yield app
    # The rate limiter's in-memory store keeps an expiry timer, a thread the
    # process waits for at exit, and libfaketime never ends a timed wait.
    for limiter in app.extensions.get("limiter", ()):
        timer = getattr(limiter.storage, "timer", None)
        if timer is not None:
            timer.cancel()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(_shared_app: Flask) -> Iterator[Flask]:
    app = _shared_app
    built = dict(app.config)
    app.config["CLOCK"] = SetClock(TEST_NOW)
    for limiter in app.extensions.get("limiter", ()):
        limiter.reset()
    _empty_tables(app)
    try:
        with app.app_context():
            yield app
            db.session.remove()
    finally:
        app.config.clear()
        app.config.update(built)


@pytest.fixture
def fresh_app(_schema: str) -> Iterator[Flask]:
    """An app of the test's own, for a test that adds routes to it."""
    app = make_app(_schema)
    _empty_tables(app)
    with app.app_context():
        yield app
        db.session.remove()
    with app.app_context():
        db.engine.dispose()


class Client(FlaskClient):
    """A test client that sends the CSRF token of its session, as htmx does."""

    csrf: str | None = None

    def fetch_csrf(self, path: str = "/login") -> str:
        page = self.get(path).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'"X-CSRFToken": "([^"]+)"', page
        )
        assert match, "no CSRF token on " + path
        self.csrf = match.group(1)
        return self.csrf

    def open(self, *args, **kwargs):
        # Run each request outside the test's app context, as a server would:
        # otherwise Flask reuses it and `g` (the signed-in user…) leaks between requests.
        return contextvars.Context().run(self._open, *args, **kwargs)

    def _open(self, *args, **kwargs):
        method = (kwargs.get("method") or "GET").upper()
        if method not in ("GET", "HEAD", "OPTIONS") and self.csrf and kwargs.pop("with_csrf", True):
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf)
            kwargs["headers"] = headers
        else:
            kwargs.pop("with_csrf", None)
        response = super().open(*args, **kwargs)
        if response.is_streamed:
            # A server reads a streamed body in the request's own context.
            response.get_data()
        return response

    def login(self, email: str, password: str = PASSWORD):
        self.fetch_csrf("/login")
        response = self.post("/login", data={"email": email, "password": password, "csrf_token": self.csrf})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
        self.fetch_csrf("/plans")
        return response


def app_now() -> datetime:
    """The test app's clock, for the rows a test writes itself: the models
    stamp nothing, as the services pass their ``now``."""
    return current_app.config["CLOCK"]()


@pytest.fixture
def clock(app: Flask) -> SetClock:
    """The test app's clock: ``clock.set(…)`` or ``clock.advance(days=1)`` moves it."""
    return app.config["CLOCK"]


@pytest.fixture
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def make_client(app: Flask):
    """More clients, each with its own cookies (two people at once)."""

    def factory() -> Client:
        app.test_client_class = Client
        return app.test_client()

    return factory


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


Made = TypeVar("Made")


class Factory:
    """tests/factories.py at the test app's clock, each call committed (the
    client's requests read in sessions of their own). ``created``, when set,
    is the instant regions and organisations are created at instead."""

    created: datetime | None = None

    def __init__(self, app: Flask):
        self.app = app

    def now(self) -> datetime:
        """The test app's clock: rows are stamped as the services would."""
        return self.app.config["CLOCK"]()

    def _founded(self) -> datetime:
        return self.created or self.now()

    def region(self, slug: str = "mrc-test", name: str = "MRC de Test") -> Region:
        return committed(factories.region(db.session, slug, name, now=self._founded()))

    def org(
        self, slug: str | None = None, name: str | None = None, region: Region | None = None
    ) -> Organisation:
        return committed(factories.organisation(db.session, slug, name, region, now=self._founded()))

    def towns(self, region: Region | None, names: dict[str, str]) -> list[Organisation]:
        return committed(factories.municipalities(db.session, region, names, now=self._founded()))

    def user(
        self,
        org: Organisation,
        role: str = "member",
        email: str | None = None,
        name: str | None = None,
        regional: Region | None = None,
        locale: str = "fr_CA",
        acknowledged: bool = True,
    ) -> User:
        """``acknowledged=False``: someone who has not yet read the privacy notice (first sign-in)."""
        made = factories.user(
            db.session,
            org,
            role,
            email,
            name,
            now=self.now(),
            regional_region=regional,
            locale=locale,
            acknowledged=acknowledged,
        )
        return committed(made)

    def people(self, org: Organisation, **specs: factories.PersonSpec) -> dict[str, User]:
        return committed(factories.people(db.session, org, now=self.now(), **specs))

    def plan(self, org: Organisation, now: datetime | None = None) -> Plan:
        """The whole template (145 actions): ``plan_with`` builds smaller ones."""
        return committed(factories.template_plan(db.session, org, now or self.now()))

    def plan_with(self, org: Organisation, themes: list[ThemeSpec] | None = None, **overrides: Any) -> Plan:
        """The plan described (``factories.plan``)."""
        return committed(factories.plan(db.session, org, themes, now=self.now(), **overrides))


def committed(made: Made) -> Made:
    """What a factory made, once committed."""
    db.session.commit()
    return made


@pytest.fixture
def make(app: Flask) -> Factory:
    return Factory(app)


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, *args):  # noqa: ANN001
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask):
    """Context manager counting the SQL statements sent meanwhile."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)

    return counting


def real_clock_env(env: dict[str, str]) -> dict[str, str]:
    """The environment of a process started by a test (a scheduler, a CLI
    command), without libfaketime: the suite is run under `faketime` to prove
    it passes on any day, and libfaketime 0.9 hangs every timed wait
    (threading.Event.wait: APScheduler's triggers, and the rate limiter's
    expiry timer, which a process waits for at exit). The process acts at
    the ``--now`` it is given or on no date at all, so the clock it reads is moot."""
    faked = ("LD_PRELOAD", "FAKETIME")
    return {key: value for key, value in env.items() if not key.startswith(faked)}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpSink:
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""

    def __init__(self):
        import email
        import email.policy

        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: ANN001, N802
                if address in sink.refuse:
                    return sink.refuse[address]
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):  # noqa: ANN001, N802
                message = email.message_from_bytes(envelope.content, policy=email.policy.default)
                sink.messages.append(message)
                sink.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                return "250 Message accepted for delivery"

        self.messages: list = []
        self.envelopes: list = []
        # Address → the SMTP reply that refuses it ("550 5.1.1 No such user").
        self.refuse: dict[str, str] = {}
        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()

    def restart(self) -> None:
        """Start again on the same port (after a stop)."""
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.controller.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def by_recipient(self, address: str) -> list:
        return [m for m in self.messages if address in m["To"]]


@pytest.fixture
def smtp_server() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    with contextlib.suppress(AssertionError, RuntimeError):
        sink.stop()


@pytest.fixture
def mail_app(_schema: str, smtp_server: SmtpSink) -> Iterator[Flask]:
    """The app configured to deliver to the loopback SMTP server."""
    app = make_app(_schema, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_SUPPRESS_SEND=False)
    _empty_tables(app)
    app.test_client_class = Client
    with app.app_context():
        yield app
        db.session.remove()
    with app.app_context():
        db.engine.dispose()


@contextlib.contextmanager
def _served(app: Flask) -> Iterator[int]:
    """The app served over HTTP on loopback, in a thread: its port."""
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """The app served over HTTP on loopback, in a thread, on the test database."""
    with _served(app) as port:
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def localhost_server(app: Flask) -> Iterator[str]:
    """The app served as ``live_server`` does, but reached by the name
    ``localhost`` and with ``APP_BASE_URL`` saying so: WebAuthn needs a
    secure context and a domain as its relying party (never an IP address)."""
    with _served(app) as port:
        # The app fixture gives the configuration back as built after the test.
        app.config["APP_BASE_URL"] = f"http://localhost:{port}"
        yield app.config["APP_BASE_URL"]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (its own browser download fails here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-CA", timezone_id="America/Montreal")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def browser_login(page, base_url: str, email: str, password: str = PASSWORD) -> None:
    page.goto(base_url + "/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", password)
    page.click("button.primary")
    page.wait_for_url(lambda url: "/login" not in url)
