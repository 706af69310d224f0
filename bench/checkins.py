"""Benchmark of the weekly check-in.

Generates an organisation of 200 owners with a plan of 3,000 open actions
(one owner holds 60 of them), then measures:

- opening a round: the invitations of 200 people claimed and their e-mails
  queued in the outbox (aim: under 5 s);
- the update page of the person with 60 actions, reached from the e-mailed
  link (aim: p95 under 50 ms, at most 10 SQL statements);
- saving 60 updates in one submission (aim: under 300 ms).

Server time in process with Flask's test client, as bench/board.py measures it.

Usage:
    .venv/bin/python bench/checkins.py                 # SQLite (temporary file) and PostgreSQL
    .venv/bin/python bench/checkins.py --db sqlite     # one of them
    DATABASE_URL=postgresql://… .venv/bin/python bench/checkins.py   # that database only

The PostgreSQL run creates a database on postgresql://postgres@127.0.0.1:5432
and drops it at the end. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from databases import on_databases  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, func, insert, select, text  # noqa: E402

from tasking import create_app  # noqa: E402
from tasking.checkins.links import update_token  # noqa: E402
from tasking.checkins.rounds import open_round  # noqa: E402
from tasking.checkins.timing import round_times  # noqa: E402
from tasking.core.clock import SetClock  # noqa: E402
from tasking.extensions import db  # noqa: E402
from tasking.models import CheckinAnswer, CheckinRound, OperationalObjective, Organisation, Plan, Task, Theme  # noqa: E402
from tasking.orgs import services as orgs  # noqa: E402

SECRET = "bench-secret-key"
ACTIONS = 3000
OWNERS = 200
MINE = 60
CREATED = datetime(2026, 1, 5, 12)
# The round of the meeting of Thursday 26 November 2026 (opens Tuesday 24, 08:00 in Montréal).
MONDAY = date(2026, 11, 23)


@dataclass
class Row:
    database: str
    what: str
    n: int
    p50: float
    p95: float
    cpu: float = 0.0
    note: str = ""


def populate(app) -> dict:  # noqa: ANN001
    """The organisation, its owners and the plan; returns what the measures need."""
    with app.app_context():
        upgrade()
        org = orgs.create_organisation(db.session, "banc-suivi", "Ville du banc d’essai", now=CREATED)
        people = [
            orgs.create_user(
                db.session,
                email=f"personne{i}@banc.qc.ca",
                name=f"Personne Numéro{i}",
                password=None,
                org=org,
                role="member",
                now=CREATED,
            )
            for i in range(OWNERS)
        ]
        plan = Plan(organisation_id=org.id, title="Plan de 3 000 actions", created_at=CREATED)
        db.session.add(plan)
        db.session.flush()
        objectives = []
        for number in range(4):
            theme = Theme(plan_id=plan.id, number=number + 3, title=f"Enjeu {number + 1}", colour="#3a6fc4")
            db.session.add(theme)
            db.session.flush()
            for position in range(5):
                objective = OperationalObjective(
                    theme_id=theme.id, title=f"Objectif {position}", position=position
                )
                db.session.add(objective)
                objectives.append(objective)
        db.session.flush()
        # The first person owns MINE actions, the others share the rest.
        owners = [people[0].id] * MINE + [people[1 + i % (OWNERS - 1)].id for i in range(ACTIONS - MINE)]
        db.session.execute(
            insert(Task),
            [
                {
                    "plan_id": plan.id,
                    "objective_id": objectives[i % len(objectives)].id,
                    "title": f"Action numéro {i}",
                    "description": "",
                    "owner_id": owner,
                    "status": ("todo", "in_progress")[i % 2],
                    "due_date": date(2026, 11, 1) + timedelta(days=i % 90),
                    "board_position": float(i),
                    "plan_position": i,
                    "version": 1,
                    "blocked_reason": "",
                    "created_at": CREATED,
                    "updated_at": CREATED,
                }
                for i, owner in enumerate(owners)
            ],
        )
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return {"org": org.id, "mine": people[0].id}


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def open_the_round(app, data: dict, now: datetime) -> tuple[float, int]:  # noqa: ANN001
    """Seconds to open the round (and commit), and the e-mails queued."""
    with app.app_context():
        org = db.session.get(Organisation, data["org"])
        started, cpu = time.perf_counter(), time.process_time()
        _opened, queued = open_round(db.session, org, now)
        db.session.commit()
        took = time.perf_counter() - started
        data["round_cpu"] = time.process_time() - cpu
        data["round"] = db.session.query(CheckinRound.id).filter_by(organisation_id=org.id).scalar()
    return took, queued


def statements(app, call) -> tuple[int, object]:  # noqa: ANN001
    """The number of SQL statements ``call`` sends, and its result."""
    sent = []

    def count(*_args) -> None:
        sent.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = call()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(sent), result


def form_of(page: str, answer: int) -> dict:
    """The page's form with every action answered (``answer`` varies the
    notes so each submission writes new answers)."""
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    ids = re.findall(r'name="task" value="(\d+)"', page)
    data: dict = {"csrf_token": csrf, "task": ids}
    for index, task_id in enumerate(ids):
        data[f"version-{task_id}"] = re.search(rf'name="version-{task_id}" value="(\d+)"', page).group(1)
        health = ("on_track", "at_risk", "late")[index % 3]
        data[f"health-{task_id}"] = health
        if health != "on_track":
            data[f"note-{task_id}"] = f"Point de la semaine {answer} : on suit de près."
    return data


def measure(app, data: dict, label: str, n: int) -> list[Row]:  # noqa: ANN001
    with app.test_request_context():
        path = f"/checkins/u/{update_token(data['round'], data['mine'])}"
    client = app.test_client()
    client.get(path)  # warm-up: templates compiled, connections opened
    times, queries = [], 0
    cpu = time.process_time()
    for _ in range(n):
        started = time.perf_counter()
        queries, response = statements(app, lambda: client.get(path))
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    cpu = (time.process_time() - cpu) * 1000 / n
    page = response.get_data(as_text=True)
    assert page.count('name="task"') == MINE, page.count('name="task"')
    rows = [
        Row(label, f"update page, {MINE} actions", n, *percentiles(times), cpu, f"{queries} SQL statements")
    ]
    saves, cpu = [], 0.0
    for attempt in range(max(5, n // 4)):
        form = form_of(client.get(path).get_data(as_text=True), attempt)
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.post(path, data=form)
        saves.append((time.perf_counter() - started) * 1000)
        cpu += (time.process_time() - cpu_started) * 1000
        assert response.status_code in (200, 303), response.get_data(as_text=True)[-800:]
    with app.app_context():
        saved = db.session.scalar(select(func.count(CheckinAnswer.id)))
    assert saved == MINE * len(saves), (saved, len(saves))
    rows.append(
        Row(
            label, f"save {MINE} updates in one submission", len(saves), *percentiles(saves), cpu / len(saves)
        )
    )
    return rows


def run(url: str, label: str, n: int) -> list[Row]:
    print(f"== {label}: generating…", file=sys.stderr)
    clock = SetClock(CREATED)
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET, "MAIL_SERVER": None, "CLOCK": clock}
    )
    data = populate(app)
    with app.app_context():
        org = db.session.get(Organisation, data["org"])
        now = round_times(org, MONDAY).opens_at + timedelta(minutes=1)
    clock.set(now)
    print(f"   {ACTIONS} actions of {OWNERS} owners; opening the round…", file=sys.stderr)
    took, queued = open_the_round(app, data, now)
    rows = [
        Row(
            label,
            f"open a round: {ACTIONS} actions, {OWNERS} owners",
            1,
            took * 1000,
            took * 1000,
            data["round_cpu"] * 1000,
            f"{queued} e-mails queued",
        )
    ]
    rows += measure(app, data, label, n)
    with app.app_context():
        db.engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("-n", type=int, default=60, help="iterations of the update page")
    args = parser.parse_args()

    rows: list[Row] = []
    given = os.environ.get("DATABASE_URL", "").strip()
    if given:
        rows += run(given, given.split(":", 1)[0], args.n)
    else:
        rows += on_databases(args.db, lambda url, label: run(url, label, args.n))

    load = os.getloadavg()
    averages = " / ".join(f"{value:.1f}" for value in load)
    print(f"Machine: {os.cpu_count()} cores, load average {averages} at the end.")
    print("Wall times include waiting for a core; CPU = mean CPU time of this process per measure.")
    print(
        "Aims: round under 5 s; update page p95 under 50 ms in at most 10 statements; a save under 300 ms.\n"
    )
    print("| database | measure | n | p50 ms | p95 ms | CPU ms | note |")
    print("|---|---|---:|---:|---:|---:|---|")
    for row in rows:
        figures = f"{row.p50:.1f} | {row.p95:.1f} | {row.cpu:.1f}"
        print(f"| {row.database} | {row.what} | {row.n} | {figures} | {row.note} |")


if __name__ == "__main__":
    main()
