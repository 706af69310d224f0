"""Side by side: Rétablir on SQLite and PostgreSQL in one run, beside the
Kanboard 1.2.53 figures of issue 15 (Kanboard is not part of the repository).

The data has the issue's shape: one plan of 2,000 tasks (500 per status), 20
members owning 100 each, collaborators, comments and a measured target per
objective; the task measured on the task page has 20 comments, 50 history
lines and an objective of 8 measurable targets. The board is read by the
organisation's coordinator (an admin: every card carries its move form).

For each database, against gunicorn with 2 workers × 4 threads on a free
loopback port (one server per database, both running through the run):

- sequential requests over one keep-alive connection, the databases taking
  turns request by request, so that a change in the machine's speed during
  the run (this one's varies by a third from minute to minute) weighs on
  both alike: median and p95, bytes, and the CPU the gunicorn workers (and
  PostgreSQL's backends) used per request and per card, and this process's
  own CPU per call (the client's share of the wall times);
- « board, every card »: the first screen, then every « more » page of every
  column, one after the other, as a person scrolling down each column would
  trigger them (the figure is the sum: a browser fetching columns in parallel
  would be quicker);
- throughput with 8 concurrent clients (aiohttp, one asyncio loop), each
  page on one database then the other;
- SQL statements per page, counted in process with Flask's test client.

    .venv/bin/python bench/versus.py                 # both databases
    .venv/bin/python bench/versus.py --db sqlite -n 30 --seconds 10
    .venv/bin/python bench/versus.py --quick          # a few requests, to see it run

It asserts nothing; tests/board/test_query_counts.py asserts the counts.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
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
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import aiohttp
import requests

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from databases import WARM_UP, databases, maintained, notices_read  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import bindparam, event, insert, select  # noqa: E402

from tasking import create_app  # noqa: E402
from tasking.core.clock import utcnow  # noqa: E402
from tasking.extensions import db  # noqa: E402
from tasking.models import Activity, Comment, Measurement, OperationalObjective, Target, Task, Theme  # noqa: E402
from tasking.models.task import task_collaborators  # noqa: E402
from tasking.orgs import services as orgs  # noqa: E402
from tasking.plans.template import import_template  # noqa: E402

PASSWORD = "Versus-Kanboard-2026"
SECRET = "bench-versus"
SIZE = 2000
STATUSES = ("todo", "in_progress", "blocked", "done")
MEMBERS = 20
CLIENTS = 8
HTMX = {"HX-Request": "true"}
MORE = re.compile(r'<li class="more" hx-get="([^"]+)"')
CARD = 'class="task-card'

# Issue 15: Kanboard 1.2.53 (PHP 8.2, nginx, php-fpm, opcache) on the same
# 2-core machine and data shape; medians of 30 sequential requests,
# throughput with 8 concurrent clients.
KANBOARD = {
    "board, first screen": "266–399 ms, 14.3 MB, 2.3–4.5/s",
    "board, every card": "the same page (266–399 ms)",
    "task page": "4.8–5.0 ms, 290–317/s",
    "my tasks": "9.7–18.6 ms, 123–130/s",
    "move a card": "264 ms (the whole board); 69–71 % fail under 8 clients",
}
# What issue 15 asks of Rétablir.
AIMS = {
    "board, first screen": "p95 < 25 ms",
    "board, every card": "< 266 ms; a card < 0.1 ms CPU",
    "task page": "p95 ≤ 5 ms (SQLite), ≤ 8 ms (PostgreSQL); ≤ 8 queries",
    "my tasks": "≥ 260/s",
    "move a card": "",
}


@dataclass
class Measure:
    database: str
    page: str
    p50: float = 0.0
    p95: float = 0.0
    rate: float = 0.0
    load_p95: float = 0.0
    errors: int = 0
    queries: str = ""
    cpu: float = 0.0  # ms of the gunicorn workers per request
    db_cpu: float = 0.0  # ms of PostgreSQL's processes per request
    client_cpu: float = 0.0  # ms of this process (requests) per sequential call, inside its wall time
    cards: int = 0
    requests: int = 1
    bytes: int = 0
    spread: str = ""  # the load's connections held by each worker, mid-run
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- data


def populate(app) -> dict:  # noqa: ANN001
    """The issue's shape of data; returns the ids and accounts the bench uses."""
    rng = random.Random(15)
    now = utcnow()
    today = now.date()
    with app.app_context():
        upgrade()
        org = orgs.create_organisation(db.session, "versus", "Ville de Versus", now=now)
        admin = orgs.create_user(
            db.session,
            email="coord@versus.qc.ca",
            name="Coralie Coord",
            password=PASSWORD,
            org=org,
            role="admin",
            now=now,
        )
        members = [
            orgs.create_user(
                db.session,
                email=f"membre{i}@versus.qc.ca",
                name=f"Membre Numéro{i}",
                password=PASSWORD,
                org=org,
                role="member",
                now=now,
            )
            for i in range(MEMBERS)
        ]
        db.session.commit()
        summary = import_template(db.session, org, now, title="Plan de 2 000 actions")
        db.session.commit()
        plan_id = summary.plan_id
        objectives = list(
            db.session.scalars(
                select(OperationalObjective.id)
                .join(Theme, Theme.id == OperationalObjective.theme_id)
                .where(Theme.plan_id == plan_id)
                .order_by(OperationalObjective.id)
            )
        )
        words = [
            "soutien",
            "organismes",
            "citoyens",
            "sécurité",
            "communication",
            "équipe",
            "bénévoles",
            "aînés",
        ]
        db.session.execute(
            insert(Task),
            [
                {
                    "plan_id": plan_id,
                    "objective_id": rng.choice(objectives),
                    "title": f"Action {n + 1} : {' '.join(rng.sample(words, 4))}",
                    "description": " ".join(rng.choices(words, k=25)),
                    "status": "todo",
                    "plan_position": 1000 + n,
                    "board_position": 0.0,
                    "version": 1,
                    "blocked_reason": "",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in range(SIZE - summary.actions)
            ],
        )
        ids = list(db.session.scalars(select(Task.id).where(Task.plan_id == plan_id).order_by(Task.id)))
        statuses = [STATUSES[n % 4] for n in range(SIZE)]
        rng.shuffle(statuses)
        positions = dict.fromkeys(STATUSES, 0.0)
        updates = []
        for n, (task_id, status) in enumerate(zip(ids, statuses, strict=True)):
            positions[status] += 1.0
            updates.append(
                {
                    "id_": task_id,
                    "status": status,
                    "owner_id": members[n % MEMBERS].id,
                    "blocked_reason": "Attente du budget" if status == "blocked" else "",
                    "due_date": today + timedelta(days=rng.randint(-30, 90)) if rng.random() > 0.15 else None,
                    "horizon": rng.choice(["short_medium", "long", None]),
                    "board_position": positions[status],
                    "completed_at": now - timedelta(days=rng.randint(0, 30)) if status == "done" else None,
                }
            )
        db.session.execute(Task.__table__.update().where(Task.__table__.c.id == bindparam("id_")), updates)
        member_ids = [member.id for member in members]
        db.session.execute(
            insert(task_collaborators),
            [
                {"task_id": task_id, "user_id": user_id}
                for task_id in ids
                for user_id in rng.sample(member_ids, rng.choice([0, 1, 1, 2]))
            ],
        )
        comments = [
            {
                "task_id": rng.choice(ids),
                "author_id": rng.choice(member_ids),
                "body": "Suivi.",
                "created_at": now,
            }
            for _ in range(SIZE)
        ]
        db.session.execute(insert(Comment), comments)
        for objective_id in objectives:
            _measured_target(objective_id, today, 0)
        task_id = _detailed_task(org.id, plan_id, members[0].id, member_ids, today, now)
        notices_read(db.session, now)
        db.session.commit()
        maintained(db.session)
        mover_ids = [row for row in ids if row != task_id]
        versions = dict(
            db.session.execute(select(Task.id, Task.version).where(Task.plan_id == plan_id)).all()
        )
        return {
            "plan": plan_id,
            "task": task_id,
            "admin": admin.email,
            "member": members[0].email,
            "movers": mover_ids,
            "versions": versions,
        }


def _measured_target(objective_id: int, today, position: int) -> None:  # noqa: ANN001
    target = Target(
        objective_id=objective_id,
        text=f"Cible {position + 1}",
        unit="%",
        target_value=100.0,
        position=position,
    )
    db.session.add(target)
    db.session.flush()
    for weeks in range(3):
        db.session.add(
            Measurement(
                target_id=target.id,
                value=20.0 * (weeks + 1),
                measured_on=today - timedelta(weeks=weeks),
                created_at=utcnow(),
            )
        )


def _detailed_task(org_id: int, plan_id: int, owner_id: int, member_ids: list[int], today, now) -> int:  # noqa: ANN001
    """The task of the task page: 20 comments, 50 history lines, an objective of 8 targets."""
    task = db.session.scalars(select(Task).where(Task.plan_id == plan_id, Task.owner_id == owner_id)).first()
    db.session.execute(Comment.__table__.delete().where(Comment.task_id == task.id))
    db.session.execute(
        insert(Comment),
        [
            {
                "task_id": task.id,
                "author_id": member_ids[n % 5],
                "body": f"Point de suivi n° {n + 1} : appel fait, on attend la réponse.",
                "created_at": now - timedelta(hours=20 - n),
            }
            for n in range(20)
        ],
    )
    db.session.execute(
        insert(Activity),
        [
            {
                "organisation_id": org_id,
                "plan_id": plan_id,
                "task_id": task.id,
                "actor_id": member_ids[n % 5],
                "kind": "field",
                "field": "status",
                "old_value": STATUSES[n % 4],
                "new_value": STATUSES[(n + 1) % 4],
                "created_at": now - timedelta(hours=50 - n),
                "task_version": 1,
            }
            for n in range(50)
        ],
    )
    for position in range(1, 8):
        _measured_target(task.objective_id, today, position)
    return task.id


# --------------------------------------------------------------------------- query counts, in process


def query_counts(app, data: dict) -> dict[str, str]:  # noqa: ANN001
    """SQL statements per page, with Flask's test client."""
    counted = [0]

    def count(*_args) -> None:  # noqa: ANN002
        counted[0] += 1

    def statements(client, method: str, url: str, **kwargs) -> tuple[int, str]:  # noqa: ANN001, ANN003
        counted[0] = 0
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", count)
        try:
            response = getattr(client, method)(url, **kwargs)
        finally:
            with app.app_context():
                event.remove(db.engine, "before_cursor_execute", count)
        assert response.status_code == 200, (url, response.status_code)
        return counted[0], response.get_data(as_text=True)

    coordinator, member = app.test_client(), app.test_client()
    csrf = _sign_in_test_client(coordinator, data["admin"])
    _sign_in_test_client(member, data["member"])
    board = f"/plans/{data['plan']}/board"
    first, html = statements(coordinator, "get", board)
    per_page = []
    pending = [link.replace("&amp;", "&") for link in MORE.findall(html)]
    while pending:
        n, html = statements(coordinator, "get", pending.pop(0), headers=HTMX)
        per_page.append(n)
        pending += [link.replace("&amp;", "&") for link in MORE.findall(html)]
    task, _ = statements(member, "get", f"/tasks/{data['task']}")
    mine, _ = statements(member, "get", "/me/tasks")
    task_id = data["movers"][0]
    with app.app_context():
        status = db.session.scalar(select(Task.status).where(Task.id == task_id))
    moved, _ = statements(
        coordinator,
        "post",
        f"/tasks/{task_id}/move",
        # To another column, as the load's moves mostly are.
        data={"status": "in_progress" if status == "todo" else "todo", "version": data["versions"][task_id]},
        headers={**HTMX, "X-CSRFToken": csrf},
    )
    data["versions"][task_id] += 1
    pages = set(per_page)
    return {
        "board, first screen": str(first),
        "board, every card": f"{first} + {len(per_page)} × {'/'.join(map(str, sorted(pages)))}",
        "task page": str(task),
        "my tasks": str(mine),
        "move a card": str(moved),
    }


def _sign_in_test_client(client, email: str) -> str:  # noqa: ANN001
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.status_code
    page = client.get("/plans").get_data(as_text=True)
    return re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)


