"""Benchmark of the region's weekly meeting.

Builds the region of bench/digests.py (20 municipalities × 150 actions,
1,000 people), then measures:

- drafting the agenda (from the regional digest's summary: the items
  needing the region, the open follow-ups, each municipality's round), n times;
- preparing the meeting once (the regional plan created on first use, the
  agenda written, the invitations queued to the participants);
- the meeting page (server time in process, Flask's test client) for the
  regional coordinator and for a municipality's admin, once the meeting has
  a note, a decision and a follow-up on every item;
- the regional dashboard once the meeting is closed and eleven past weeks of
  every plan's counts are recorded (its trend, follow-ups and attendance).

Aims: agenda under 1 s; meeting page p95 under 100 ms; the regional dashboard
p95 under 150 ms (as in bench/province.py).

    .venv/bin/python bench/meetings.py                  # SQLite (temporary file) and PostgreSQL
    .venv/bin/python bench/meetings.py --db sqlite      # one of them
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from databases import notices_read, on_databases  # noqa: E402
from digests import MUNICIPALITIES, OBJECTIVES, TASKS_PER_OBJECTIVE, THEMES, build  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import insert, select, text, update  # noqa: E402
from werkzeug.security import generate_password_hash  # noqa: E402

from tasking import create_app, models  # noqa: E402
from tasking.core.calendar import iso_week  # noqa: E402
from tasking.core.clock import SetClock  # noqa: E402
from tasking.extensions import db  # noqa: E402
from tasking.meetings import closing, services  # noqa: E402
from tasking.meetings.agenda import draft_agenda  # noqa: E402
from tasking.meetings.invitation import invite  # noqa: E402

PASSWORD = "Banc-Essai-2026"
#: Wednesday 25 November 2026, 10:00 in Montréal: the day before the meeting.
WEDNESDAY = datetime(2026, 11, 25, 15, 0)
COORDINATOR, ADMIN = "p00-00@bench.qc.ca", "p05-00@bench.qc.ca"


def percentiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return statistics.median(times), cuts[18]


def login(client, email: str) -> None:  # noqa: ANN001
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 303, response.status_code


def populate() -> None:
    """The region, and passwords for the two people who open the pages
    (who, like everyone, have read the privacy notice)."""
    upgrade()
    build(db, models)
    db.session.execute(
        update(models.User)
        .where(models.User.email.in_([COORDINATOR, ADMIN]))
        .values(password_hash=generate_password_hash(PASSWORD))
    )
    notices_read(db.session, WEDNESDAY)
    db.session.execute(text("ANALYZE"))
    db.session.commit()


def agenda(n: int) -> tuple[list[float], int]:
    """Wall times (ms) of drafting the agenda, and its length."""
    region = db.session.scalar(select(models.Region))
    times, drafts = [], []
    for _ in range(n + 1):
        db.session.expire_all()
        started = time.perf_counter()
        drafts = draft_agenda(db.session, region, now=WEDNESDAY, since=WEDNESDAY - timedelta(days=7))
        times.append((time.perf_counter() - started) * 1000)
    return times[1:], len(drafts)


def prepare() -> tuple[float, models.Meeting]:
    """Prepare the meeting once (regional plan, agenda, invitations), then
    write a note, a decision and a follow-up on every item."""
    region = db.session.scalar(select(models.Region))
    coordinator = db.session.scalar(select(models.User).where(models.User.email == COORDINATOR))
    started = time.perf_counter()
    meeting = services.prepare_meeting(db.session, region=region, actor=coordinator, now=WEDNESDAY)
    invite(db.session, meeting=meeting, now=WEDNESDAY)
    db.session.commit()
    took = (time.perf_counter() - started) * 1000
    owner = db.session.scalar(select(models.User).where(models.User.email == "p07-03@bench.qc.ca"))
    for item in list(meeting.items):
        services.set_note(db.session, meeting=meeting, item_id=item.id, note="Point discuté en séance.")
        services.add_decision(
            db.session,
            meeting=meeting,
            item_id=item.id,
            text="La MRC relance.",
            actor=coordinator,
            now=WEDNESDAY,
        )
        services.add_follow_up(
            db.session,
            meeting=meeting,
            item_id=item.id,
            title=f"Suivi de « {item.title[:40]} »",
            owner_id=owner.id,
            due_date="2026-12-03",
            actor=coordinator,
            now=WEDNESDAY,
        )
    db.session.commit()
    return took, meeting


def weeks_and_minutes(meeting: models.Meeting) -> str:
    """Eleven past weeks of each municipality's plan counts (as the regional
    digest job records them) and the meeting closed; the dashboard's URL."""
    plans = db.session.execute(
        select(models.Plan.id, models.Plan.organisation_id)
        .join(models.Organisation, models.Organisation.id == models.Plan.organisation_id)
        .where(models.Organisation.region_id == meeting.region_id)
    ).all()
    rows = [
        {
            "plan_id": plan_id,
            "organisation_id": org_id,
            "week": iso_week(WEDNESDAY.date() - timedelta(weeks=back)),
            "total": 150,
            "done": 40 - back * 3,
            "overdue": back % 4,
            "blocked": 2,
            "recorded_at": WEDNESDAY - timedelta(weeks=back),
        }
        for back in range(1, 12)
        for plan_id, org_id in plans
    ]
    db.session.execute(insert(models.PlanWeek), rows)
    coordinator = db.session.scalar(select(models.User).where(models.User.email == COORDINATOR))
    closing.close_meeting(db.session, meeting=meeting, actor=coordinator, now=WEDNESDAY)
    db.session.commit()
    return f"/regions/{meeting.region.slug}/dashboard"


