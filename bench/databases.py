"""The databases a benchmark runs on: a temporary SQLite file, and a
PostgreSQL database created for the run and dropped after it."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import Callable

from sqlalchemy import create_engine, text

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def on_databases(choice: str, run: Callable[[str, str], list]) -> list:
    """``run(url, label)`` on SQLite and/or PostgreSQL (``choice``: sqlite,
    postgresql or both); the rows of every run, in that order."""
    rows: list = []
    if choice in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            rows += run(f"sqlite:///{tmp}/bench.db", "SQLite")
    if choice in ("postgresql", "both"):
        name = f"retablir_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            rows += run(PG_ADMIN.rsplit("/", 1)[0] + "/" + name, "PostgreSQL")
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    return rows
