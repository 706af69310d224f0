"""`notify reminders|digests|regional-digest [--now ISO]` and `scheduler run`.

Thin callers of the jobs: each queues what is due at ``--now`` (default: the
current instant) and prints the counts. Running a command twice queues
nothing new. A bad ``--now`` prints one line on stderr and exits 1.
"""

from __future__ import annotations

import click
from flask import current_app
from flask_babel import gettext as _

from tasking.core import clock
from tasking.core.cli import NOW_HELP, CommandGroup, resolve_now
from tasking.extensions import db
from tasking.scheduling.jobs import run_digests, run_regional_digests, run_reminders

notify_cli = CommandGroup("notify", help="Reminders and weekly digests.")
scheduler_cli = CommandGroup("scheduler", help="The long-running scheduler process.")


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
        message = _("--lease-seconds must be at least 3 and --outbox-seconds at least 1.")
        click.echo(_("Error: %(message)s", message=message), err=True)
        raise click.exceptions.Exit(1)
    Scheduler(
        current_app._get_current_object(),
        lease_seconds=lease_seconds,
        outbox_seconds=outbox_seconds,
        clock_offset=offset,
    ).run()
