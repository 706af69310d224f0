"""`notify reminders|digests|regional-digest [--now ISO] [--dry-run]` and `scheduler run`.

Thin callers of the jobs: each queues what is due at ``--now`` (default: the
current instant) and prints the counts. Running a command twice queues
nothing new. ``--dry-run`` prints what would be queued and writes nothing.
A bad ``--now`` prints one line on stderr and exits 1.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import click
from flask import current_app
from flask_babel import gettext as _

from tasking.core import clock
from tasking.core.cli import NOW_HELP, CommandGroup, resolve_now
from tasking.extensions import db
from tasking.outbox.dry_run import DRY_RUN_HELP, echo_would_queue, would_queue
from tasking.scheduling.jobs import run_digests, run_regional_digests, run_reminders


class Report(Protocol):
    """What every job returns: counts it prints as one line."""

    def as_line(self) -> str: ...


notify_cli = CommandGroup("notify", help="Reminders and weekly digests.")
scheduler_cli = CommandGroup("scheduler", help="The long-running scheduler process.")


def _run(job: Callable[..., Report], now: datetime, dry_run: bool) -> None:
    """Run the job and print its counts, or with ``dry_run`` what it would queue."""
    if dry_run:
        echo_would_queue(would_queue(db.session, lambda: job(db.session, now=now, commit=False), now))
    else:
        click.echo(job(db.session, now=now).as_line())


@notify_cli.command("reminders")
@click.option("--now", "now_text", default=None, help=NOW_HELP)
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
def reminders_command(now_text: str | None, dry_run: bool) -> None:
    """Queue the due-soon, overdue and escalation reminders due at that instant."""
    _run(run_reminders, resolve_now(now_text), dry_run)


@notify_cli.command("digests")
@click.option("--now", "now_text", default=None, help=NOW_HELP)
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
def digests_command(now_text: str | None, dry_run: bool) -> None:
    """Queue the weekly personal digests due at that instant."""
    _run(run_digests, resolve_now(now_text), dry_run)


@notify_cli.command("regional-digest")
@click.option("--now", "now_text", default=None, help=NOW_HELP)
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
def regional_digest_command(now_text: str | None, dry_run: bool) -> None:
    """Queue the regional weekly digests due at that instant."""
    _run(run_regional_digests, resolve_now(now_text), dry_run)


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
        message = _("--lease-seconds must be at least 3 and --outbox-seconds at least 1.")
        click.echo(_("Error: %(message)s", message=message), err=True)
        raise click.exceptions.Exit(1)
    Scheduler(
        current_app._get_current_object(),
        lease_seconds=lease_seconds,
        outbox_seconds=outbox_seconds,
        clock_offset=offset,
    ).run()
