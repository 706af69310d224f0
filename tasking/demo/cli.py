"""`demo`: load the demo and say how to sign in."""

from __future__ import annotations

import click
from flask import current_app

from tasking.core.cli import service_command
from tasking.core.clock import utcnow
from tasking.demo.services import build_demo
from tasking.extensions import db


@click.command("demo")
@service_command
def demo_command() -> None:
    """Load a ready demo (region, municipalities, users, plans under way)."""
    summary = build_demo(db.session, utcnow())
    db.session.commit()
    base = current_app.config["APP_BASE_URL"]
    click.echo(f"Demo loaded: region {summary.region}, organisations {', '.join(summary.organisations)}.")
    click.echo(f"Sign in at {base}/login with one of these accounts (password: {summary.password}):")
    for email in summary.users:
        click.echo(f"  {email}")
