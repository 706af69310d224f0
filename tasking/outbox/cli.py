"""`outbox send`: deliver pending e-mails now."""

from __future__ import annotations

import click

from tasking.core import clock
from tasking.core.cli import CommandGroup
from tasking.extensions import db
from tasking.outbox.sender import deliver, worker_name

outbox_cli = CommandGroup("outbox", help="The e-mail outbox.")


@outbox_cli.command("send")
def send_command() -> None:
    """Deliver pending e-mails; prints sent / failed / waiting counts."""
    report = deliver(db.session, now=clock.now(), worker=worker_name())
    click.echo(report.as_line())
