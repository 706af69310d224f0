"""`checkins open [--org SLUG] [--now ISO] [--dry-run]` and `checkins remind …`:
thin callers of the jobs, idempotent; they print the counts, or with
``--dry-run`` the e-mails they would queue, writing nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import click

from tasking.checkins.jobs import open_due_rounds, remind_late
from tasking.checkins.rounds import CheckinReport
from tasking.core.cli import NOW_HELP, CommandGroup, resolve_now, service_command
from tasking.extensions import db
from tasking.outbox.dry_run import DRY_RUN_HELP, echo_would_queue, would_queue

checkins_cli = CommandGroup("checkins", help="The weekly check-in rounds.")
ORG_HELP = "Only this organisation (its slug)."


def _run(job: Callable[..., CheckinReport], now: datetime, org_slug: str | None, dry_run: bool) -> None:
    """Run the job and print its counts, or with ``dry_run`` what it would queue."""
    if dry_run:
        echo_would_queue(
            would_queue(db.session, lambda: job(db.session, now=now, org_slug=org_slug, commit=False), now)
        )
    else:
        click.echo(job(db.session, now=now, org_slug=org_slug).as_line())


@checkins_cli.command("open")
@click.option("--org", "org_slug", default=None, help=ORG_HELP)
@click.option("--now", "now_text", default=None, help=NOW_HELP)
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
@service_command
def open_command(org_slug: str | None, now_text: str | None, dry_run: bool) -> None:
    """Open the check-in rounds due at that instant and queue their e-mails."""
    _run(open_due_rounds, resolve_now(now_text), org_slug, dry_run)


@checkins_cli.command("remind")
@click.option("--org", "org_slug", default=None, help=ORG_HELP)
@click.option("--now", "now_text", default=None, help=NOW_HELP)
@click.option("--dry-run", is_flag=True, help=DRY_RUN_HELP)
@service_command
def remind_command(org_slug: str | None, now_text: str | None, dry_run: bool) -> None:
    """Queue the late reminders of the open rounds due at that instant."""
    _run(remind_late, resolve_now(now_text), org_slug, dry_run)
