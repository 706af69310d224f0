"""Benchmark of the board, My tasks, the task page and a move.

Generates an organisation of 50 people with a plan of 2,000 tasks and one of
500 (the ASCQ template plus generated actions, with owners, collaborators,
comments, due dates and measured targets), then measures:

- server time (p50 / p95) of each page, in process with Flask's test client;
- the board's throughput under concurrent load: gunicorn with 2 workers on a
  free loopback port, hit by several client threads.

Usage:
    .venv/bin/python bench/board.py                 # SQLite (temporary file) and PostgreSQL
    .venv/bin/python bench/board.py --db sqlite     # one of them
    DATABASE_URL=postgresql://… .venv/bin/python bench/board.py   # that database only

The PostgreSQL run creates a database on postgresql://postgres@127.0.0.1:5432
and drops it at the end. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from databases import maintained, notices_read  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import bindparam, create_engine, func, insert, select, text  # noqa: E402

from tasking import create_app  # noqa: E402
from tasking.core.clock import utcnow  # noqa: E402
from tasking.extensions import db  # noqa: E402
from tasking.models import (  # noqa: E402
    Comment,
    Measurement,
    OperationalObjective,
    Target,
    Task,
    Theme,
    User,
)
from tasking.models.task import task_collaborators  # noqa: E402
from tasking.orgs import services as orgs  # noqa: E402
from tasking.plans.template import import_template  # noqa: E402

PASSWORD = "Banc-Essai-2026"
SECRET = "bench-secret-key"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
STATUSES = ["todo"] * 45 + ["in_progress"] * 25 + ["blocked"] * 10 + ["done"] * 20


@dataclass
class Row:
    database: str
    what: str
    n: int
    p50: float
    p95: float
    cpu: float = 0.0
    note: str = ""


# --------------------------------------------------------------------------- data


def generate(size: int, org, people: list[User], rng: random.Random, title: str) -> int:
    """A template plan grown to ``size`` tasks; returns the plan id."""
    now = utcnow()
    summary = import_template(db.session, org, now, title=title)
    db.session.commit()
    plan_id = summary.plan_id
    objectives = list(
        db.session.scalars(
            select(OperationalObjective.id)
            .join(Theme, Theme.id == OperationalObjective.theme_id)
            .where(Theme.plan_id == plan_id)
        )
    )
    words = ["soutien", "organismes", "citoyens", "sécurité", "communication", "équipe", "bénévoles", "aînés"]
    rows = []
    for index in range(size - summary.actions):
        rows.append(
            {
                "plan_id": plan_id,
                "objective_id": rng.choice(objectives),
                "title": f"Action {index + 1} : {' '.join(rng.sample(words, 4))}",
                "description": " ".join(rng.choices(words, k=25)),
                "status": "todo",
                "plan_position": 1000 + index,
                "board_position": 0.0,
                "version": 1,
                "blocked_reason": "",
                "created_at": now,
                "updated_at": now,
            }
        )
    db.session.execute(insert(Task), rows)
    today = now.date()
    members = [person.id for person in people]
    task_ids = list(db.session.scalars(select(Task.id).where(Task.plan_id == plan_id).order_by(Task.id)))
    positions: dict[str, float] = {}
    updates = []
    for task_id in task_ids:
        status = rng.choice(STATUSES)
        positions[status] = positions.get(status, 0.0) + 1.0
        updates.append(
            {
                "id": task_id,
                "status": status,
                "owner_id": rng.choice(members) if rng.random() > 0.05 else None,
                "due_date": today + timedelta(days=rng.randint(-30, 90)) if rng.random() > 0.15 else None,
                "horizon": rng.choice(["short_medium", "long", None]),
                "board_position": positions[status],
                "completed_at": now - timedelta(days=rng.randint(0, 30)) if status == "done" else None,
            }
        )
    db.session.execute(
        Task.__table__.update().where(Task.__table__.c.id == bindparam("id_")), _rename(updates)
    )
    db.session.execute(
        insert(task_collaborators),
        [
            {"task_id": task_id, "user_id": user_id}
            for task_id in task_ids
            for user_id in rng.sample(members, rng.choice([0, 1, 1, 2]))
        ],
    )
    db.session.execute(
        insert(Comment),
        [
            {
                "task_id": rng.choice(task_ids),
                "author_id": rng.choice(members),
                "body": "Suivi.",
                "created_at": now,
            }
            for _ in range(size)
        ],
    )
    for objective_id in objectives:
        target = Target(objective_id=objective_id, text="Atteindre 100 %", unit="%", target_value=100.0)
        db.session.add(target)
        db.session.flush()
        for weeks in range(3):
            db.session.add(
                Measurement(
                    target_id=target.id,
                    value=20.0 * (weeks + 1),
                    measured_on=today - timedelta(weeks=weeks),
                    created_at=now,
                )
            )
    db.session.commit()
    return plan_id


def _rename(updates: list[dict]) -> list[dict]:
    # The UPDATE's WHERE binds :id_ (a column named "id" cannot be both set and matched).
    return [{**{k: v for k, v in row.items() if k != "id"}, "id_": row["id"]} for row in updates]


def populate(app) -> dict:  # noqa: ANN001
    rng = random.Random(2026)
    with app.app_context():
        upgrade()
        now = utcnow()
        org = orgs.create_organisation(db.session, "banc-essai", "Ville du banc d’essai", now=now)
        people = [
            orgs.create_user(
                db.session,
                email=f"personne{i}@banc.qc.ca",
                name=f"Personne Numéro{i}",
                password=PASSWORD if i < 2 else None,
                org=org,
                role="admin" if i == 0 else "member",
                now=now,
            )
            for i in range(50)
        ]
        db.session.commit()
        started = time.perf_counter()
        plans = {
            2000: generate(2000, org, people, rng, "Plan de 2 000 actions"),
            500: generate(500, org, people, rng, "Plan de 500 actions"),
        }
        took = time.perf_counter() - started
        notices_read(db.session, now)
        maintained(db.session)
        owned = db.session.scalar(select(Task.id).where(Task.owner_id == people[1].id).limit(1))
        assert owned
        counts = {
            size: db.session.scalar(select(func.count(Task.id)).where(Task.plan_id == pid))
            for size, pid in plans.items()
        }
        return {
            "plans": plans,
            "counts": counts,
            "admin": people[0].email,
            "member": people[1].email,
            "took": took,
        }


# --------------------------------------------------------------------------- in process


def login(client, email: str) -> str:  # noqa: ANN001
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.status_code
    page = client.get("/plans").get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


def timed(call, n: int) -> tuple[list[float], float]:  # noqa: ANN001
    """Wall times (ms) of ``n`` calls, and the mean CPU time (ms) this
    process spent on each: on a machine shared with other work the wall time
    includes waiting for a core, the CPU time does not."""
    call()  # warm up (templates compiled, caches filled)
    times = []
    cpu_started = time.process_time()
    for _ in range(n):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    return times, (time.process_time() - cpu_started) * 1000 / n


def percentiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return statistics.median(times), cuts[18]


def in_process(app, data: dict, label: str, n: int) -> list[Row]:  # noqa: ANN001
    """Requests run outside any app context of ours, as in production: each
    gets its own (a shared one would share ``g`` and its caches)."""
    rows = []
    rng = random.Random(7)
    member = app.test_client()
    login(member, data["member"])
    admin = app.test_client()
    csrf = login(admin, data["admin"])
    for size, plan_id in sorted(data["plans"].items(), reverse=True):
        board = member.get(f"/plans/{plan_id}/board")
        kb = len(board.data) / 1024
        for what, url in (
            ("board", f"/plans/{plan_id}/board"),
            ("board, by theme", f"/plans/{plan_id}/board?view=themes"),
            ("board, filtered (mine + text)", f"/plans/{plan_id}/board?mine=1&q=equipe"),
        ):
            times, cpu = timed(lambda u=url: member.get(u), n)
            note = f"{kb:.0f} KB page" if what == "board" else ""
            rows.append(Row(label, f"{what}, {size} tasks", n, *percentiles(times), cpu, note))
        with app.app_context():
            task_ids = list(db.session.scalars(select(Task.id).where(Task.plan_id == plan_id)))
        times, cpu = timed(lambda ids=task_ids: member.get(f"/tasks/{rng.choice(ids)}"), n)
        rows.append(Row(label, f"task page, {size} tasks", n, *percentiles(times), cpu))
        with app.app_context():
            rows_of_plan = db.session.execute(
                select(Task.id, Task.version, Task.status).where(Task.plan_id == plan_id)
            ).all()
            db.session.commit()
        shown = {task_id: [version, status] for task_id, version, status in rows_of_plan}
        times, cpu = timed(lambda ids=task_ids, shown=shown: move(admin, csrf, ids, shown, rng), n)
        rows.append(
            Row(label, f"move (htmx), {size} tasks", n, *percentiles(times), cpu, "card + OOB counts")
        )
    mine = member.get("/me/tasks").get_data(as_text=True).count('class="my-item')
    times, cpu = timed(lambda: member.get("/me/tasks"), n * 2)
    rows.append(
        Row(label, "my tasks (2,500 tasks in the org)", n * 2, *percentiles(times), cpu, f"{mine} lines")
    )
    return rows


def move(client, csrf: str, task_ids: list[int], shown: dict, rng: random.Random):  # noqa: ANN001
    """A move to another column, on the version and status the answers gave
    (``shown``: task id → [version, status], read before the timed moves, so
    that the move alone is measured)."""
    task_id = rng.choice(task_ids)
    version, status = shown[task_id]
    target = rng.choice([s for s in ("todo", "in_progress", "blocked", "done") if s != status])
    response = client.post(
        f"/tasks/{task_id}/move",
        data={"status": target, "version": version, "blocked_reason": "Attente du budget"},
        headers={"HX-Request": "true", "X-CSRFToken": csrf},
    )
    found = re.search(r'data-version="(\d+)"', response.get_data(as_text=True))
    if found:
        shown[task_id] = [int(found.group(1)), target]
    return response


# --------------------------------------------------------------------------- gunicorn


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def workers_cpu_ms(master: int) -> float:
    """CPU time (user + system, ms) used so far by the master's worker processes."""
    total = 0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == master:
            total += int(fields[11]) + int(fields[12])
    return total * 1000 / tick


