"""`privacy retention [--now ISO] [--dry-run]`: pseudonymise now the people
whose organisations' retention period has passed (the scheduler does it
every hour). ``--dry-run`` lists who would be, and writes nothing."""

from __future__ import annotations

import click
from flask_babel import ngettext

from tasking.core.cli import NOW_HELP, CommandGroup, resolve_now
from tasking.extensions import db
from tasking.privacy.jobs import run_retention
from tasking.privacy.retention import due_people

privacy_cli = CommandGroup("privacy", help="Personal data (Law 25): retention of deactivated accounts.")


@privacy_cli.command("retention")
@click.option("--now", "now_text", default=None, help=NOW_HELP)
@click.option("--dry-run", is_flag=True, help="List who would be pseudonymised and write nothing.")
def retention_command(now_text: str | None, dry_run: bool) -> None:
    """Replace with a pseudonym the personal data of the deactivated accounts past their retention."""
    now = resolve_now(now_text)
    if not dry_run:
        click.echo(run_retention(db.session, now=now).as_line())
        return
    due = due_people(db.session, now)
    for person in due:
        deactivated = person.deactivated_at.date().isoformat()
        click.echo(f"{person.user.id}\t{person.user.email}\t{deactivated}\t{person.days}")
    click.echo(
        ngettext(
            "Dry run: %(num)d person would be pseudonymised; nothing was written.",
            "Dry run: %(num)d people would be pseudonymised; nothing was written.",
            len(due),
        )
    )
