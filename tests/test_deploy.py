"""deploy/: the systemd units, the environment file and the nginx site are
read as an operator's machine would, and the commands they name are run
against the test database, so a renamed command or option breaks here."""

import configparser
import contextlib
import gc
import http.client
import os
import re
import runpy
import shlex
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

from sqlalchemy import create_engine, select, text

from tasking.models import SchedulerLease
from tasking.ops.check import schema_heads
from tests.conftest import free_port, real_clock_env

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
INSTALLED = "/opt/retablir"


def unit(name: str) -> configparser.ConfigParser:
    # systemd allows repeated keys; no interpolation ($MAINPID, %i stay as written).
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string((DEPLOY / name).read_text())
    return parser


def local_command(exec_start: str) -> list[str]:
    """The unit's command, with the installed tree replaced by this checkout."""
    argv = shlex.split(exec_start)
    assert argv[0].startswith(INSTALLED + "/.venv/bin/"), argv[0]
    return [str(ROOT / ".venv" / "bin" / Path(argv[0]).name), *argv[1:]]


def environment(database_url: str, **extra: str) -> dict:
    return {**real_clock_env(dict(os.environ)), "DATABASE_URL": database_url, "SECRET_KEY": "k" * 64, **extra}


def test_units_have_what_systemd_needs():
    for name in ("retablir-web.service", "retablir-scheduler.service"):
        parsed = unit(name)
        assert parsed["Unit"]["Description"]
        service = parsed["Service"]
        for key in ("ExecStart", "User", "WorkingDirectory", "EnvironmentFile", "Restart"):
            assert service.get(key), (name, key)
        assert service["WorkingDirectory"] == INSTALLED
        assert service["EnvironmentFile"] == "/etc/retablir/retablir.env"
        assert parsed["Install"]["WantedBy"] == "multi-user.target"


def test_web_unit_starts_gunicorn_with_multiprocess_metrics(_schema, tmp_path):
    service = unit("retablir-web.service")["Service"]
    argv = local_command(service["ExecStart"])
    assert Path(argv[0]).name == "gunicorn" and argv[-1] == "wsgi:app"
    # The metrics folder is the one systemd creates (and empties) at each start.
    runtime = service["RuntimeDirectory"]
    assert service["Environment"] == f"PROMETHEUS_MULTIPROC_DIR=/run/{runtime}"
    result = subprocess.run(
        [*argv, "--check-config"],
        cwd=ROOT, env=environment(_schema, PROMETHEUS_MULTIPROC_DIR=str(tmp_path)),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr


def test_gunicorn_workers_compile_every_template_before_serving(app):
    # gunicorn reads gunicorn.conf.py from the directory the unit and scripts/run start it in.
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    environment = app.jinja_env
    environment.cache.clear()
    try:
        settings["post_worker_init"](SimpleNamespace(wsgi=app))
    finally:
        gc.unfreeze()
    compiled = {name for _loader, name in environment.cache}
    assert len(compiled) > 150
    assert compiled == set(environment.list_templates())


def _sockets(pid: int) -> set[str]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    return inodes


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):  # a process that ended meanwhile
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def _tcp_on(port: int) -> dict[str, str]:
    """Inode → state (« 0A » listening, « 01 » established) of the local
    IPv4 TCP sockets on ``port``."""
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port:
            found[fields[9]] = fields[3]
    return found


def test_gunicorn_workers_listen_each_on_a_socket_of_their_own(_schema):
    """The web unit's gunicorn: the kernel spreads new connections over its
    workers (gunicorn.conf.py, reuse_port). On one shared socket, the worker
    that woke first took them: 8 keep-alive clients all on one of two
    workers halved the throughput (bench/README.md)."""
    argv = local_command(unit("retablir-web.service")["Service"]["ExecStart"])
    port = free_port()
    argv[argv.index("--bind") + 1] = f"127.0.0.1:{port}"
    workers = int(argv[argv.index("--workers") + 1])
    process = subprocess.Popen(argv, cwd=ROOT, env=environment(_schema), stderr=subprocess.DEVNULL)
    clients: list[http.client.HTTPConnection] = []
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                probe = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                probe.request("GET", "/readyz", headers={"Connection": "close"})
                if probe.getresponse().status == 200:
                    break
            time.sleep(0.2)
        assert process.poll() is None, "gunicorn did not start"
        for _ in range(64):
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            client.request("GET", "/readyz")
            assert client.getresponse().read()
            clients.append(client)
        children = _children(process.pid)
        sockets = _tcp_on(port)
        listening = [s for s, state in sockets.items() if state == "0A"]
        held = [[s for s in _sockets(pid) if sockets.get(s) == "01"] for pid in children]
    finally:
        for client in clients:
            client.close()
        process.terminate()
        process.wait(timeout=30)
    assert workers > 1 and len(children) == workers
    assert len(listening) == workers
    # 64 connections, each worker's share drawn at random: none is left out.
    assert sum(map(len, held)) == 64 and all(held)


