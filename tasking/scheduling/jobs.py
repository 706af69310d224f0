"""The scheduler's jobs, also run by `notify …`: each calls the services and
commits in steps, so a job stopped half-way keeps what it did and a second
run queues nothing twice. The modules they call never commit. With
``commit=False`` (`--dry-run`) a job only flushes and its caller rolls back."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.extensions import db
from tasking.models import Organisation, User
from tasking.outbox.dry_run import end_step
from tasking.scheduling.digests import DigestReport, build_digests, queue_digests
from tasking.scheduling.regional import RegionalReport, digest_region, due_regions
from tasking.scheduling.reminder_mail import Wording
from tasking.scheduling.reminders import ReminderReport, remind_organisations

#: Organisations reminded together (a few statements for all of them), then committed.
ORGANISATIONS_PER_STEP = 25
#: Steps run side by side on PostgreSQL, each in its own session: while the
#: database writes one step's rows, the other's e-mails are composed.
PARALLEL_STEPS = 2


def run_reminders(session: Session, *, now: datetime, commit: bool = True) -> ReminderReport:
    """The reminders job: every organisation, ``ORGANISATIONS_PER_STEP`` at a
    time, committing after each step (the e-mails' words and templates,
    rendered once, serve them all). A dry run (``commit`` False) stays in the
    caller's one session, which rolls it all back."""
    ids = session.scalars(select(Organisation.id).order_by(Organisation.id)).all()
    steps = [
        ids[start : start + ORGANISATIONS_PER_STEP] for start in range(0, len(ids), ORGANISATIONS_PER_STEP)
    ]
    wording = Wording()
    if not commit or session.get_bind().dialect.name != "postgresql" or len(steps) < 2:
        return _remind_steps(session, steps, now, wording, commit)
    app = current_app._get_current_object()

    def worker(share: list[list[int]]) -> ReminderReport:
        with app.app_context():
            try:
                return _remind_steps(db.session, share, now, wording, True)
            finally:
                db.session.remove()

    report = ReminderReport()
    with ThreadPoolExecutor(PARALLEL_STEPS) as pool:
        for done in pool.map(worker, [steps[k::PARALLEL_STEPS] for k in range(PARALLEL_STEPS)]):
            report.add(done)
    return report


def _remind_steps(
    session: Session, steps: list[list[int]], now: datetime, wording: Wording, commit: bool
) -> ReminderReport:
    report = ReminderReport()
    for ids in steps:
        # Read after the last commit: one query for the step, not one per organisation.
        step = session.scalars(
            select(Organisation).where(Organisation.id.in_(ids)).order_by(Organisation.id)
        ).all()
        report.add(remind_organisations(session, step, now=now, wording=wording))
        end_step(session, commit)
    return report


def run_digests(
    session: Session, *, now: datetime, batch_size: int = 100, commit: bool = True
) -> DigestReport:
    """The digests job: build what is due, record and queue it, committing
    after each batch of ``batch_size`` people."""
    report = DigestReport()
    digests = build_digests(session, now=now)
    for start in range(0, len(digests), batch_size):
        batch = digests[start : start + batch_size]
        # The commit expired the people read by build_digests: one query
        # reloads a batch of them, rather than one query each.
        session.scalars(select(User).where(User.id.in_([d.user.id for d in batch]))).all()
        done = queue_digests(session, batch, now=now)
        end_step(session, commit)
        report.queued += done.queued
        report.empty += done.empty
    return report


def run_regional_digests(session: Session, *, now: datetime, commit: bool = True) -> RegionalReport:
    """The regional digest job: every region whose slot is due, committing after each."""
    report = RegionalReport()
    for region, period in due_regions(session, now=now):
        report.queued += digest_region(session, region, period, now=now)
        end_step(session, commit)
    return report