def page_times(app, url: str, email: str, n: int) -> tuple[list[float], float, int]:  # noqa: ANN001
    """Wall times (ms) of ``n`` GETs of the page, mean CPU ms, page size."""
    client = app.test_client()
    login(client, email)
    first = client.get(url)
    assert first.status_code == 200, first.status_code
    times = []
    cpu = time.process_time()
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return times, (time.process_time() - cpu) * 1000 / n, len(first.data)


def page_rows(app, label: str, measure: str, url: str, what: str, n: int) -> list[str]:  # noqa: ANN001
    """The page's times for the regional coordinator and for a municipality's admin."""
    rows = []
    for who, email in (("coordinator", COORDINATOR), ("municipal admin", ADMIN)):
        times, cpu, size = page_times(app, url, email, n)
        p50, p95 = percentiles(times)
        note = what.format(size=f"{size / 1024:.0f} KB")
        rows.append(f"| {label} | {measure}, {who} | {n} | {p50:.1f} | {p95:.1f} | {cpu:.1f} | {note} |")
    return rows


def run(url: str, label: str, n: int) -> list[str]:
    print(f"== {label}: generating…", file=sys.stderr)
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "bench",
            "MAIL_SERVER": None,
            "APP_BASE_URL": "http://bench.test",
            "CLOCK": SetClock(WEDNESDAY),
        }
    )
    rows = []
    with app.app_context():
        populate()
        times, length = agenda(n)
        p50, p95 = percentiles(times)
        rows.append(
            f"| {label} | agenda drafted ({length} items) | {n} | {p50:.1f} | {p95:.1f} | | aim < 1000 ms |"
        )
        took, meeting = prepare()
        rows.append(f"| {label} | meeting prepared (plan, agenda, invitations) | 1 | {took:.1f} | | | |")
        path = f"/regions/{meeting.region.slug}/meetings/{meeting.id}"
        meeting_id = meeting.id
        items = len(meeting.items)
        db.session.remove()
    rows += page_rows(app, label, "meeting page", path, f"{items} items, {{size}}; aim p95 < 100 ms", n)
    with app.app_context():
        dashboard = weeks_and_minutes(db.session.get(models.Meeting, meeting_id))
        db.session.remove()
    what = f"12 weeks, {items} follow-ups, {{size}}; aim p95 < 150 ms (bench/province.py)"
    rows += page_rows(app, label, "regional dashboard", dashboard, what, n)
    with app.app_context():
        db.engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("-n", type=int, default=60, help="iterations per measure")
    args = parser.parse_args()
    logging.getLogger().setLevel(logging.WARNING)
    rows: list[str] = on_databases(args.db, lambda url, label: run(url, label, args.n))
    tasks = THEMES * OBJECTIVES * TASKS_PER_OBJECTIVE
    print(f"Region: {MUNICIPALITIES} municipalities × {tasks} actions.")
    print(f"Machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end.\n")
    print("| database | measure | n | p50 ms | p95 ms | CPU ms | note |")
    print("|---|---|---:|---:|---:|---:|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