def throughput(url: str, data: dict, label: str, threads: int, seconds: float) -> list[Row]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "--no-control-socket",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        for _ in range(100):
            try:
                if requests.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        session = requests.Session()
        page = session.get(base + "/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        session.post(
            base + "/login", data={"email": data["member"], "password": PASSWORD, "csrf_token": token}
        )
        cookies = session.cookies.get_dict()
        for size, plan_id in sorted(data["plans"].items(), reverse=True):
            board = f"{base}/plans/{plan_id}/board"
            for _ in range(4):
                assert requests.get(board, cookies=cookies, timeout=30).status_code == 200
            done: list[float] = []
            errors = [0]
            lock = threading.Lock()
            deadline = time.perf_counter() + seconds

            def worker(
                board: str = board,
                deadline: float = deadline,
                done: list[float] = done,
                errors: list[int] = errors,
                lock: threading.Lock = lock,
            ) -> None:
                with requests.Session() as http:
                    http.cookies.update(cookies)
                    while time.perf_counter() < deadline:
                        started = time.perf_counter()
                        response = http.get(board, timeout=30)
                        with lock:
                            if response.status_code == 200:
                                done.append((time.perf_counter() - started) * 1000)
                            else:
                                errors[0] += 1

            started = time.perf_counter()
            cpu_before = workers_cpu_ms(server.pid)
            pool = [threading.Thread(target=worker) for _ in range(threads)]
            for thread in pool:
                thread.start()
            for thread in pool:
                thread.join()
            elapsed = time.perf_counter() - started
            cpu = (workers_cpu_ms(server.pid) - cpu_before) / max(len(done), 1)
            rows.append(
                Row(
                    label,
                    f"board under load, {size} tasks",
                    len(done),
                    *percentiles(done),
                    cpu,
                    f"**{len(done) / elapsed:.1f} boards/s** measured (gunicorn 2 workers, "
                    f"{threads} clients, {seconds:.0f} s, {errors[0]} errors); "
                    f"2 idle cores ≈ {2000 / cpu:.0f} boards/s",
                )
            )
    finally:
        server.terminate()
        server.wait(timeout=30)
    return rows


