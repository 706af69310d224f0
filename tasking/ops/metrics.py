"""`GET /metrics`: Prometheus text format, behind a Bearer token.

Request counts and latencies are recorded by each web worker. Under gunicorn
several worker processes serve requests, so with ``PROMETHEUS_MULTIPROC_DIR``
set (the unit file and scripts/run set it) prometheus_client writes them to
shared files and a scrape adds every worker up; without it (one process,
tests) they live in this process. The outbox and the scheduler's jobs are
read from the database at scrape time, so every worker reports the same.
"""

from __future__ import annotations

import hmac
import os
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, jsonify, request
from flask_babel import gettext as _
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.core import clock
from tasking.extensions import db
from tasking.health.status import outbox_status
from tasking.models import JobRunStat, OutboxMessage
from tasking.scheduling.lease import last_heartbeat

bp = Blueprint("ops", __name__)

# A registry of our own: the app factory runs many times in one process
# (tests), and metrics may be created only once per registry.
LOCAL = CollectorRegistry()
REQUESTS = Counter(
    "retablir_http_requests",
    "HTTP requests answered, by route (the URL rule, not the raw path), method and status.",
    ["route", "method", "status"],
    registry=LOCAL,
)
LATENCY = Histogram(
    "retablir_http_request_duration_seconds",
    "Time to answer an HTTP request, by route and method.",
    ["route", "method"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
    registry=LOCAL,
)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


#: (route, method, status) → its counter and histogram: ``labels()`` checks
#: and locks at each call; the children it returns stay the same.
_series: dict[tuple[str, str, int], tuple] = {}


def start_timer() -> None:
    g.started = time.perf_counter()


def observe(response: Response) -> Response:
    now = time.perf_counter()
    seconds = now - g.get("started", now)
    asked = request._get_current_object()
    rule = asked.url_rule
    key = (rule.rule if rule is not None else "<unmatched>", asked.method, response.status_code)
    series = _series.get(key)
    if series is None:
        route, method, status = key
        series = _series[key] = (REQUESTS.labels(route, method, str(status)), LATENCY.labels(route, method))
    series[0].inc()
    series[1].observe(seconds)
    return response


class DatabaseCollector:
    """Outbox, scheduler and job figures, read once per scrape."""

    def __init__(self, session: Session, now) -> None:  # noqa: ANN001
        self.session = session
        self.now = now

    def collect(self):
        by_status = dict(
            self.session.execute(
                select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status)
            ).all()
        )
        outbox = GaugeMetricFamily(
            "retablir_outbox_messages", "E-mails in the outbox by state.", labels=["state"]
        )
        for state, status in (("sent", "sent"), ("failed", "failed"), ("waiting", "pending")):
            outbox.add_metric([state], by_status.get(status, 0))
        yield outbox
        oldest = outbox_status(self.session, now=self.now)["oldest_pending_seconds"]
        yield GaugeMetricFamily(
            "retablir_outbox_oldest_waiting_seconds",
            "Age of the oldest e-mail waiting to be sent (0 when none waits).",
            value=oldest or 0,
        )
        beat = last_heartbeat(self.session)
        if beat is not None:
            yield GaugeMetricFamily(
                "retablir_scheduler_heartbeat_age_seconds",
                "Seconds since the active scheduler last renewed its lease.",
                value=(self.now - beat).total_seconds(),
            )
        yield from self.jobs()

    def jobs(self):
        runs = CounterMetricFamily(
            "retablir_job_runs", "Scheduler job runs, by job and outcome.", labels=["job", "outcome"]
        )
        durations = SummaryMetricFamily(
            "retablir_job_duration_seconds", "Time scheduler jobs took.", labels=["job", "outcome"]
        )
        last = GaugeMetricFamily(
            "retablir_job_last_duration_seconds",
            "Time the last run of a job took.",
            labels=["job", "outcome"],
        )
        for stat in self.session.scalars(select(JobRunStat).order_by(JobRunStat.job, JobRunStat.outcome)):
            labels = [stat.job, stat.outcome]
            runs.add_metric(labels, stat.runs)
            durations.add_metric(labels, count_value=stat.runs, sum_value=stat.seconds_total)
            last.add_metric(labels, stat.last_seconds)
        yield from (runs, durations, last)


def _authorised(token: str) -> bool:
    scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@bp.route("/metrics")
def metrics():
    token = current_app.config["METRICS_TOKEN"]
    if not token:
        abort(404)
    if not _authorised(token):
        answer = jsonify({"error": _("A valid metrics token is required.")})
        return answer, 401, {"WWW-Authenticate": 'Bearer realm="metrics"'}
    registry = CollectorRegistry()
    if multiprocess_dir():
        MultiProcessCollector(registry)
    else:
        registry.register(_Local())
    registry.register(DatabaseCollector(db.session, clock.now()))
    return Response(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)


class _Local:
    """This process's request metrics, for a scrape outside multiprocess mode."""

    def collect(self):
        return LOCAL.collect()


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    # First in, last out: the timer starts before any other hook and the
    # response is counted after every other hook changed it.
    app.before_request_funcs.setdefault(None, []).insert(0, start_timer)
    app.after_request_funcs.setdefault(None, []).insert(0, observe)
