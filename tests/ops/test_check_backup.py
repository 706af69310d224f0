"""`check` on good and broken configurations, and `db backup` (SQLite's
online backup) while another connection writes; the documented restore."""

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alembic.runtime.migration import MigrationContext
from flask_babel import get_domain
from flask_migrate import upgrade

from tasking.extensions import db
from tasking.ops.check import schema_heads
from tests.conftest import make_app, real_clock_env

ROOT = Path(__file__).resolve().parent.parent.parent
GOOD = {
    "SECRET_KEY": "9f2c4e" * 11,
    "MAIL_SERVER": "relais.ville-a.qc.ca",
    "MAIL_PORT": 587,
    "MAIL_USE_TLS": True,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": "retablir",
    "MAIL_PASSWORD": "mot-de-passe",
    "MAIL_DEFAULT_SENDER": "Rétablir <retablir@ville-a.qc.ca>",
    "APP_BASE_URL": "https://retablir.ville-a.qc.ca",
}


def check(app, **config):
    app.config.update(config)
    return app.test_cli_runner().invoke(args=["check"])


def test_good_configuration_passes(app):
    result = check(app, **GOOD)
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1


def test_broken_configuration_one_line_per_problem(app):
    result = check(
        app,
        **{
            **GOOD,
            "SECRET_KEY": "court",
            "MAIL_USE_SSL": True,
            "MAIL_PORT": 70000,
            "MAIL_PASSWORD": None,
            "APP_BASE_URL": "http://retablir.ville-a.qc.ca",
        },
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 5, lines
    for word in ("SECRET_KEY", "MAIL_PORT", "MAIL_USE_SSL", "MAIL_PASSWORD", "APP_BASE_URL"):
        assert sum(word in line for line in lines) >= 1, word


@pytest.mark.parametrize(
    ("config", "word"),
    [
        ({"SECRET_KEY": "test-secret-key"}, "SECRET_KEY"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"MAIL_SERVER": None}, "MAIL_SERVER"),
        ({"MAIL_USE_SSL": True}, "MAIL_USE_TLS"),
        ({"MAIL_DEFAULT_SENDER": "Rétablir <no-reply@localhost>"}, "MAIL_DEFAULT_SENDER"),
        ({"APP_BASE_URL": "retablir.ville-a.qc.ca"}, "APP_BASE_URL"),
        ({"APP_BASE_URL": "http://127.0.0.1:5000"}, "APP_BASE_URL"),
    ],
)
def test_each_problem_is_said(app, config, word):
    result = check(app, **{**GOOD, **config})
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and word in lines[0], lines


def test_database_unreachable_or_behind(tmp_path):
    down = make_app("postgresql+psycopg://postgres@127.0.0.1:1/retablir", **GOOD)
    with down.app_context():
        result = down.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert "127.0.0.1:1" in result.output and "Connection refused" in result.output

    behind = make_app(f"sqlite:///{tmp_path / 'old.db'}", **GOOD)
    with behind.app_context():
        assert "db upgrade" in behind.test_cli_runner().invoke(args=["check"]).output
        upgrade(revision="0009_activity_task_version")
        result = behind.test_cli_runner().invoke(args=["check"])
        assert result.exit_code == 1
        assert "0009_activity_task_version" in result.output and "db upgrade" in result.output
        db.engine.dispose()