# --------------------------------------------------------------------------- main


def run(url: str, label: str, n: int, threads: int, seconds: float) -> list[Row]:
    print(f"== {label}: generating…", file=sys.stderr)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "MAIL_SERVER": None})
    data = populate(app)
    print(f"   plans {data['counts']} generated in {data['took']:.1f} s; measuring…", file=sys.stderr)
    rows = in_process(app, data, label, n)
    with app.app_context():
        db.engine.dispose()
    rows += throughput(url, data, label, threads, seconds)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("-n", type=int, default=60, help="iterations per measure")
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients for the load test")
    parser.add_argument("--seconds", type=float, default=15, help="duration of each load test")
    args = parser.parse_args()

    rows: list[Row] = []
    given = os.environ.get("DATABASE_URL", "").strip()
    if given:
        rows += run(given, given.split(":", 1)[0], args.n, args.threads, args.seconds)
    else:
        if args.db in ("sqlite", "both"):
            with tempfile.TemporaryDirectory() as tmp:
                rows += run(f"sqlite:///{tmp}/bench.db", "SQLite", args.n, args.threads, args.seconds)
        if args.db in ("postgresql", "both"):
            name = f"retablir_bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                rows += run(
                    PG_ADMIN.rsplit("/", 1)[0] + "/" + name, "PostgreSQL", args.n, args.threads, args.seconds
                )
            finally:
                with admin.connect() as conn:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()

    load = os.getloadavg()
    print(
        f"Machine: {os.cpu_count()} cores, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end."
    )
    print(
        "Wall times include waiting for a core; CPU = mean CPU time per request of the serving process(es).\n"
    )
    print("| database | measure | n | p50 ms | p95 ms | CPU ms | note |")
    print("|---|---|---:|---:|---:|---:|---|")
    for row in rows:
        print(
            f"| {row.database} | {row.what} | {row.n} | {row.p50:.1f} | {row.p95:.1f} "
            f"| {row.cpu:.1f} | {row.note} |"
        )


if __name__ == "__main__":
    main()
