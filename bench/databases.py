"""The databases a benchmark runs on: a temporary SQLite file, and a
PostgreSQL database created for the run and dropped after it."""

from __future__ import annotations

import os
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager

from sqlalchemy import create_engine, insert, literal, make_url, select, text
from sqlalchemy.pool import NullPool

#: The server's maintenance database, as the tests' (TEST_PG_ADMIN_URL):
#: over TCP on 127.0.0.1 unless it says otherwise (a Unix socket:
#: ``postgresql+psycopg://postgres@/postgres?host=/var/run/postgresql``).
PG_ADMIN = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

#: Calls of each page before a benchmark measures it: templates compiled,
#: caches filled, and PostgreSQL past the five runs for which it plans a
#: prepared statement anew on the connection serving it (the task page's
#: header statement takes 1.2 ms to plan; its first calls on a connection
#: took 7-8 ms instead of 4.4).
WARM_UP = 10


def on_databases(choice: str, run: Callable[[str, str], list]) -> list:
    """``run(url, label)`` on SQLite and/or PostgreSQL (``choice``: sqlite,
    postgresql or both); the rows of every run, in that order."""
    rows: list = []
    with databases(choice) as found:
        for url, label in found:
            rows += run(url, label)
    return rows


@contextmanager
def databases(choice: str) -> Iterator[list[tuple[str, str]]]:
    """(url, label) of SQLite and/or PostgreSQL (``choice``: sqlite,
    postgresql or both), all there at once: for benchmarks that alternate
    between them. Made empty for the run, removed after it."""
    found: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as tmp, ExitStack() as cleanup:
        if choice in ("sqlite", "both"):
            found.append((f"sqlite:///{tmp}/bench.db", "SQLite"))
        if choice in ("postgresql", "both"):
            name = f"retablir_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            cleanup.callback(admin.dispose)
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))

            def drop(name: str = name) -> None:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))

            cleanup.callback(drop)
            url = make_url(PG_ADMIN).set(database=name).render_as_string(hide_password=False)
            found.append((url, "PostgreSQL"))
        yield found


def notices_read(session, now) -> None:  # noqa: ANN001
    """Everyone has read their organisations' privacy notice (the default,
    version 0), as people past their first sign-in have: otherwise every page
    a benchmark asks for would answer with the notice."""
    from tasking.models import Membership, PrivacyAcknowledgement

    read = select(Membership.user_id, Membership.organisation_id, literal(0), literal(now))
    columns = ["user_id", "organisation_id", "version", "acknowledged_at"]
    session.execute(insert(PrivacyAcknowledgement).from_select(columns, read))


def maintained(session) -> None:  # noqa: ANN001
    """The database as routine maintenance leaves it after a bulk load: fresh
    statistics (ANALYZE), and on PostgreSQL the tables vacuumed too, as
    autovacuum would within a minute or two — which marks their pages
    all-visible, so that an index holding every column a statement reads
    (the board's column counts) is read without visiting the rows.

    The VACUUM runs on a connection of its own, outside the app's pool: one
    that comes back from autocommit has its isolation level set explicitly
    (SQLAlchemy's reset), which the app takes for a connection that is not
    its own kind (``core/connections.py``, ``_plain``) and checks with a
    round trip at every checkout, then reads in a transaction, three round
    trips more a request."""
    session.commit()
    engine = session.get_bind()
    if engine.dialect.name == "postgresql":
        maintenance = create_engine(engine.url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
        with maintenance.connect() as autocommit:
            autocommit.execute(text("VACUUM ANALYZE"))
    else:
        session.execute(text("ANALYZE"))
        session.commit()
