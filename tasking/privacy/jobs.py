"""The retention job, run by the scheduler and `privacy retention`: each
person past their organisations' retention is pseudonymised and committed
on their own, so a job stopped half-way keeps what it did and a second run
does nothing twice (the record per person is the claim)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from tasking.outbox.dry_run import end_step
from tasking.privacy.retention import due_people, pseudonymise


@dataclass
class RetentionReport:
    pseudonymised: int = 0

    def as_line(self) -> str:
        return f"pseudonymised={self.pseudonymised}"


def run_retention(session: Session, *, now: datetime, commit: bool = True) -> RetentionReport:
    """Pseudonymise everyone due at ``now``, committing after each person."""
    report = RetentionReport()
    for due in due_people(session, now):
        pseudonymise(session, due, now)
        end_step(session, commit)
        report.pseudonymised += 1
    return report
