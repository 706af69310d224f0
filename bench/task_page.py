"""Benchmark of the task page (issue 15, item 1).

Builds an organisation of 30 people and one task with 20 comments, 50 history
lines, an objective of 8 measured targets (3 measurements each), a partner
contact, the owner's check-in and the partner's opinion, then
measures in process with Flask's test client, for a member of the task:

- the full page (p50 / p95 wall time, CPU per request, SQL statements, bytes);
- the history and older comments fragments the page loads when scrolled to.

Aims: page p95 ≤ 5 ms on SQLite, ≤ 8 ms on PostgreSQL, at most 8 statements
(tests/tasks/test_task_page_speed.py asserts the count).

    .venv/bin/python bench/task_page.py                  # SQLite (temporary file) and PostgreSQL
    .venv/bin/python bench/task_page.py --db sqlite -n 200
    .venv/bin/python bench/task_page.py --db sqlite --profile 500   # cProfile of 500 pages, top 30
"""

from __future__ import annotations

import argparse
import cProfile
import logging
import os
import pstats
import re
import statistics
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from databases import maintained, notices_read, on_databases  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event  # noqa: E402

from tasking import create_app  # noqa: E402
from tasking.core.clock import SetClock  # noqa: E402
from tasking.extensions import db  # noqa: E402
from tasking.models import CheckinAnswer, PartnerContact  # noqa: E402
from tasking.orgs import services as orgs  # noqa: E402
from tasking.plans.builder import (  # noqa: E402
    ActionSpec,
    History,
    ObjectiveSpec,
    PlanBuilder,
    PlanSpec,
    TargetSpec,
    ThemeSpec,
)
from tasking.tasks import comments, editing, measurements  # noqa: E402

PASSWORD = "Banc-Essai-2026"
NOW = datetime(2026, 11, 25, 15, 0)
MEMBER = "personne1@banc.qc.ca"


def populate() -> int:
    """The organisation and the task; returns the task id."""
    upgrade()
    org = orgs.create_organisation(db.session, "banc-essai", "Ville du banc d’essai", now=NOW)
    people = [
        orgs.create_user(
            db.session,
            email=f"personne{i}@banc.qc.ca",
            name=f"Personne Numéro{i}",
            password=PASSWORD if i < 2 else None,
            org=org,
            role="admin" if i == 0 else "member",
            now=NOW,
        )
        for i in range(30)
    ]
    admin, member = people[0], people[1]
    targets = [
        TargetSpec(text=f"Cible {n} : joindre 80 % des aînés", unit="%", baseline=0, target_value=80)
        for n in range(8)
    ]
    action = ActionSpec(
        title="Appeler les aînés isolés",
        description="Faire la liste avec le **CIUSSS**.",
        owner_id=member.id,
        collaborator_ids=[people[2].id, people[3].id],
        partners=["CIUSSS"],
        due_date=date(2026, 12, 15),
    )
    spec = PlanSpec(
        title="Plan de rétablissement",
        themes=[
            ThemeSpec(
                title="Enjeux sociaux",
                objectives=[ObjectiveSpec(title="Soutenir", targets=targets, actions=[action])],
            )
        ],
    )
    plan = PlanBuilder.new_plan(
        db.session, organisation=org, spec=spec, actor=admin, now=NOW, history=History()
    )
    task = plan.themes[0].objectives[0].tasks[0]
    for target in plan.themes[0].objectives[0].targets:
        for weeks in range(3):
            measurements.add_measurement(
                db.session,
                actor=admin,
                target=target,
                value=10 * (weeks + 1),
                measured_on=NOW.date() - timedelta(weeks=weeks),
                now=NOW,
            )
    for n in range(20):
        who = people[n % 4]
        body = f"Point {n} : **appels** faits, voir avec @personne{(n + 1) % 4}."
        comments.add_comment(db.session, actor=who, task=task, body=body, now=NOW - timedelta(hours=40 - n))
    for n in range(30):  # 20 comment lines + 30 changes = 50 history lines
        editing.update_task(
            db.session,
            actor=admin,
            task=task,
            changes={"title": f"Appeler les aînés ({n})"},
            version=None,
            now=NOW,
        )
    # What the weekly check-in said: the owner's, and a partner contact's opinion.
    contact = PartnerContact(
        organisation_id=org.id, email="liaison@ciusss.qc.ca", name="Liaison", created_at=NOW
    )
    db.session.add(contact)
    db.session.flush()
    task.partners[0].contact_id = contact.id
    for values in ({"user_id": member.id, "note": "Ça avance."}, {"partner_contact_id": contact.id}):
        db.session.add(
            CheckinAnswer(
                task_id=task.id, health="on_track", task_version=task.version, created_at=NOW, **values
            )
        )
    notices_read(db.session, NOW)
    maintained(db.session)
    return task.id