def test_catalogues_stale_or_untranslated_are_said(_schema, tmp_path):
    directory = tmp_path / "translations"
    shutil.copytree(ROOT / "translations", directory, ignore=shutil.ignore_patterns("*.mo", "*.pot"))
    app = make_app(_schema, BABEL_TRANSLATION_DIRECTORIES=str(directory), **GOOD)
    po = directory / "fr/LC_MESSAGES/messages.po"
    with app.app_context():
        assert app.test_cli_runner().invoke(args=["check"]).exit_code == 0
        older = po.stat().st_mtime - 60
        os.utime(po.with_suffix(".mo"), (older, older))
        result = app.test_cli_runner().invoke(args=["check"])
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"Le catalogue {po.with_suffix('.mo')} est absent ou plus ancien "
        "que son .po : redémarrez l’application."
    )

    # A catalogue whose translations were lost compiles, but speaks English.
    po.write_text(re.sub(r'(?m)^msgstr ".+"$', 'msgstr ""', po.read_text()))
    english = make_app(_schema, BABEL_TRANSLATION_DIRECTORIES=str(directory), **GOOD)
    with english.app_context():
        # Flask-Babel keeps loaded catalogues per process, not per app: this
        # app's own are read, and forgotten afterwards for the other tests.
        get_domain().cache.clear()
        try:
            result = english.test_cli_runner().invoke(args=["check"])
        finally:
            get_domain().cache.clear()
    assert result.exit_code == 1 and "translates nothing" in result.output


def flask(url: str, *args: str) -> subprocess.CompletedProcess:
    env = {**real_clock_env(dict(os.environ)), "DATABASE_URL": url, "SECRET_KEY": "k" * 64}
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def at_head(path: Path) -> bool:
    with sqlite3.connect(path) as conn:
        revision = conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    return {revision} == schema_heads()


def test_backup_while_another_connection_writes(tmp_path):
    live = tmp_path / "live.db"
    assert flask(f"sqlite:///{live}", "db", "upgrade").returncode == 0
    with sqlite3.connect(live) as conn:
        conn.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)")
    stop = threading.Event()

    def write():
        conn = sqlite3.connect(live, timeout=30)
        conn.execute("PRAGMA journal_mode=WAL")
        number = 0
        while not stop.is_set():
            number += 1
            with conn:
                conn.execute("INSERT INTO probe (n) VALUES (?)", (number,))
        conn.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        result = flask(f"sqlite:///{live}", "db", "backup", str(tmp_path / "copy.db"))
    finally:
        stop.set()
        writer.join()
    assert result.returncode == 0, result.stderr
    assert "copy.db" in result.stdout
    with sqlite3.connect(tmp_path / "copy.db") as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows, highest = copy.execute("SELECT count(*), max(n) FROM probe").fetchone()
    # A snapshot: every row up to some instant, none missing in between.
    assert rows == highest
    with sqlite3.connect(live) as conn:
        assert conn.execute("SELECT count(*) FROM probe").fetchone()[0] >= rows
    assert at_head(tmp_path / "copy.db")
    assert not (tmp_path / "copy.db.partial").exists()

    # The documented restore: copy the file back in place, then db upgrade.
    restored = tmp_path / "restored.db"
    shutil.copy(tmp_path / "copy.db", restored)
    assert flask(f"sqlite:///{restored}", "db", "upgrade").returncode == 0
    app = make_app(f"sqlite:///{restored}")
    with app.app_context(), db.engine.connect() as connection:
        assert set(MigrationContext.configure(connection).get_current_heads()) == schema_heads()
        assert connection.exec_driver_sql("SELECT count(*) FROM probe").scalar() == rows
    with app.app_context():
        db.engine.dispose()


def test_backup_refuses_to_overwrite_unless_forced(tmp_path):
    live = tmp_path / "live.db"
    assert flask(f"sqlite:///{live}", "db", "upgrade").returncode == 0
    target = tmp_path / "copy.db"
    target.write_text("précieux")
    refused = flask(f"sqlite:///{live}", "db", "backup", str(target))
    assert refused.returncode == 1
    assert refused.stderr.count("\n") == 1 and "--force" in refused.stderr
    assert target.read_text() == "précieux"
    forced = flask(f"sqlite:///{live}", "db", "backup", str(target), "--force")
    assert forced.returncode == 0, forced.stderr
    assert at_head(target)


def test_backup_refuses_postgresql(tmp_path):
    result = flask("postgresql://postgres@127.0.0.1:5432/retablir", "db", "backup", str(tmp_path / "x"))
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "pg_dump" in result.stderr
    assert not (tmp_path / "x").exists()
