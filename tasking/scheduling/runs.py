"""A durable tally of the scheduler's job runs, for /metrics.

Jobs run in the scheduler process while /metrics is served by the web
workers: the tally lives in the database (one row per job and outcome,
incremented in place) so that any worker, and a standby scheduler's
take-over, reports the same numbers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from tasking.core.claim import claim
from tasking.models import JobRunStat


def record_run(session: Session, *, job: str, ok: bool, seconds: float, now: datetime) -> None:
    """Count one run of ``job`` that took ``seconds``. Commits."""
    outcome = "ok" if ok else "error"
    claim(session, JobRunStat, job=job, outcome=outcome, runs=0, seconds_total=0.0, last_seconds=0.0)
    session.execute(
        update(JobRunStat)
        .where(JobRunStat.job == job, JobRunStat.outcome == outcome)
        .values(
            runs=JobRunStat.runs + 1,
            seconds_total=JobRunStat.seconds_total + seconds,
            last_run_at=now,
            last_seconds=seconds,
        )
    )
    session.commit()
