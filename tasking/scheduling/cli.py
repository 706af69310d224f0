"""`notify reminders|digests|regional-digest [--now ISO]` and `scheduler run`.

Thin callers of the jobs: each queues what is due at ``--now`` (default: the
current instant) and prints the counts. Running a command twice queues
nothing new. A bad ``--now`` prints one line on stderr and exits 1.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

import click
from flask import current_app

from tasking.core import clock
from tasking.core.cli import CommandGroup
from tasking.core.clock import parse_instant, zone
from tasking.extensions import db
from tasking.scheduling.jobs import run_digests, run_regional_digests, run_reminders

notify_cli = CommandGroup("notify", help="Reminders and weekly digests.")
scheduler_cli = CommandGroup("scheduler", help="The long-running scheduler process.")

NOW_HELP = (
    "The instant to act at, ISO 8601 (2026-11-23T07:00-05:00 or …Z; without an offset it is UTC; "
    "a date alone means noon of that day in APP_TIMEZONE). Default: now."
)
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def resolve_now(text: str | None) -> datetime:
    """``--now`` as naive UTC; exits 1 with one line on stderr when unreadable."""
    if not text:
        return clock.now()
    text = text.strip()
    try:
        if DATE_ONLY.match(text):
            noon = datetime.combine(
                date.fromisoformat(text), time(12), zone(current_app.config["APP_TIMEZONE"])
            )
            return noon.astimezone(UTC).replace(tzinfo=None)
        return parse_instant(text)
    except ValueError as exc:
        raise click.exceptions.Exit(
            _fail(f"“{text}” is not an ISO 8601 instant (e.g. 2026-11-23T07:00-05:00).")
        ) from exc


def _fail(message: str) -> int:
    click.echo(f"Error: {message}", err=True)
    return 1


@notify_cli.command("reminders")
@click.option("--now", "now_text", default=None, help=NOW_HELP)
def reminders_command(now_text: str | None) -> None:
    """Queue the due-soon, overdue and escalation reminders due at that instant."""
    report = run_reminders(db.session, now=resolve_now(now_text))
    click.echo(report.as_line())


@notify_cli.command("digests")
@click.option("--now", "now_text", default=None, help=NOW_HELP)
def digests_command(now_text: str | None) -> None:
    """Queue the weekly personal digests due at that instant."""
    report = run_digests(db.session, now=resolve_now(now_text))
    click.echo(report.as_line())


@notify_cli.command("regional-digest")
@click.option("--now", "now_text", default=None, help=NOW_HELP)
def regional_digest_command(now_text: str | None) -> None:
    """Queue the regional weekly digests due at that instant."""
    report = run_regional_digests(db.session, now=resolve_now(now_text))
    click.echo(report.as_line())


@scheduler_cli.command("run")
@click.option(
    "--lease-seconds", default=60, show_default=True, help="How long the lease lasts unless renewed."
)
@click.option("--outbox-seconds", default=30, show_default=True, help="How often the outbox is sent.")
@click.option(
    "--now",
    "now_text",
    default=None,
    help="Pretend the clock reads this instant at start (tests, demos); time runs on from there.",
)
def run_command(lease_seconds: int, outbox_seconds: int, now_text: str | None) -> None:
    """Run the jobs on schedule until SIGTERM or Ctrl+C (one active scheduler at a time)."""
    from tasking.scheduling.scheduler import Scheduler

    offset = resolve_now(now_text) - clock.now() if now_text else None
    if lease_seconds < 3 or outbox_seconds < 1:
        raise click.exceptions.Exit(
            _fail("--lease-seconds must be at least 3 and --outbox-seconds at least 1.")
        )
    Scheduler(
        current_app._get_current_object(),
        lease_seconds=lease_seconds,
        outbox_seconds=outbox_seconds,
        clock_offset=offset,
    ).run()
