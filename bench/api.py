"""Benchmark of the JSON API and the webhooks.

Generates a plan of 2,000 actions owned by 20 people, then measures:

- listing the 2,000 actions through the API in pages of 200, following the
  cursor (aim: p95 under 40 ms a page), with the SQL statements per page;
- 1,000 webhook deliveries to a receiver on loopback (aim: over 200/s).

Server time in process with Flask's test client, as bench/board.py measures
it; the deliveries are real HTTP to a ThreadingHTTPServer on 127.0.0.1.

Usage:
    .venv/bin/python bench/api.py                 # SQLite (temporary file) and PostgreSQL
    .venv/bin/python bench/api.py --db sqlite     # one of them

The PostgreSQL run creates a database on postgresql://postgres@127.0.0.1:5432
and drops it at the end. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from databases import on_databases  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import event, insert, text  # noqa: E402

from tasking import create_app  # noqa: E402
from tasking.api.tokens import create_token  # noqa: E402
from tasking.core.clock import SetClock  # noqa: E402
from tasking.extensions import db  # noqa: E402
from tasking.models import OperationalObjective, Plan, Task, Theme, WebhookDelivery  # noqa: E402
from tasking.orgs import services as orgs  # noqa: E402
from tasking.webhooks.delivery import deliver_webhooks  # noqa: E402
from tasking.webhooks.settings import add_webhook  # noqa: E402

ACTIONS = 2000
OWNERS = 20
PAGE = 200
DELIVERIES = 1000
NOW = datetime(2026, 11, 25, 15)


@dataclass
class Row:
    database: str
    what: str
    n: int
    p50: float
    p95: float
    note: str = ""


def populate(app) -> dict:  # noqa: ANN001
    with app.app_context():
        upgrade()
        org = orgs.create_organisation(db.session, "banc-api", "Ville du banc d’essai", now=NOW)
        people = [
            orgs.create_user(
                db.session,
                email=f"personne{i}@banc.qc.ca",
                name=f"Personne Numéro{i}",
                password=None,
                org=org,
                role="admin" if i == 0 else "member",
                now=NOW,
            )
            for i in range(OWNERS)
        ]
        plan = Plan(organisation_id=org.id, title="Plan de 2 000 actions", created_at=NOW)
        db.session.add(plan)
        db.session.flush()
        theme = Theme(plan_id=plan.id, number=3, title="Enjeux sociaux", colour="#3a6fc4")
        db.session.add(theme)
        db.session.flush()
        objective = OperationalObjective(theme_id=theme.id, title="Soutenir", position=0)
        db.session.add(objective)
        db.session.flush()
        db.session.execute(
            insert(Task),
            [
                {
                    "plan_id": plan.id,
                    "objective_id": objective.id,
                    "title": f"Action numéro {i}",
                    "description": "Une description de quelques mots.",
                    "owner_id": people[i % OWNERS].id,
                    "status": ("todo", "in_progress", "blocked", "done")[i % 4],
                    "due_date": date(2026, 11, 1) + timedelta(days=i % 90),
                    "board_position": float(i),
                    "plan_position": i,
                    "version": 1,
                    "blocked_reason": "",
                    "created_at": NOW,
                    "updated_at": NOW,
                }
                for i in range(ACTIONS)
            ],
        )
        _token, secret = create_token(
            db.session, actor=people[0], name="banc", scope="read", expires_on=date(2027, 6, 1), now=NOW
        )
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return {"org": org.id, "plan": plan.id, "admin": people[0].id, "secret": secret}


def percentiles(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def list_all(app, data: dict) -> tuple[list[float], int, int]:  # noqa: ANN001
    """Milliseconds per page of one walk through every page, statements per page, tasks seen."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {data['secret']}"}
    sent: list[int] = []
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *_a: sent.append(1))
    times, seen, cursor = [], 0, None
    while True:
        path = f"/api/v1/plans/{data['plan']}/tasks?limit={PAGE}" + (f"&cursor={cursor}" if cursor else "")
        sent.clear()
        started = time.perf_counter()
        answer = client.get(path, headers=headers)
        times.append((time.perf_counter() - started) * 1000)
        assert answer.status_code == 200, answer.get_data(as_text=True)
        seen += len(answer.json["items"])
        cursor = answer.json["next_cursor"]
        if cursor is None:
            return times, len(sent), seen


def receiver() -> tuple[ThreadingHTTPServer, list]:
    got: list = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):  # noqa: N802
            self.rfile.read(int(self.headers["Content-Length"]))
            got.append(1)
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args):  # noqa: ANN002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, got


def deliveries(app, data: dict) -> tuple[float, int]:  # noqa: ANN001
    """Seconds to send DELIVERIES queued deliveries, and how many the receiver got."""
    server, got = receiver()
    with app.app_context():
        from tasking.models import User

        admin = db.session.get(User, data["admin"])
        hook = add_webhook(
            db.session,
            actor=admin,
            organisation_id=data["org"],
            url=f"http://127.0.0.1:{server.server_port}/hook",
            events=["task.changed"],
            format="json",
            now=NOW,
        )
        db.session.execute(
            insert(WebhookDelivery),
            [
                {
                    "webhook_id": hook.id,
                    "event": "task.changed",
                    "dedupe_key": f"bench{i}",
                    "payload": f'{{"event": "task.changed", "task": {{"id": {i}}}}}',
                    "created_at": NOW,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": NOW,
                    "last_response": "",
                }
                for i in range(DELIVERIES)
            ],
        )
        db.session.commit()
        started = time.perf_counter()
        while deliver_webhooks(db.session, now=NOW, limit=200).delivered:
            pass
        took = time.perf_counter() - started
    server.shutdown()
    return took, len(got)


def run(url: str, label: str) -> list[Row]:
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "CLOCK": SetClock(NOW)})
    data = populate(app)
    list_all(app, data)  # warm-up
    times: list[float] = []
    for _ in range(5):
        walk, statements, seen = list_all(app, data)
        times += walk
    assert seen == ACTIONS, seen
    took, got = deliveries(app, data)
    return [
        Row(
            label,
            f"API: {ACTIONS} tasks in pages of {PAGE}",
            len(times),
            *percentiles(times),
            f"{statements} SQL a page",
        ),
        Row(
            label, f"webhooks: {DELIVERIES} deliveries", got, took * 1000, took * 1000, f"{got / took:.0f}/s"
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    rows = on_databases(parser.parse_args().db, run)
    print("| database | measure | n | p50 ms | p95 ms | note |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row.database} | {row.what} | {row.n} | {row.p50:.1f} | {row.p95:.1f} | {row.note} |")


if __name__ == "__main__":
    main()