# --------------------------------------------------------------------------- gunicorn


def _ticks() -> dict[int, tuple[str, int, int]]:
    """pid → (command name, parent pid, CPU ticks) of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, rest = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = rest.split()
        found[int(entry.name)] = (name.split("(", 1)[1], int(fields[1]), int(fields[11]) + int(fields[12]))
    return found


class Cpu:
    """CPU milliseconds used by the gunicorn workers and by the PostgreSQL
    backends serving this run's database (found by its name in their title)."""

    def __init__(self, master: int, database: str | None):
        self.master = master
        self.database = database.encode() if database else None

    def sample(self) -> tuple[float, float]:
        seen = _ticks()
        tick = 1000 / os.sysconf("SC_CLK_TCK")
        app = sum(t for _name, ppid, t in seen.values() if ppid == self.master) * tick
        backends = 0
        if self.database:
            for pid, (name, _ppid, ticks) in seen.items():
                if name.startswith("postgres") and self._serves(pid):
                    backends += ticks
        return app, backends * tick

    def _serves(self, pid: int) -> bool:
        try:
            return self.database in Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            return False


class Server:
    """gunicorn, 2 workers × 4 threads, as in the issue."""

    def __init__(self, url: str):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        self.port = port
        self.base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET, "APP_BASE_URL": self.base}
        env["REQUEST_LOG"] = os.devnull  # a line per request would drown the figures
        env.pop("MAIL_SERVER", None)
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "wsgi:app", "--bind", f"127.0.0.1:{port}"]
            + ["--workers", "2", "--threads", "4", "--log-level", "warning", "--no-control-socket"],
            cwd=ROOT.parent,
            env=env,
        )
        self.cpu = Cpu(self.process.pid, url.rsplit("/", 1)[1] if url.startswith("postgresql") else None)
        for _ in range(150):
            try:
                if requests.get(self.base + "/readyz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise SystemExit("gunicorn did not answer /readyz")

    def session(self, email: str) -> tuple[requests.Session, str]:
        http = requests.Session()
        page = http.get(self.base + "/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        http.post(self.base + "/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
        csrf = re.search(r'"X-CSRFToken": "([^"]+)"', http.get(self.base + "/plans").text).group(1)
        return http, csrf

    def spread(self) -> str:
        """The open client connections each worker holds (``ss``), most
        first: « 4 + 4 ». All on one worker halves the throughput (README)."""
        try:
            listed = subprocess.run(
                ["ss", "-tnpH", "state", "established", f"( sport = :{self.port} )"],
                capture_output=True, text=True, timeout=10, check=True,
            ).stdout  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            return "?"
        held: dict[str, int] = {}
        for pid in re.findall(r"pid=(\d+)", listed):
            held[pid] = held.get(pid, 0) + 1
        return " + ".join(str(n) for n in sorted(held.values(), reverse=True)) or "0"

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def _percentiles(times: list[float]) -> tuple[float, float]:
    if len(times) < 2:
        return (times[0], times[0]) if times else (0.0, 0.0)
    return statistics.median(times), statistics.quantiles(times, n=20, method="inclusive")[18]


def sequential(sides: list[tuple[Server, Measure, Callable[[], tuple[int, int, int]]]], n: int) -> None:
    """``n`` calls on each side, the sides taking turns (after ``WARM_UP``
    each), so that every database meets the machine in the same state;
    ``call`` returns (requests made, bytes, cards)."""
    for _ in range(WARM_UP):
        for _server, _measure, call in sides:
            call()
    times: list[list[float]] = [[] for _ in sides]
    client = [0.0 for _ in sides]
    totals = [[0, 0, 0] for _ in sides]
    # Each server's own processes: the other side's turns add nothing to them.
    before = [server.cpu.sample() for server, _measure, _call in sides]
    for _ in range(n):
        for side, (_server, _measure, call) in enumerate(sides):
            started, cpu = time.perf_counter(), time.process_time()
            made = call()
            times[side].append((time.perf_counter() - started) * 1000)
            client[side] += (time.process_time() - cpu) * 1000
            totals[side] = [total + part for total, part in zip(totals[side], made, strict=True)]
    for side, (server, measure, _call) in enumerate(sides):
        (app_before, db_before), (app_after, db_after) = before[side], server.cpu.sample()
        measure.p50, measure.p95 = _percentiles(times[side])
        measure.cpu, measure.db_cpu = (app_after - app_before) / n, (db_after - db_before) / n
        measure.client_cpu = client[side] / n
        made, size, cards = totals[side]
        measure.requests, measure.bytes, measure.cards = made // n, size // n, cards // n


def _get(http: requests.Session, url: str, **kwargs) -> requests.Response:  # noqa: ANN003
    response = http.get(url, timeout=30, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return response


def every_card(http: requests.Session, base: str, board: str) -> tuple[int, int, int]:
    """The first screen, then each « more » page a person scrolling would trigger."""
    first = _get(http, base + board).text
    made, size, cards = 1, len(first.encode()), first.count(CARD)
    pending = [link.replace("&amp;", "&") for link in MORE.findall(first)]
    while pending:
        page = _get(http, base + pending.pop(0), headers=HTMX).text
        made, size, cards = made + 1, size + len(page.encode()), cards + page.count(CARD)
        pending += [link.replace("&amp;", "&") for link in MORE.findall(page)]
    return made, size, cards


class Mover:
    """Moves cards to another column over htmx, keeping each card's version
    from the answers; each client moves its own cards (no conflict)."""

    def __init__(self, data: dict, clients: int):
        self.versions = data["versions"]
        self.shares = [data["movers"][n::clients] for n in range(clients)]
        self.rng = random.Random(3)

    def form(self, client: int) -> tuple[str, dict]:
        task_id = self.rng.choice(self.shares[client])
        status = self.rng.choice(STATUSES)
        form = {"status": status, "version": str(self.versions[task_id]), "blocked_reason": "Attente"}
        return f"/tasks/{task_id}/move", form

    def moved(self, url: str, body: str) -> None:
        task_id = int(url.split("/")[2])
        found = re.search(r'data-version="(\d+)"', body)
        if found:
            self.versions[task_id] = int(found.group(1))


async def load(
    server: Server, cookies: dict, csrf: str, urls: list[str], seconds: float, mover: Mover | None = None
) -> tuple[list[float], int, float]:
    """``CLIENTS`` clients asking in a loop for ``seconds``: (times, errors, elapsed)."""
    times: list[float] = []
    errors = [0]
    deadline = time.perf_counter() + seconds

    async def client(n: int, http: aiohttp.ClientSession) -> None:
        turn = n
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                if mover:
                    url, form = mover.form(n)
                    headers = {**HTMX, "X-CSRFToken": csrf}
                    async with http.post(server.base + url, data=form, headers=headers) as answer:
                        body = await answer.text()
                        ok = answer.status == 200
                        if ok:
                            mover.moved(url, body)
                else:
                    async with http.get(server.base + urls[turn % len(urls)]) as answer:
                        await answer.read()
                        ok = answer.status == 200
            except (TimeoutError, aiohttp.ClientError):
                ok = False
            turn += 1
            if ok:
                times.append((time.perf_counter() - started) * 1000)
            else:
                errors[0] += 1

    connector = aiohttp.TCPConnector(limit=0, keepalive_timeout=1.5)
    started = time.perf_counter()
    async with aiohttp.ClientSession(
        connector=connector, cookies=cookies, timeout=aiohttp.ClientTimeout(total=30)
    ) as http:
        await asyncio.gather(*(client(n, http) for n in range(CLIENTS)))
    return times, errors[0], time.perf_counter() - started


def under_load(
    server: Server,
    measure: Measure,
    http: requests.Session,
    csrf: str,
    urls: list[str],
    seconds: float,
    mover: Mover | None = None,
) -> None:  # noqa: E501
    sampled: list[str] = []
    sampler = threading.Timer(seconds / 2, lambda: sampled.append(server.spread()))
    sampler.start()
    times, errors, elapsed = asyncio.run(load(server, http.cookies.get_dict(), csrf, urls, seconds, mover))
    sampler.join()
    measure.spread = sampled[0] if sampled else "?"
    measure.rate = len(times) / elapsed
    measure.load_p95 = _percentiles(times)[1] if times else 0.0
    measure.errors = errors


# --------------------------------------------------------------------------- a run


@dataclass
class Side:
    """One database's part of the run: its data, server and signed-in people."""

    label: str
    url: str
    data: dict
    measures: dict[str, Measure]
    server: Server | None = None
    coordinator: requests.Session | None = None
    member: requests.Session | None = None
    csrf: str = ""
    mover: Mover | None = None

    def start(self) -> None:
        self.server = Server(self.url)
        self.coordinator, self.csrf = self.server.session(self.data["admin"])
        self.member, _ = self.server.session(self.data["member"])
        self.mover = Mover(self.data, CLIENTS)

    def calls(self) -> dict[str, Callable[[], tuple[int, int, int]]]:
        base, board, data = self.server.base, f"/plans/{self.data['plan']}/board", self.data

        def page(http: requests.Session, path: str) -> Callable[[], tuple[int, int, int]]:
            def call() -> tuple[int, int, int]:
                body = _get(http, base + path).content
                return 1, len(body), body.count(CARD.encode())

            return call

        def move() -> tuple[int, int, int]:
            path, form = self.mover.form(0)
            answer = self.coordinator.post(
                base + path, data=form, headers={**HTMX, "X-CSRFToken": self.csrf}, timeout=30
            )
            assert answer.status_code == 200, (path, answer.status_code)
            self.mover.moved(path, answer.text)
            return 1, len(answer.content), 1

        return {
            "board, first screen": page(self.coordinator, board),
            "board, every card": lambda: every_card(self.coordinator, base, board),
            "task page": page(self.member, f"/tasks/{data['task']}"),
            "my tasks": page(self.member, "/me/tasks"),
            "move a card": move,
        }

    def load(self, page: str, seconds: float) -> None:
        board = f"/plans/{self.data['plan']}/board"
        http, urls, mover = {
            "board, first screen": (self.coordinator, [board], None),
            "task page": (self.member, [f"/tasks/{self.data['task']}"], None),
            "my tasks": (self.member, ["/me/tasks"], None),
            "move a card": (self.coordinator, [], self.mover),
        }[page]
        # The signed-in sessions' idle connections closed: each worker's share
        # of the connections is then the load's alone.
        self.coordinator.close()
        self.member.close()
        under_load(self.server, self.measures[page], http, self.csrf, urls, seconds, mover)


def prepare(url: str, label: str) -> Side:
    """The data of one database, its statements counted in process."""
    print(f"== {label}: generating…", file=sys.stderr)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "MAIL_SERVER": None})
    data = populate(app)
    counts = query_counts(app, data)
    with app.app_context():
        db.engine.dispose()
    return Side(label, url, data, {page: Measure(label, page, queries=counts[page]) for page in KANBOARD})


def run(sides: list[Side], args: argparse.Namespace) -> list[Measure]:
    """Each page on every database, the databases taking turns request by
    request (sequential) and page by page (under load)."""
    print("== measuring…", file=sys.stderr)
    # The client's own CPU is inside every wall time: out of the collector's
    # sight, what building the data left behind is no longer walked by the
    # collections requests' garbage sets off (a fifth of the client's CPU).
    gc.collect()
    gc.freeze()
    try:
        for side in sides:
            side.start()
        calls = {side.label: side.calls() for side in sides}
        for page in KANBOARD:
            n = max(args.n // 3, 3) if page == "board, every card" else args.n
            sequential([(side.server, side.measures[page], calls[side.label][page]) for side in sides], n)
        for page in ("board, first screen", "task page", "my tasks", "move a card"):
            for side in sides:
                side.load(page, args.seconds)
    finally:
        for side in sides:
            if side.server:
                side.server.stop()
    return [measure for side in sides for measure in side.measures.values()]


def report(measures: list[Measure]) -> None:
    load = os.getloadavg()
    print(
        f"Machine: {os.cpu_count()} cores, load average "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end."
    )
    print(
        "Sequential requests over one keep-alive connection; throughput and p95 under load with "
        f"{CLIENTS} concurrent clients; CPU = gunicorn workers' (+ PostgreSQL's) CPU per request, "
        "per card for the board; client CPU = this process's CPU per sequential call (requests: "
        "building the request, reading the answer), which the p50 and p95 include. "
        "Wall times include waiting for a core.\n"
    )
    print(
        "| page | Kanboard (issue 15) | aim | database | p50 ms | p95 ms | req/s (8 clients) "
        "| p95 under load ms | connections per worker "
        "| errors | queries | CPU ms / request | CPU ms / card | client CPU ms | requests | cards | bytes |"
    )
    print("|---|---|---|---|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for page in KANBOARD:
        for m in (m for m in measures if m.page == page):
            rate = f"{m.rate:.0f}" if m.rate else "—"
            load_p95 = f"{m.load_p95:.1f}" if m.rate else "—"
            errors = str(m.errors) if m.rate else "—"
            spread = m.spread if m.rate else "—"
            cpu = f"{m.cpu:.1f}" + (f" + {m.db_cpu:.1f}" if m.database == "PostgreSQL" else "")
            per_card = f"{(m.cpu + m.db_cpu) / m.cards:.3f}" if page.startswith("board") and m.cards else "—"
            print(
                f"| {page} | {KANBOARD[page]} | {AIMS[page]} | {m.database} "
                f"| {m.p50:.1f} | {m.p95:.1f} | {rate} "
                f"| {load_p95} | {spread} | {errors} | {m.queries} | {cpu} | {per_card} | {m.client_cpu:.2f} "
                f"| {m.requests} | {m.cards} "
                f"| {m.bytes / 1024:.0f} KB |"
            )
    sqlite = {m.page: m for m in measures if m.database == "SQLite"}
    postgresql = {m.page: m for m in measures if m.database == "PostgreSQL"}
    if sqlite and postgresql:
        print(
            "\nPostgreSQL ÷ SQLite (median): "
            + ", ".join(f"{page} {postgresql[page].p50 / sqlite[page].p50:.2f}×" for page in KANBOARD)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("-n", type=int, default=30, help="sequential requests per page (as the issue: 30)")
    parser.add_argument("--seconds", type=float, default=10, help="duration of each load run")
    parser.add_argument("--quick", action="store_true", help="6 requests per page, 2 s of load")
    args = parser.parse_args()
    if args.quick:
        args.n, args.seconds = 6, 2
    with databases(args.db) as found:
        sides = [prepare(url, label) for url, label in found]
        report(run(sides, args))


if __name__ == "__main__":
    main()
