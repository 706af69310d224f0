"""Benchmark: building and queuing the weekly digests, and delivering them.

Builds a region of 20 municipalities × 150 tasks and 1,000 people (50 per
municipality, each owning and helping on tasks, with comments to read), then
measures:

- building and queuing the 1,000 personal digests (`notify digests`);
- building and queuing the regional digest (coordinators + each
  municipality's admins);
- delivering the whole outbox to a local aiosmtpd server (messages/s).

Aims: digests queued in under 10 s; delivery over 100 messages/s.

    .venv/bin/python bench/digests.py                 # on a fresh SQLite file
    .venv/bin/python bench/digests.py --db postgresql+psycopg://…/empty_db
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

MUNICIPALITIES = 20
PEOPLE_PER_MUNICIPALITY = 50
THEMES, OBJECTIVES, TASKS_PER_OBJECTIVE = 6, 5, 5  # 150 tasks per municipality
MONDAY_7 = datetime(2026, 11, 23, 12, 0)  # Monday 07:00 in Montréal
THURSDAY_8 = datetime(2026, 11, 26, 13, 0)  # Thursday 08:00 in Montréal


def build(db, models) -> None:
    """The region, its municipalities, people, plans, tasks and comments."""
    from sqlalchemy import insert

    # Created well before the slots measured, which a later creation would skip.
    created = MONDAY_7 - timedelta(days=60)
    region = models.Region(slug="mrc-bench", name="MRC du Banc d’essai", created_at=created)
    db.session.add(region)
    db.session.flush()
    today = MONDAY_7.date()
    for m in range(MUNICIPALITIES):
        org = models.Organisation(
            slug=f"ville-{m:02d}", name=f"Ville {m:02d}", region_id=region.id, created_at=created
        )
        db.session.add(org)
        db.session.flush()
        users = [
            {
                "email": f"p{m:02d}-{u:02d}@bench.qc.ca",
                "name": f"Personne {m:02d}-{u:02d}",
                "active": True,
                "locale": "fr_CA" if u % 5 else "en_CA",
                "session_epoch": 0,
                "created_at": MONDAY_7 - timedelta(days=60),
                "regional_region_id": region.id if m == 0 and u == 0 else None,
            }
            for u in range(PEOPLE_PER_MUNICIPALITY)
        ]
        user_ids = list(db.session.scalars(insert(models.User).returning(models.User.id), users))
        db.session.execute(
            insert(models.Membership),
            [
                {
                    "user_id": uid,
                    "organisation_id": org.id,
                    "role": "admin" if i == 0 else "member",
                    "created_at": MONDAY_7,
                }
                for i, uid in enumerate(user_ids)
            ],
        )
        plan = models.Plan(organisation_id=org.id, title=f"Plan {org.name}", created_at=created)
        db.session.add(plan)
        db.session.flush()
        tasks = []
        objective_ids = []
        for t in range(THEMES):
            theme = models.Theme(plan_id=plan.id, title=f"Enjeu {t + 3}", number=t + 3, position=t)
            db.session.add(theme)
            db.session.flush()
            for o in range(OBJECTIVES):
                objective = models.OperationalObjective(
                    theme_id=theme.id, title=f"Objectif {t}.{o}", position=o
                )
                db.session.add(objective)
                db.session.flush()
                objective_ids.append(objective.id)
                target = models.Target(
                    objective_id=objective.id, text=f"Cible {t}.{o}", target_value=100, unit="%"
                )
                db.session.add(target)
                db.session.flush()
                db.session.add(
                    models.Measurement(
                        target_id=target.id,
                        value=10 * (o + 1),
                        measured_on=today,
                        created_at=MONDAY_7 - timedelta(days=1),
                    )
                )
        for n in range(THEMES * OBJECTIVES * TASKS_PER_OBJECTIVE):
            status = ("todo", "in_progress", "blocked", "done", "todo")[n % 5]
            tasks.append(
                {
                    "plan_id": plan.id,
                    "objective_id": objective_ids[n // TASKS_PER_OBJECTIVE],
                    "title": f"Action {n:03d} de {org.name}",
                    "description": "",
                    "owner_id": user_ids[n % len(user_ids)],
                    "status": status,
                    "blocked_reason": "En attente" if status == "blocked" else "",
                    "due_date": today + timedelta(days=(n % 30) - 10),
                    "board_position": float(n),
                    "plan_position": n,
                    "version": 1,
                    "created_at": MONDAY_7 - timedelta(days=30),
                    "updated_at": MONDAY_7 - timedelta(days=3),
                    "completed_at": MONDAY_7 - timedelta(days=n % 10) if status == "done" else None,
                }
            )
        task_ids = list(db.session.scalars(insert(models.Task).returning(models.Task.id), tasks))
        db.session.execute(
            insert(models.task_collaborators),
            [
                {"task_id": tid, "user_id": user_ids[(i + 7) % len(user_ids)]}
                for i, tid in enumerate(task_ids)
            ],
        )
        db.session.execute(
            insert(models.Notification),
            [
                {
                    "user_id": user_ids[i % len(user_ids)],
                    "kind": ("comment", "mention", "status")[i % 3],
                    "task_id": tid,
                    "actor_id": user_ids[(i + 1) % len(user_ids)],
                    "detail": "todo" if i % 3 == 2 else "Un commentaire sur l’avancement de l’action.",
                    "created_at": MONDAY_7 - timedelta(days=2),
                }
                for i, tid in enumerate(task_ids[:100])
            ],
        )
    db.session.commit()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", help="an empty database URL (default: a fresh SQLite file)")
    args = parser.parse_args()

    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from tasking import create_app, models
    from tasking.extensions import db
    from tasking.outbox.sender import deliver
    from tasking.scheduling.jobs import run_digests, run_regional_digests

    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or "sqlite:///" + str(Path(tmp) / "bench.db")
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        # The SMTP server in its own process, as a real one would be.
        smtp = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{port}",
                "-c",
                "aiosmtpd.handlers.Sink",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(100):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "SECRET_KEY": "bench",
                "MAIL_SERVER": "127.0.0.1",
                "MAIL_PORT": port,
                "MAIL_DEFAULT_SENDER": "Rétablir <no-reply@bench.test>",
                "APP_BASE_URL": "http://bench.test",
            }
        )
        import logging

        logging.getLogger().setLevel(logging.WARNING)
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            build(db, models)
            tasks = THEMES * OBJECTIVES * TASKS_PER_OBJECTIVE
            people = MUNICIPALITIES * PEOPLE_PER_MUNICIPALITY
            built = time.perf_counter() - started
            print(f"data: {MUNICIPALITIES} municipalities × {tasks} tasks, {people} people ({built:.1f} s)")

            db.session.remove()  # the jobs start from a fresh session, as in `notify …`

            started, cpu = time.perf_counter(), time.process_time()
            personal = run_digests(db.session, now=MONDAY_7)
            personal_s = time.perf_counter() - started
            print(
                f"personal digests: {personal.as_line()} in {personal_s:.2f} s "
                f"(CPU {time.process_time() - cpu:.2f} s)"
            )
            db.session.remove()

            started, cpu = time.perf_counter(), time.process_time()
            regional = run_regional_digests(db.session, now=THURSDAY_8)
            regional_s = time.perf_counter() - started
            regional_cpu = time.process_time() - cpu
            print(f"regional digest:  {regional.as_line()} in {regional_s:.2f} s (CPU {regional_cpu:.2f} s)")
            db.session.remove()

            pending = db.session.scalar(select(func.count(models.OutboxMessage.id)))
            size = db.session.scalar(
                select(
                    func.avg(
                        func.length(models.OutboxMessage.body_text)
                        + func.length(models.OutboxMessage.body_html)
                    )
                )
            )
            db.session.remove()
            started, cpu = time.perf_counter(), time.process_time()
            report = deliver(db.session, now=THURSDAY_8, worker="bench")
            delivery_s = time.perf_counter() - started
            rate = report.sent / delivery_s if delivery_s else 0.0
            print(
                f"delivery: {report.as_line()} of {pending} in {delivery_s:.2f} s = {rate:.0f} messages/s "
                f"(sender CPU {time.process_time() - cpu:.2f} s, mean bodies {size / 1024:.1f} KiB)"
            )
            total = personal_s + regional_s
            print(
                f"aims: digests queued {total:.2f} s (< 10 s: {'yes' if total < 10 else 'NO'}); "
                f"delivery {rate:.0f} msg/s (> 100: {'yes' if rate > 100 else 'NO'})"
            )
            db.session.remove()
            db.engine.dispose()
        smtp.terminate()
        smtp.wait(10)
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