def test_scheduler_unit_runs_the_scheduler(_schema, app):
    argv = local_command(unit("retablir-scheduler.service")["Service"]["ExecStart"])
    assert argv[1:] == ["--app", "wsgi", "scheduler", "run"]
    process = subprocess.Popen(
        [*argv, "--lease-seconds", "3"], cwd=ROOT, env=environment(_schema),
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    engine = create_engine(_schema)
    try:
        deadline, beat = time.monotonic() + 60, None
        while beat is None and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.5)
            with engine.connect() as conn:
                beat = conn.scalar(select(SchedulerLease.renewed_at))
        assert beat is not None, "the scheduler never renewed its lease"
    finally:
        process.send_signal(signal.SIGTERM)
        stderr = process.communicate(timeout=60)[1]
        engine.dispose()
    assert process.returncode == 0, stderr


def env_example() -> dict:
    pairs = {}
    for line in (DEPLOY / "retablir.env.example").read_text().splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def test_env_example_is_documented_and_refused_as_is(_schema):
    example = env_example()
    guide = (ROOT / "docs" / "deploy.md").read_text()
    readme = (ROOT / "README.md").read_text()
    for name in example:
        assert f"`{name}`" in guide, name
        if name != "PGCONNECT_TIMEOUT":
            assert f"`{name}`" in readme, name
    # Copied unchanged it must not pass the check: the placeholder secret is refused.
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "check"],
        cwd=ROOT, env={**real_clock_env(dict(os.environ)), **example, "DATABASE_URL": _schema},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1
    assert "SECRET_KEY" in result.stderr


def test_nginx_site_matches_the_units():
    site = (DEPLOY / "nginx-retablir.conf").read_text()
    bind = re.search(r"--bind (\S+)", unit("retablir-web.service")["Service"]["ExecStart"]).group(1)
    assert f"server {bind};" in site
    assert f"alias {INSTALLED}/static/;" in site
    assert "X-Forwarded-Proto $scheme" in site and "X-Request-ID $request_id" in site
    assert (ROOT / "static").is_dir()


def test_documented_backup_and_restore(_schema, app, tmp_path):
    """The guide's commands for the database the suite runs on."""
    guide = (ROOT / "docs" / "deploy.md").read_text()
    dump = tmp_path / "retablir.dump"
    if _schema.startswith("postgresql"):
        assert "pg_dump --format=custom --file=" in guide and "pg_restore --no-owner --dbname=" in guide
        source = _schema.replace("postgresql+psycopg://", "postgresql://")
        subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", source], check=True, timeout=120)
        target = source.rsplit("/", 1)[0] + f"/retablir_restore_{uuid.uuid4().hex[:8]}"
        admin = create_engine(_schema.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        name = target.rsplit("/", 1)[1]
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            subprocess.run(
                ["pg_restore", "--no-owner", f"--dbname={target}", str(dump)], check=True, timeout=120
            )
            restored_url = target
            check_restored(restored_url)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        assert "flask --app wsgi db backup" in guide
        result = subprocess.run(
            [sys.executable, "-m", "flask", "--app", "wsgi", "db", "backup", str(dump)],
            cwd=ROOT, env=environment(_schema), capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        check_restored(f"sqlite:///{dump}")


def check_restored(url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT, env=environment(url), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        assert {conn.scalar(text("SELECT version_num FROM alembic_version"))} == schema_heads()
    engine.dispose()
