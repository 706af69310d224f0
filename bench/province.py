"""Benchmark: a whole province on one PostgreSQL instance.

Generates, with bulk inserts, 1,100 municipalities in 100 regions (one of
them with 20 municipalities), a plan of 150 actions each (165,000 tasks) and
10,000 people, then measures:

- the weekly personal digests of everyone, queued (`notify digests`; aim < 60 s);
- a reminder run (`notify reminders`; aim < 30 s);
- the 100 regional digests (`notify regional-digest`; aim < 20 s);
- the board, "my tasks" and the regional dashboard of the 20-municipality
  region under load: simulated people (200 by default, each pausing a few
  seconds between pages, as a person reads) spread over two gunicorn
  instances of 2 workers × 4 threads, for ``--duration`` seconds (aim:
  0 errors, p95 < 150 ms); and the memory (RSS) of each gunicorn worker.

It prints figures and asserts nothing. It creates its own database on the
PostgreSQL server of the tests (TEST_PG_ADMIN_URL) and drops it at the end.

    .venv/bin/python bench/province.py                    # full size, 5 minutes of load
    .venv/bin/python bench/province.py --quick            # 5 % of the size, 20 s of load
    .venv/bin/python bench/province.py --scale 0.2 --duration 60 --users 100
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import random
import re
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import requests
from sqlalchemy import create_engine, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from databases import notices_read  # noqa: E402

from tasking import create_app, models  # noqa: E402
from tasking.extensions import db  # noqa: E402

PG_ADMIN = os.environ.get("TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SECRET = "bench-province"
PASSWORD = "Province-Bench-2026"
THEMES, OBJECTIVES, TASKS_PER_OBJECTIVE = 6, 5, 5  # 150 tasks per municipality
BIG_REGION = 20  # municipalities of the region whose dashboard is measured
MONDAY_7 = datetime(2026, 11, 23, 12, 0)  # Monday 07:00 in Montréal: personal digests
MONDAY_9 = datetime(2026, 11, 23, 14, 0)  # Monday 09:00: reminders (working hours)
THURSDAY_8 = datetime(2026, 11, 26, 13, 0)  # Thursday 08:00: regional digests
CREATED = MONDAY_7 - timedelta(days=60)


@dataclass
class Province:
    """What the load test needs of the generated data."""

    region_slug: str = ""
    members: list[tuple[str, int]] = field(default_factory=list)  # (e-mail, plan id) in the big region
    coordinators: list[tuple[str, int]] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


CHUNK = 10_000


def ids_of(table, rows: list[dict]) -> list[int]:  # noqa: ANN001
    """Insert ``rows`` in bulk (SQLAlchemy Core, chunks of 10,000: one huge
    list makes the bulk insert much slower than its parts); their new ids, in order."""
    statement = insert(table.__table__).returning(table.id, sort_by_parameter_order=True)
    connection = db.session.connection()
    ids: list[int] = []
    for start in range(0, len(rows), CHUNK):
        ids += connection.execute(statement, rows[start : start + CHUNK]).scalars().all()
    return ids


def put(table, rows: list[dict]) -> None:  # noqa: ANN001
    """Insert ``rows`` in bulk, ids not needed."""
    table = getattr(table, "__table__", table)
    connection = db.session.connection()
    for start in range(0, len(rows), CHUNK):
        connection.execute(insert(table), rows[start : start + CHUNK])


def regions_and_orgs(municipalities: int, regions: int) -> tuple[list[int], list[int], list[int]]:
    """The regions, then the municipalities: the first region gets ``BIG_REGION``
    of them, the others share the rest. (region ids, org ids, org → region id)."""
    region_ids = ids_of(
        models.Region,
        [{"slug": f"mrc-{r:03d}", "name": f"MRC {r:03d}", "created_at": CREATED} for r in range(regions)],
    )
    first = min(BIG_REGION, municipalities)
    region_of = [region_ids[0]] * first + [
        region_ids[1 + m % (regions - 1)] if regions > 1 else region_ids[0]
        for m in range(municipalities - first)
    ]
    org_ids = ids_of(
        models.Organisation,
        [
            {"slug": f"ville-{m:04d}", "name": f"Ville {m:04d}", "region_id": region, "created_at": CREATED}
            for m, region in enumerate(region_of)
        ],
    )
    return region_ids, org_ids, region_of


def people(
    org_ids: list[int], region_of: list[int], total: int, big: int
) -> tuple[dict[int, list[int]], dict[int, str], set[int]]:
    """``total`` people shared out over the municipalities (the first of each
    is its admin); in the big region the second of each is also a regional
    coordinator, and elsewhere the first of each region's first municipality.
    Returns (org id → user ids, user id → e-mail, the big region's coordinators)."""
    from werkzeug.security import generate_password_hash

    password = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    seen_regions: set[int] = set()
    rows, homes = [], []
    for u in range(total):
        m = u % len(org_ids)
        rank = u // len(org_ids)
        region = region_of[m]
        coordinator = (region == big and rank == 1) or (
            region != big and rank == 0 and region not in seen_regions
        )
        seen_regions.add(region)
        rows.append(
            {
                "email": f"p{u:05d}@province.qc.ca",
                "name": f"Personne {u:05d}",
                "password_hash": password,
                "locale": "fr_CA" if u % 7 else "en_CA",
                "regional_region_id": region if coordinator else None,
                "created_at": CREATED,
            }
        )
        homes.append((org_ids[m], rank))
    user_ids = ids_of(models.User, rows)
    put(
        models.Membership,
        [
            {
                "user_id": uid,
                "organisation_id": org,
                "role": "admin" if rank == 0 else "member",
                "created_at": CREATED,
            }
            for uid, (org, rank) in zip(user_ids, homes, strict=True)
        ],
    )
    staff: dict[int, list[int]] = {org: [] for org in org_ids}
    for uid, (org, _rank) in zip(user_ids, homes, strict=True):
        staff[org].append(uid)
    emails = {uid: row["email"] for uid, row in zip(user_ids, rows, strict=True)}
    coordinators = {uid for uid, row in zip(user_ids, rows, strict=True) if row["regional_region_id"] == big}
    return staff, emails, coordinators


def plans(org_ids: list[int], staff: dict[int, list[int]]) -> tuple[dict[int, int], int]:
    """A plan of 150 tasks per municipality, with targets, measurements,
    collaborators and a few notifications to read. (org → plan id, tasks)."""
    today = MONDAY_7.date()
    plan_ids = ids_of(
        models.Plan, [{"organisation_id": o, "title": f"Plan {o}", "created_at": CREATED} for o in org_ids]
    )
    theme_ids = ids_of(
        models.Theme,
        [
            {"plan_id": p, "title": f"Enjeu {t + 3}", "number": t + 3, "position": t}
            for p in plan_ids
            for t in range(THEMES)
        ],
    )
    objective_ids = ids_of(
        models.OperationalObjective,
        [
            {"theme_id": th, "title": f"Objectif {o}", "position": o}
            for th in theme_ids
            for o in range(OBJECTIVES)
        ],
    )
    target_ids = ids_of(
        models.Target,
        [{"objective_id": ob, "text": "Cible", "target_value": 100, "unit": "%"} for ob in objective_ids],
    )
    put(
        models.Measurement,
        [
            {"target_id": t, "value": 10 + t % 80, "measured_on": today, "created_at": MONDAY_7}
            for t in target_ids
        ],
    )
    per_plan = THEMES * OBJECTIVES
    tasks, followers = [], []
    for p, (org, plan) in enumerate(zip(org_ids, plan_ids, strict=True)):
        users = staff[org] or [None]
        for n in range(per_plan * TASKS_PER_OBJECTIVE):
            status = ("todo", "in_progress", "blocked", "done", "todo")[n % 5]
            tasks.append(
                task_row(plan, objective_ids[p * per_plan + n // TASKS_PER_OBJECTIVE], n, status, users)
            )
            followers.append(users[(n + 3) % len(users)])
    task_ids = ids_of(models.Task, tasks)
    put(
        models.task_collaborators,
        [
            {"task_id": t, "user_id": u}
            for t, u, row in zip(task_ids, followers, tasks, strict=True)
            if u is not None and u != row["owner_id"]
        ],
    )
    put(
        models.Notification,
        [
            {
                "user_id": row["owner_id"],
                "kind": "comment",
                "task_id": t,
                "actor_id": followers[i],
                "detail": "Un commentaire sur l’avancement de l’action.",
                "created_at": MONDAY_7 - timedelta(days=2),
            }
            for i, (t, row) in enumerate(zip(task_ids, tasks, strict=True))
            if i % 15 == 0 and row["owner_id"] is not None
        ],
    )
    return dict(zip(org_ids, plan_ids, strict=True)), len(task_ids)


def task_row(plan: int, objective: int, n: int, status: str, users: list[int | None]) -> dict:
    return {
        "plan_id": plan,
        "objective_id": objective,
        "title": f"Action {n:03d}",
        "owner_id": users[n % len(users)],
        "status": status,
        "blocked_reason": "En attente" if status == "blocked" else "",
        "due_date": MONDAY_7.date() + timedelta(days=(n % 40) - 15),
        "board_position": float(n),
        "plan_position": n,
        "created_at": MONDAY_7 - timedelta(days=30),
        "updated_at": MONDAY_7 - timedelta(days=3),
        "completed_at": MONDAY_7 - timedelta(days=n % 10) if status == "done" else None,
    }


def generate(scale: float) -> Province:
    municipalities = max(round(1100 * scale), 2)
    regions = max(round(100 * scale), 2)
    total_people = max(round(10_000 * scale), municipalities * 3)
    region_ids, org_ids, region_of = regions_and_orgs(municipalities, regions)
    big = region_ids[0]
    staff, emails, coordinators = people(org_ids, region_of, total_people, big)
    plan_of, tasks = plans(org_ids, staff)
    notices_read(db.session, CREATED)
    db.session.commit()
    province = Province(region_slug="mrc-000")
    for org, region in zip(org_ids, region_of, strict=True):
        if region != big:
            continue
        for uid in staff[org]:
            entry = (emails[uid], plan_of[org])
            (province.coordinators if uid in coordinators else province.members).append(entry)
    province.counts = {
        "regions": regions,
        "municipalities": municipalities,
        "tasks": tasks,
        "people": total_people,
    }
    return province


# --------------------------------------------------------------------------- jobs


def timed_job(label: str, job, now: datetime, aim: float) -> float:  # noqa: ANN001
    """Run one job as `notify …` would (a fresh session) and print its figures."""
    db.session.remove()
    started, cpu = time.perf_counter(), time.process_time()
    report = job(db.session, now=now)
    took = time.perf_counter() - started
    verdict = "yes" if took < aim else "NO"
    print(
        f"{label}: {report.as_line()} in {took:.1f} s "
        f"(CPU of this process {time.process_time() - cpu:.1f} s; aim < {aim:.0f} s: {verdict})",
        flush=True,
    )
    db.session.remove()
    return took


def jobs(regional_only: bool = False) -> None:
    from tasking.scheduling.jobs import run_digests, run_regional_digests, run_reminders

    if regional_only:
        timed_job("regional digests", run_regional_digests, THURSDAY_8, 20)
        return
    timed_job("personal digests", run_digests, MONDAY_7, 60)
    timed_job("regional digests", run_regional_digests, THURSDAY_8, 20)
    timed_job("reminders", run_reminders, MONDAY_9, 30)


# --------------------------------------------------------------------------- load


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_instance(url: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "SECRET_KEY": SECRET,
        "APP_BASE_URL": f"http://127.0.0.1:{port}",
    }
    env.pop("MAIL_SERVER", None)
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "wsgi:app", "--bind", f"127.0.0.1:{port}"]
        + ["--workers", "2", "--threads", "4", "--log-level", "warning", "--no-control-socket"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return server, f"http://127.0.0.1:{port}"


def wait_ready(base: str) -> None:
    for _ in range(150):
        try:
            if requests.get(base + "/readyz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise SystemExit(f"{base} did not answer /readyz")


def processes() -> dict[int, tuple[str, int, int]]:
    """pid → (command name, parent pid, CPU ticks used so far) of every process."""
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


def workers_rss(master: int) -> list[int]:
    """VmRSS (KiB) of each worker of a gunicorn master."""
    sizes = []
    for pid, (_name, ppid, _ticks) in processes().items():
        if ppid != master:
            continue
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        sizes += [int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:")]
    return sorted(sizes)


class CpuShares:
    """Who used the cores during the load: this client, the gunicorn
    instances, PostgreSQL, and the machine in all (other work included).
    Ticks of processes that ended meanwhile are lost (PostgreSQL's backends
    live as long as the pools' connections, so little is)."""

    def __init__(self, masters: list[int]):
        self.masters = masters
        self.start = self.sample()

    def sample(self) -> dict[str, float]:
        seen = processes()
        gunicorn = [
            pid for pid, (_n, ppid, _t) in seen.items() if pid in self.masters or ppid in self.masters
        ]
        with open("/proc/stat") as stat:
            total = [int(v) for v in stat.readline().split()[1:]]
        ticks = os.sysconf("SC_CLK_TCK")
        return {
            "client": time.process_time(),
            "gunicorn": sum(seen[pid][2] for pid in gunicorn) / ticks,
            "postgresql": sum(t for name, _p, t in seen.values() if name.startswith("postgres")) / ticks,
            # user + nice + system + irq + softirq + steal (not idle nor iowait)
            "machine": (sum(total[:3]) + sum(total[5:8])) / ticks,
        }

    def used(self) -> dict[str, float]:
        """CPU seconds each used since the start."""
        end = self.sample()
        used = {key: end[key] - self.start[key] for key in end}
        used["other work"] = max(
            used["machine"] - used["client"] - used["gunicorn"] - used["postgresql"], 0.0
        )
        return used


class Load:
    """Simulated people on one asyncio loop (aiohttp, keep-alive): each signs
    in, then reads pages with a pause between them. A person costs a coroutine,
    not a thread, so the client takes little of the cores it shares with the
    servers (its CPU is measured and printed)."""

    def __init__(self, bases: list[str], province: Province, think: float, duration: float):
        self.bases, self.province, self.think, self.duration = bases, province, think, duration
        self.times: dict[str, list[float]] = {"board": [], "my tasks": [], "regional dashboard": []}
        self.errors: dict[str, int] = dict.fromkeys(self.times, 0)
        self.sizes: dict[str, int] = dict.fromkeys(self.times, 0)
        # What went wrong: an HTTP status, or the exception's name (a timeout...).
        self.failures: Counter[str] = Counter()
        self.deadline = 0.0

    def pages(self, n: int) -> tuple[str, list[tuple[str, str]]]:
        """The account of simulated person ``n`` and the pages they read, in turn."""
        if n % 4 == 0 and self.province.coordinators:
            email, plan = self.province.coordinators[(n // 4) % len(self.province.coordinators)]
            dashboard = f"/regions/{self.province.region_slug}/dashboard"
            return email, [("regional dashboard", dashboard), ("board", f"/plans/{plan}/board")]
        email, plan = self.province.members[n % len(self.province.members)]
        return email, [("my tasks", "/me/tasks"), ("board", f"/plans/{plan}/board")]

    async def run(self, users: int) -> None:
        # One pool of keep-alive connections shared by everyone (as a reverse
        # proxy keeps its upstream connections); cookies stay per person.
        # Idle connections are closed before gunicorn's keep-alive (2 s) does:
        # reusing one the server is closing would count as an error of the page.
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, keepalive_timeout=1.5)
        self.deadline = time.perf_counter() + self.duration
        try:
            await asyncio.gather(*(self.person(n, connector) for n in range(users)))
        finally:
            await connector.close()

    async def person(self, n: int, connector: aiohttp.TCPConnector) -> None:
        rng = random.Random(n)
        email, pages = self.pages(n)
        timeout = aiohttp.ClientTimeout(total=30)
        async with aiohttp.ClientSession(
            connector=connector,
            connector_owner=False,
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            timeout=timeout,
        ) as http:
            base = self.bases[n % len(self.bases)]
            async with http.get(base + "/login") as answer:
                form = await answer.text()
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
            sign_in = {"email": email, "password": PASSWORD, "csrf_token": token}
            async with http.post(base + "/login", data=sign_in, allow_redirects=False) as answer:
                if answer.status != 303 and answer.status != 302:
                    raise SystemExit(f"{email} could not sign in ({answer.status})")
            await asyncio.sleep(rng.uniform(0, self.think))  # people arrive spread out
            turn = 0
            while time.perf_counter() < self.deadline:
                name, path = pages[turn % len(pages)]
                base = self.bases[(n + turn) % len(self.bases)]  # any instance serves any session
                turn += 1
                await self.fetch(http, name, base + path)
                await asyncio.sleep(rng.uniform(0.5, 1.5) * self.think)

    async def fetch(self, http: aiohttp.ClientSession, name: str, url: str) -> None:
        started = time.perf_counter()
        try:
            async with http.get(url, allow_redirects=False) as answer:
                body = await answer.read()
                ok, failure = answer.status == 200, str(answer.status)
        except (TimeoutError, aiohttp.ClientError) as exc:
            ok, body, failure = False, b"", type(exc).__name__
        took = (time.perf_counter() - started) * 1000
        if ok:
            self.times[name].append(took)
            self.sizes[name] += len(body)
        else:
            self.errors[name] += 1
            self.failures[failure] += 1


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(len(ordered) * share), len(ordered) - 1)] if ordered else float("nan")


def load_test(url: str, province: Province, users: int, duration: float, think: float) -> None:
    servers = [start_instance(url) for _ in range(2)]
    try:
        for _server, base in servers:
            wait_ready(base)
        rss_before = [workers_rss(server.pid) for server, _base in servers]
        load = Load([base for _server, base in servers], province, think, duration)
        cpu = CpuShares([server.pid for server, _base in servers])
        started = time.perf_counter()
        asyncio.run(load.run(users))
        elapsed = time.perf_counter() - started
        used = cpu.used()
        rss_after = [workers_rss(server.pid) for server, _base in servers]
    finally:
        for server, _base in servers:
            server.terminate()
            server.wait(timeout=30)
    print_load(load, users, elapsed, used)
    for n, (before, after) in enumerate(zip(rss_before, rss_after, strict=True)):
        print(
            f"instance {'AB'[n]} worker RSS (MiB): after start {[round(k / 1024) for k in before]}, "
            f"after the load {[round(k / 1024) for k in after]}"
        )


def print_load(load: Load, users: int, elapsed: float, used: dict[str, float]) -> None:
    total = sum(len(v) for v in load.times.values()) + sum(load.errors.values())
    print(
        f"load: {users} people over 2 instances × 2 workers × 4 threads, {elapsed:.0f} s, "
        f"pause {load.think:.1f} s ± 50 % between pages: {total} requests ({total / elapsed:.1f}/s)"
    )
    print("| page | requests | errors | p50 ms | p95 ms | p99 ms | KB | p95 < 150 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for name, values in load.times.items():
        p95 = percentile(values, 0.95)
        size = load.sizes[name] / len(values) / 1024 if values else 0
        print(
            f"| {name} | {len(values) + load.errors[name]} | {load.errors[name]} "
            f"| {percentile(values, 0.5):.0f} | {p95:.0f} | {percentile(values, 0.99):.0f} | {size:.0f} "
            f"| {'yes' if p95 < 150 else 'NO'} |",
            flush=True,
        )
    if load.failures:
        print("errors: " + ", ".join(f"{kind} × {n}" for kind, n in load.failures.most_common()))
    cores = os.cpu_count() or 1
    shares = ", ".join(
        f"{key} {seconds:.0f} s ({seconds / elapsed / cores:.0%})" for key, seconds in used.items()
    )
    per_request = (used["gunicorn"] + used["postgresql"]) / max(total, 1) * 1000
    print(
        f"CPU during the load, share of {cores} cores: {shares}; "
        f"client per request {used['client'] / max(total, 1) * 1000:.1f} ms, "
        f"servers (gunicorn + PostgreSQL) per request {per_request:.1f} ms",
        flush=True,
    )


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="share of the province's size (1 = full)")
    parser.add_argument("--duration", type=float, default=300, help="seconds of load")
    parser.add_argument("--users", type=int, default=200, help="simulated people")
    parser.add_argument("--think", type=float, default=5.0, help="mean pause between a person's pages (s)")
    parser.add_argument("--pages-only", action="store_true", help="the pages under load, not the jobs")
    parser.add_argument("--quick", action="store_true", help="--scale 0.05 --duration 20 --users 40")
    parser.add_argument(
        "--regional-only", action="store_true", help="only the regional digests: no load, no other job"
    )
    parser.add_argument(
        "--jobs-only", action="store_true", help="measure the jobs, skip the load on the pages"
    )
    args = parser.parse_args()
    if args.quick:
        args.scale, args.duration, args.users = 0.05, 20, 40

    name = f"retablir_province_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    try:
        run(url, args)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, "
        f"load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} at the end"
    )


def run(url: str, args: argparse.Namespace) -> None:
    from flask_migrate import upgrade

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET,
            "MAIL_SERVER": None,
            "APP_BASE_URL": "http://province.test",
        }
    )
    logging.getLogger().setLevel(logging.WARNING)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        province = generate(args.scale)
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        print(f"data: {province.counts} generated in {time.perf_counter() - started:.1f} s", flush=True)
        db.engine.dispose()
    # The pages first, on a quiet machine; then the jobs, the reminders last
    # (the longest: the first run over generated data sends every reminder at once).
    if not (args.regional_only or args.jobs_only):
        load_test(url, province, args.users, args.duration, args.think)
    if args.pages_only:
        return
    with app.app_context():
        jobs(args.regional_only)
        db.engine.dispose()


if __name__ == "__main__":
    main()
