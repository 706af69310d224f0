"""The scheduler process (`flask --app wsgi scheduler run`).

APScheduler 3 (BlockingScheduler) runs, in this process only:

- the reminders, every 15 minutes;
- the personal and regional digests, every 15 minutes: each run queues the
  weekly slots that are due in each organisation's or region's time zone,
  so one trigger serves every time zone and a slot missed while the process
  was down is caught up (within its week);
- the weekly check-in (rounds due to open, late reminders), every 15 minutes;
- the outbox and the webhooks' deliveries, every ``outbox_seconds`` (30 s);
- the security log's purge of entries past ``SECURITY_LOG_DAYS``, hourly.
- the retention of deactivated accounts' personal data, every hour.

Only the holder of the lease acts: a heartbeat renews it every third of its
length; a second scheduler stands by and takes over when the lease expires.
On taking the lease (at start or on take-over) every job runs once, which
catches up what was missed. SIGTERM or SIGINT stops it cleanly: running jobs
finish and the lease is given up so a standby takes over at once.

Every job is idempotent on its own (unique rows, claimed outbox rows), so a
job running in two places at once still sends each message once.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers import SchedulerNotRunningError
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from flask import Flask
from sqlalchemy.orm import Session

from tasking.checkins.jobs import run_checkins
from tasking.extensions import db
from tasking.outbox.sender import deliver, worker_name
from tasking.privacy.jobs import run_retention
from tasking.scheduling import lease
from tasking.scheduling.jobs import run_digests, run_regional_digests, run_reminders
from tasking.scheduling.runs import record_run
from tasking.securitylog.jobs import run_purge
from tasking.webhooks.jobs import run_webhooks

log = logging.getLogger(__name__)


def send_outbox(session: Session, *, now: datetime):
    """The outbox job: deliver what is due."""
    return deliver(session, now=now, worker=worker_name())


#: job id → the job (a function of (session, now=)).
JOBS: dict[str, Callable] = {
    "reminders": run_reminders,
    "digests": run_digests,
    "regional-digests": run_regional_digests,
    "outbox": send_outbox,
    "checkins": run_checkins,
    "webhooks": run_webhooks,
    "security-log": run_purge,
    "retention": run_retention,
}


class Scheduler:
    """The jobs on their triggers, acting only while holding the lease."""

    def __init__(
        self,
        app: Flask,
        *,
        lease_seconds: int = 60,
        outbox_seconds: int = 30,
        clock_offset: timedelta | None = None,
        holder: str | None = None,
    ):
        self.app = app
        self.ttl = timedelta(seconds=lease_seconds)
        self.outbox_seconds = outbox_seconds
        self.offset = clock_offset or timedelta(0)
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.holding = False
        self._lock = threading.Lock()
        self.scheduler = BlockingScheduler(
            # The heartbeat has a thread of its own: long jobs never delay the renewal.
            executors={
                "default": ThreadPoolExecutor(max_workers=2),
                "lease": ThreadPoolExecutor(max_workers=1),
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300},
            timezone="UTC",
        )

    def now(self) -> datetime:
        return self.app.config["CLOCK"]() + self.offset

    def heartbeat(self) -> None:
        """Take or renew the lease; on taking it, run every job once (catch-up)."""
        with self.app.app_context():
            try:
                held = lease.acquire(db.session, holder=self.holder, now=self.now(), ttl=self.ttl)
            except Exception:
                db.session.rollback()
                log.exception("Could not renew the scheduler lease")
                held = False
            finally:
                db.session.remove()
        with self._lock:
            taken, self.holding = held and not self.holding, held
        if taken:
            log.info("Scheduler %s holds the lease: catching up every job", self.holder)
            for job_id in JOBS:
                self.scheduler.add_job(
                    self.run_job, args=[job_id], id=f"catch-up:{job_id}", replace_existing=True
                )
        elif not held:
            log.debug("Scheduler %s stands by", self.holder)

    def run_job(self, job_id: str) -> None:
        """Run one job in its own app context, if this scheduler holds the lease."""
        if not self.holding:
            return
        with self.app.app_context():
            started, ok = time.perf_counter(), False
            try:
                result = JOBS[job_id](db.session, now=self.now())
                ok = True
                # Every few seconds a job finds nothing to do: say so only when debugging.
                did_something = any(value for name, value in asdict(result).items() if name != "waiting")
                log.log(logging.INFO if did_something else logging.DEBUG, "%s: %s", job_id, result.as_line())
            except Exception:
                db.session.rollback()
                log.exception("Job %s failed; it runs again at its next time", job_id)
            finally:
                self.record(job_id, ok, time.perf_counter() - started)
                db.session.remove()

    def record(self, job_id: str, ok: bool, seconds: float) -> None:
        """Count the run for /metrics; a failure to count never stops the scheduler."""
        try:
            record_run(db.session, job=job_id, ok=ok, seconds=seconds, now=self.now())
        except Exception:
            db.session.rollback()
            log.exception("Could not record the run of job %s", job_id)

    def add_jobs(self) -> None:
        every = max(int(self.ttl.total_seconds() // 3), 1)
        self.scheduler.add_job(
            self.heartbeat, IntervalTrigger(seconds=every), id="heartbeat", executor="lease"
        )
        quarter = CronTrigger(minute="*/15", timezone="UTC")
        for job_id in ("reminders", "digests", "regional-digests", "checkins"):
            self.scheduler.add_job(self.run_job, quarter, args=[job_id], id=job_id)
        # Retention (the security log's, deactivated accounts') counts in days: hourly is plenty.
        for job_id, minute in (("security-log", 40), ("retention", 45)):
            self.scheduler.add_job(
                self.run_job, CronTrigger(minute=minute, timezone="UTC"), args=[job_id], id=job_id
            )
        for job_id in ("outbox", "webhooks"):
            self.scheduler.add_job(
                self.run_job, IntervalTrigger(seconds=self.outbox_seconds), args=[job_id], id=job_id
            )

    def stop(self, *_args) -> None:
        """Signal handler: let running jobs finish (they commit what they did)
        and stop; ``run`` then gives the lease up."""
        log.info("Scheduler %s stopping", self.holder)
        with contextlib.suppress(SchedulerNotRunningError):
            self.scheduler.shutdown(wait=True)

    def run(self) -> None:
        """Block until SIGTERM/SIGINT; give the lease up on the way out."""
        # APScheduler logs every run of every job at INFO: a line every few seconds.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
        self.add_jobs()
        self.heartbeat()
        log.info("Scheduler %s started (%s)", self.holder, "active" if self.holding else "standby")
        try:
            self.scheduler.start()
        finally:
            self.holding = False
            with self.app.app_context():
                lease.release(db.session, holder=self.holder, now=self.now())
                db.session.remove()
            log.info("Scheduler %s stopped", self.holder)
