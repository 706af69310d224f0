"""The check-in jobs, run by the scheduler and `checkins open|remind`: each
calls the round services and commits after every organisation or round, so
a job stopped half-way keeps what it did and a second run sends nothing twice.
The services they call never commit; with ``commit=False`` (`--dry-run`)
the jobs only flush and their caller rolls back."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from tasking.checkins.partners import invite_partners
from tasking.checkins.rounds import (
    CheckinReport,
    current_round,
    open_round,
    organisations,
    rounds_to_remind,
    send_late_reminders,
)
from tasking.outbox.dry_run import end_step


def open_due_rounds(
    session: Session, *, now: datetime, org_slug: str | None = None, commit: bool = True
) -> CheckinReport:
    """Open the rounds due at ``now`` and queue their e-mails, committing
    after each organisation. ServiceError for an unknown ``org_slug``."""
    report = CheckinReport()
    for organisation in organisations(session, org_slug):
        opened, queued = open_round(session, organisation, now)
        checkin = current_round(session, organisation.id, now)
        if checkin is not None:
            # Partner contacts of the round's actions: one e-mail per address.
            queued += invite_partners(session, checkin, now)
        end_step(session, commit)
        report.opened += opened
        report.queued += queued
    return report


def remind_late(
    session: Session, *, now: datetime, org_slug: str | None = None, commit: bool = True
) -> CheckinReport:
    """Send the late reminders due at ``now``, committing after each round."""
    report = CheckinReport()
    organisation_ids = [o.id for o in organisations(session, org_slug)]
    for checkin in rounds_to_remind(session, organisation_ids, now):
        report.reminded += send_late_reminders(session, checkin, now)
        end_step(session, commit)
    return report


def run_checkins(session: Session, *, now: datetime) -> CheckinReport:
    """The scheduler's job: open due rounds, then send due late reminders."""
    report = open_due_rounds(session, now=now)
    report.reminded = remind_late(session, now=now).reminded
    return report
