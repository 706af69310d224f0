"""Benchmark of the board, My tasks, the task page and a move.

Generates an organisation of 50 people with a plan of 2,000 tasks and one of
500 (the ASCQ template plus generated actions, with owners, collaborators,
comments, due dates and measured targets), then measures:

- server time (p50 / p95) of each page, in process with Flask's test client,
  the databases taking turns request by request (this machine's speed drifts
  by a third within minutes: measured one after the other, their ratio
  measured the drift), each page warmed up first;
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
import functools
import itertools
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from databases import WARM_UP, databases, maintained, notices_read  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import bindparam, func, insert, select  # noqa: E402

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
MY_ITEM = 'class="my-item'
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


def timed(calls: dict[str, Callable[[], Any]], n: int) -> dict[str, tuple[list[float], float]]:
    """Database label → wall times (ms) of ``n`` calls of its page, and the
    mean CPU time (ms) this process spent on each: on a machine shared with
    other work the wall time includes waiting for a core, the CPU time does
    not. The databases take turns, in alternating order."""
    for call in calls.values():
        for _ in range(WARM_UP):
            call()
    times: dict[str, list[float]] = {label: [] for label in calls}
    cpu = dict.fromkeys(calls, 0.0)
    order = list(calls)
    for turn in range(n):
        for label in order if turn % 2 else reversed(order):
            cpu_started = time.process_time()
            started = time.perf_counter()
            response = calls[label]()
            times[label].append((time.perf_counter() - started) * 1000)
            cpu[label] += time.process_time() - cpu_started
            assert response.status_code == 200, response.status_code
    return {label: (times[label], cpu[label] * 1000 / n) for label in calls}


def percentiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return statistics.median(times), cuts[18]


@dataclass
class Side:
    """One database's app, data and signed-in test clients."""

    label: str
    url: str
    app: Any
    data: dict
    member: Any = None
    admin: Any = None
    csrf: str = ""

    def sign_in(self) -> None:
        self.member, self.admin = self.app.test_client(), self.app.test_client()
        login(self.member, self.data["member"])
        self.csrf = login(self.admin, self.data["admin"])

    def tasks(self, plan_id: int) -> dict[int, list]:
        """Task id → [version, status], committed before the timed moves; in
        the ids' order, so that both databases are asked for the same tasks."""
        with self.app.app_context():
            rows = db.session.execute(
                select(Task.id, Task.version, Task.status).where(Task.plan_id == plan_id).order_by(Task.id)
            ).all()
            db.session.commit()
        return {task_id: [version, status] for task_id, version, status in rows}


def asking(client, urls: list[str]) -> Callable[[], Any]:  # noqa: ANN001
    """A call asking ``client`` for the next of ``urls`` (from the first again after the last)."""
    pages = itertools.cycle(urls)
    return lambda: client.get(next(pages))


def in_process(sides: list[Side], n: int) -> list[Row]:
    """Requests run outside any app context of ours, as in production: each
    gets its own (a shared one would share ``g`` and its caches)."""
    rows = []

    def measure(what: str, calls: dict[str, Callable[[], Any]], count: int, notes: dict[str, str]) -> None:
        for label, (times, cpu) in timed(calls, count).items():
            rows.append(Row(label, what, count, *percentiles(times), cpu, notes.get(label, "")))

    for side in sides:
        side.sign_in()
    for size in sorted(sides[0].data["plans"], reverse=True):
        plan = {side.label: side.data["plans"][size] for side in sides}
        kb = {
            side.label: f"{len(side.member.get(f'/plans/{plan[side.label]}/board').data) / 1024:.0f} KB page"
            for side in sides
        }
        for what, query in (
            ("board", ""),
            ("board, by theme", "?view=themes"),
            ("board, filtered (mine + text)", "?mine=1&q=equipe"),
        ):
            calls = {
                side.label: asking(side.member, [f"/plans/{plan[side.label]}/board{query}"]) for side in sides
            }
            measure(f"{what}, {size} tasks", calls, n, kb if what == "board" else {})
        shown = {side.label: side.tasks(plan[side.label]) for side in sides}
        calls = {
            side.label: asking(
                side.member,
                [f"/tasks/{task_id}" for task_id in random.Random(7).choices(list(shown[side.label]), k=n)],
            )
            for side in sides
        }
        measure(f"task page, {size} tasks", calls, n, {})
        calls = {
            side.label: functools.partial(
                move, side.admin, side.csrf, list(shown[side.label]), shown[side.label], random.Random(7)
            )
            for side in sides
        }
        measure(f"move (htmx), {size} tasks", calls, n, dict.fromkeys(plan, "card + OOB counts"))
    lines = {
        side.label: f"{side.member.get('/me/tasks').get_data(as_text=True).count(MY_ITEM)} lines"
        for side in sides
    }
    calls = {side.label: asking(side.member, ["/me/tasks"]) for side in sides}
    measure("my tasks (2,500 tasks in the org)", calls, n * 2, lines)
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


def prepare(url: str, label: str) -> Side:
    print(f"== {label}: generating…", file=sys.stderr)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "MAIL_SERVER": None})
    data = populate(app)
    print(f"   plans {data['counts']} generated in {data['took']:.1f} s", file=sys.stderr)
    return Side(label, url, app, data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("-n", type=int, default=60, help="iterations per measure")
    parser.add_argument("--threads", type=int, default=8, help="concurrent clients for the load test")
    parser.add_argument("--seconds", type=float, default=15, help="duration of each load test")
    args = parser.parse_args()

    given = os.environ.get("DATABASE_URL", "").strip()
    with ExitStack() as stack:
        found = [(given, given.split(":", 1)[0])] if given else stack.enter_context(databases(args.db))
        sides = [prepare(url, label) for url, label in found]
        print("== measuring…", file=sys.stderr)
        rows = in_process(sides, args.n)
        for side in sides:
            with side.app.app_context():
                db.engine.dispose()
        for side in sides:
            rows += throughput(side.url, side.data, side.label, args.threads, args.seconds)

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
    labels = [side.label for side in sides]
    for row in sorted(rows, key=lambda row: labels.index(row.database)):
        print(
            f"| {row.database} | {row.what} | {row.n} | {row.p50:.1f} | {row.p95:.1f} "
            f"| {row.cpu:.1f} | {row.note} |"
        )
    medians = {(row.database, row.what): row.p50 for row in rows}
    if labels == ["SQLite", "PostgreSQL"]:
        ratios = [
            f"{what} {medians['PostgreSQL', what] / medians['SQLite', what]:.2f}×"
            for database, what in medians
            if database == "SQLite" and "under load" not in what
        ]
        print("\nPostgreSQL ÷ SQLite (medians, in process, taken in turns): " + ", ".join(ratios))


if __name__ == "__main__":
    main()
