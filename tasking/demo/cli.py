"""`demo`: load the demo and say how to sign in."""

from __future__ import annotations

import click
from flask import current_app
from sqlalchemy import select

from tasking.core.cli import service_command
from tasking.core.clock import utcnow
from tasking.demo.services import build_demo
from tasking.extensions import db
from tasking.models import User


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@service_command
def demo_command(if_empty: bool) -> None:
    """Load a ready demo (region, municipalities, users, plans under way)."""
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo("The database already has users: demo not loaded.")
        return
    summary = build_demo(db.session, utcnow())
    db.session.commit()
    base = current_app.config["APP_BASE_URL"]
    click.echo(f"Demo loaded: region {summary.region}, organisations {', '.join(summary.organisations)}.")
    click.echo(f"Sign in at {base}/login with one of these accounts (password: {summary.password}):")
    for email in summary.users:
        click.echo(f"  {email}")