def login(client, email: str) -> None:  # noqa: ANN001
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.status_code


def percentiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return statistics.median(times), cuts[18]


def measure(
    app, client, url: str, n: int, headers: dict | None = None
) -> tuple[list[float], float, int, int]:  # noqa: ANN001
    """Wall times (ms), mean CPU ms, statements and bytes of ``n`` GETs."""
    statements: list[str] = []
    first = client.get(url, headers=headers)  # warm up: templates compiled, caches filled
    assert first.status_code == 200, first.status_code
    with app.app_context():
        engine = db.engine

    def count(*_args) -> None:  # noqa: ANN002
        statements.append("")

    event.listen(engine, "before_cursor_execute", count)
    client.get(url, headers=headers)
    event.remove(engine, "before_cursor_execute", count)
    times = []
    cpu = time.process_time()
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times, (time.process_time() - cpu) * 1000 / n, len(statements), len(first.data)


def build_app(url: str):  # noqa: ANN201
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "MAIL_SERVER": None,
            "APP_BASE_URL": "http://bench.test",
            "CLOCK": SetClock(NOW),
        }
    )


def run(url: str, label: str, n: int) -> list[str]:
    print(f"== {label}: generating…", file=sys.stderr)
    app = build_app(url)
    with app.app_context():
        task_id = populate()
        db.session.remove()
    client = app.test_client()
    login(client, MEMBER)
    rows = []
    hx = {"HX-Request": "true"}
    for what, path, headers in (
        ("task page", f"/tasks/{task_id}", None),
        ("history (revealed)", f"/tasks/{task_id}/history", hx),
        ("older comments (revealed)", f"/tasks/{task_id}/comments", hx),
    ):
        times, cpu, queries, size = measure(app, client, path, n, headers)
        p50, p95 = percentiles(times)
        rows.append(f"| {label} | {what} | {n} | {p50:.2f} | {p95:.2f} | {cpu:.2f} | {queries} | {size:,} |")
    with app.app_context():
        db.engine.dispose()
    return rows


def profile(url: str, label: str, n: int) -> list[str]:
    """cProfile of ``n`` page requests; prints the top 30 by cumulative time."""
    app = build_app(url)
    with app.app_context():
        task_id = populate()
        db.session.remove()
    client = app.test_client()
    login(client, MEMBER)
    client.get(f"/tasks/{task_id}")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        client.get(f"/tasks/{task_id}")
    profiler.disable()
    print(f"== {label}: {n} task pages", file=sys.stderr)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    with app.app_context():
        db.engine.dispose()
    return []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("-n", type=int, default=300, help="requests per measure")
    parser.add_argument("--profile", type=int, metavar="N", help="profile N page requests instead")
    args = parser.parse_args()
    logging.getLogger().setLevel(logging.WARNING)
    if args.profile:
        on_databases(args.db, lambda url, label: profile(url, label, args.profile))
        return
    rows: list[str] = on_databases(args.db, lambda url, label: run(url, label, args.n))
    print("Task: 20 comments, 50 history lines, objective of 8 targets × 3 measurements; 30 people.")
    print(f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.\n")
    print("| database | measure | n | p50 ms | p95 ms | CPU ms | SQL statements | bytes |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
