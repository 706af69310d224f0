"""`checkins open [--org SLUG] [--now ISO]` and `checkins remind …`: thin
callers of the jobs, idempotent; they print the counts."""

from __future__ import annotations

import click

from tasking.checkins.jobs import open_due_rounds, remind_late
from tasking.core.cli import NOW_HELP, CommandGroup, resolve_now, service_command
from tasking.extensions import db

checkins_cli = CommandGroup("checkins", help="The weekly check-in rounds.")
ORG_HELP = "Only this organisation (its slug)."


@checkins_cli.command("open")
@click.option("--org", "org_slug", default=None, help=ORG_HELP)
@click.option("--now", "now_text", default=None, help=NOW_HELP)
@service_command
def open_command(org_slug: str | None, now_text: str | None) -> None:
    """Open the check-in rounds due at that instant and queue their e-mails."""
    report = open_due_rounds(db.session, now=resolve_now(now_text), org_slug=org_slug)
    click.echo(report.as_line())


@checkins_cli.command("remind")
@click.option("--org", "org_slug", default=None, help=ORG_HELP)
@click.option("--now", "now_text", default=None, help=NOW_HELP)
@service_command
def remind_command(org_slug: str | None, now_text: str | None) -> None:
    """Queue the late reminders of the open rounds due at that instant."""
    report = remind_late(db.session, now=resolve_now(now_text), org_slug=org_slug)
    click.echo(report.as_line())
