"""`flask --app wsgi db backup FILE`: an online copy of the SQLite database.

SQLite's backup API copies page by page and restarts when another
connection writes in between, so the copy is a consistent snapshot taken
while the app keeps running. PostgreSQL has pg_dump for that (docs/deploy.md).
"""

from __future__ import annotations

import os
import sqlite3
import sys
from pathlib import Path

import click
from flask_babel import gettext as _

from tasking.core.cli import Command
from tasking.extensions import db


def fail(message: str) -> None:
    click.echo(_("Error: %(message)s", message=message), err=True)
    sys.exit(1)


def backup_sqlite(source: Path, target: Path) -> int:
    """Copy ``source`` into ``target`` (replaced at the end, never half
    written); the number of pages copied."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    reader = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    writer = sqlite3.connect(partial)
    try:
        reader.backup(writer)
        pages = writer.execute("PRAGMA page_count").fetchone()[0]
        # A copy one cannot open is no backup: say so now, not on the day of the restore.
        if writer.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("the copy fails its integrity check")
    finally:
        writer.close()
        reader.close()
    os.replace(partial, target)
    return pages


@click.command("backup", cls=Command)
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace FILE when it exists.")
def backup_command(file: Path, force: bool) -> None:
    """(SQLite) Copy the database to FILE while the app runs."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        fail(
            _(
                "db backup copies SQLite databases; this one is %(backend)s: use pg_dump "
                "(see docs/deploy.md).",
                backend=url.get_backend_name(),
            )
        )
    if not url.database or url.database == ":memory:":
        fail(_("This SQLite database lives in memory: there is no file to copy."))
    source = Path(url.database)
    if file.exists() and not force:
        fail(_("%(file)s already exists: choose another name or add --force.", file=file))
    if not file.parent.is_dir():
        fail(_("The folder %(folder)s does not exist.", folder=file.parent))
    if file.resolve() == source.resolve():
        fail(_("%(file)s is the database itself.", file=file))
    try:
        pages = backup_sqlite(source, file)
    except sqlite3.Error as exc:
        fail(_("The copy failed: %(reason)s", reason=exc))
    click.echo(_("Backup written: %(file)s (%(pages)s pages).", file=file, pages=pages))


def register(app) -> None:  # noqa: ANN001
    """Add `backup` to Flask-Migrate's `db` group, beside `db upgrade`."""
    from flask_migrate.cli import db as db_group

    db_group.add_command(backup_command)
