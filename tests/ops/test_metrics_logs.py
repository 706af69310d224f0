"""/metrics behind its token, request and job figures; request ids and JSON
log lines; and the same across two gunicorn workers."""

import json
import logging
import os
import re
import signal
import socket
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from tasking.core.clock import SetClock
from tasking.extensions import db
from tasking.models import JobRunStat, OutboxMessage
from tasking.ops.logs import JsonFormatter
from tasking.scheduling import lease
from tasking.scheduling.scheduler import Scheduler
from tests.conftest import real_clock_env

ROOT = Path(__file__).resolve().parent.parent.parent
TOKEN = "s3cret-metrics-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NOW = datetime(2026, 11, 23, 14, 0)


def samples(text: str) -> dict:
    """{(sample name, frozenset of labels): value} of a scrape."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scrape: dict, name: str, **labels) -> float:
    return scrape.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def metrics_app(app):
    app.config["METRICS_TOKEN"] = TOKEN
    app.config["CLOCK"] = SetClock(NOW)
    return app


def test_no_token_configured_means_no_metrics(client):
    assert client.get("/metrics", headers=AUTH).status_code == 404


def test_token_is_required(metrics_app, client):
    assert client.get("/metrics").status_code == 401
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    assert wrong.headers["WWW-Authenticate"].startswith("Bearer")
    right = client.get("/metrics", headers=AUTH)
    assert right.status_code == 200
    assert right.content_type.startswith("text/plain")


def test_requests_counted_by_route_and_status(metrics_app, client):
    before = samples(client.get("/metrics", headers=AUTH).get_data(as_text=True))
    for _ in range(3):
        assert client.get("/login").status_code == 200
    client.get("/tasks/12345")  # signed out: sent to the login page
    after = samples(client.get("/metrics", headers=AUTH).get_data(as_text=True))

    login = {"route": "/login", "method": "GET", "status": "200"}
    assert (
        value(after, "retablir_http_requests_total", **login)
        - value(before, "retablir_http_requests_total", **login)
        == 3
    )
    # The URL rule, not the raw path: one series however many tasks there are.
    task = {"route": "/tasks/<int:task_id>", "method": "GET", "status": "302"}
    assert value(after, "retablir_http_requests_total", **task) >= 1
    assert not any("12345" in str(labels) for _name, labels in after)
    latency = {"route": "/login", "method": "GET"}
    assert (
        value(after, "retablir_http_request_duration_seconds_count", **latency)
        - value(before, "retablir_http_request_duration_seconds_count", **latency)
        == 3
    )


def test_outbox_scheduler_and_jobs_from_the_database(metrics_app, client):
    for key, status in (("a", "pending"), ("b", "pending"), ("c", "sent"), ("d", "failed")):
        db.session.add(
            OutboxMessage(
                dedupe_key=key, message_id=f"<{key}@t>", kind="test", recipient="a@b.ca",
                subject="s", body_text="b", status=status, created_at=NOW - timedelta(minutes=10),
                next_attempt_at=NOW - timedelta(minutes=10),
            )
        )  # fmt: skip
    db.session.commit()
    lease.acquire(db.session, holder="h", now=NOW - timedelta(seconds=20), ttl=timedelta(seconds=60))
    # The scheduler's own run of a job is what /metrics reports.
    scheduler = Scheduler(metrics_app, holder="h")
    scheduler.holding = True
    scheduler.run_job("reminders")
    scheduler.run_job("reminders")

    scrape = samples(client.get("/metrics", headers=AUTH).get_data(as_text=True))

    assert value(scrape, "retablir_outbox_messages", state="waiting") == 2
    assert value(scrape, "retablir_outbox_messages", state="sent") == 1
    assert value(scrape, "retablir_outbox_messages", state="failed") == 1
    assert value(scrape, "retablir_outbox_oldest_waiting_seconds") == 600
    assert value(scrape, "retablir_scheduler_heartbeat_age_seconds") == 20
    assert value(scrape, "retablir_job_runs_total", job="reminders", outcome="ok") == 2
    assert value(scrape, "retablir_job_duration_seconds_count", job="reminders", outcome="ok") == 2
    stat = db.session.get(JobRunStat, ("reminders", "ok"))
    assert value(scrape, "retablir_job_duration_seconds_sum", job="reminders", outcome="ok") == pytest.approx(
        stat.seconds_total
    )
    assert stat.last_run_at == NOW


def test_request_id_honoured_or_made_and_logged(client, caplog):
    with caplog.at_level(logging.INFO, logger="tasking.requests"):
        given = client.get("/login", headers={"X-Request-ID": "lb-7f3a.42"})
        forged = client.get("/login", headers={"X-Request-ID": 'x" FAKE="line'})
    assert given.headers["X-Request-ID"] == "lb-7f3a.42"
    assert re.fullmatch(r"[0-9a-f]{32}", forged.headers["X-Request-ID"])
    lines = [r for r in caplog.records if r.name == "tasking.requests"]
    assert [r.request_id for r in lines] == ["lb-7f3a.42", forged.headers["X-Request-ID"]]
    parsed = json.loads(JsonFormatter().format(lines[0]))
    assert parsed["request_id"] == "lb-7f3a.42"
    assert (parsed["method"], parsed["path"], parsed["route"], parsed["status"]) == (
        "GET",
        "/login",
        "/login",
        200,
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def gunicorn(app, _schema, tmp_path):
    """Two gunicorn workers on the test database, JSON logs, multiprocess metrics."""
    port = free_port()
    (tmp_path / "prom").mkdir()
    env = {
        **real_clock_env(dict(os.environ)),
        "DATABASE_URL": _schema,
        "SECRET_KEY": "k" * 64,
        "METRICS_TOKEN": TOKEN,
        "LOG_FORMAT": "json",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prom"),
    }
    stderr = open(tmp_path / "stderr.log", "w")  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--no-control-socket",
         "--bind", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=stderr,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            ready = requests.get(base + "/readyz", timeout=10)
            if ready.status_code == 200:
                break
            time.sleep(0.2)
        except requests.RequestException:
            time.sleep(0.2)
    yield base, tmp_path / "stderr.log"
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)
    stderr.close()


def test_two_workers_agree_and_log_json(gunicorn):
    base, stderr = gunicorn
    for number in range(30):
        # A new connection each time: the requests spread over both workers.
        response = requests.get(base + "/login", headers={"X-Request-ID": f"req-{number}"}, timeout=5)
        assert response.status_code == 200
        assert response.headers["X-Request-ID"] == f"req-{number}"
    scrapes = [samples(requests.get(base + "/metrics", headers=AUTH, timeout=5).text) for _ in range(4)]
    login = {"route": "/login", "method": "GET", "status": "200"}
    # Whichever worker answers the scrape, it adds up every worker's requests.
    assert {value(scrape, "retablir_http_requests_total", **login) for scrape in scrapes} == {30}

    lines = [json.loads(line) for line in stderr.read_text().splitlines() if line.startswith("{")]
    request_lines = [
        line for line in lines if line["logger"] == "tasking.requests" and line["path"] == "/login"
    ]
    assert {line["request_id"] for line in request_lines} == {f"req-{n}" for n in range(30)}
    assert all(line["status"] == 200 and line["level"] == "INFO" for line in request_lines)
