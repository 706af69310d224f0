"""The scheduler's job that keeps the security log to its set period
(``SECURITY_LOG_DAYS``): older entries are deleted. Safe to run twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from tasking.securitylog.services import purge


@dataclass
class PurgeReport:
    purged: int = 0

    def as_line(self) -> str:
        return f"purged={self.purged}"


def run_purge(session: Session, *, now: datetime) -> PurgeReport:
    """Delete the entries older than the period, and commit."""
    purged = purge(session, now=now, days=current_app.config["SECURITY_LOG_DAYS"])
    session.commit()
    return PurgeReport(purged)
