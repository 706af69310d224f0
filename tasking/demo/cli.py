"""`demo`: load the demo and say how to sign in."""

from __future__ import annotations

import click
from flask_babel import gettext as _
from sqlalchemy import select

from tasking.core import clock
from tasking.core.cli import Command, service_command
from tasking.core.templating import ROLE_LABELS
from tasking.core.urls import external_url
from tasking.demo.services import DEMO_PASSWORD, PEOPLE, build_demo, is_loaded
from tasking.extensions import db
from tasking.models import Organisation, User


def role_line(org: str, role: str, regional: bool) -> str:
    """What the account may do, said in the sign-in lines."""
    label = str(ROLE_LABELS[role]).lower()
    if regional:
        return _("%(role)s, %(org)s; regional coordinator of the region", role=label, org=org)
    return _("%(role)s, %(org)s", role=label, org=org)


@click.command("demo", cls=Command)
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has users.")
@service_command
def demo_command(if_empty: bool) -> None:
    """Load a ready demo (region, municipalities, users, plans under way)."""
    if if_empty and db.session.scalar(select(User.id).limit(1)) is not None:
        click.echo(_("The database already has users: demo not loaded."))
    else:
        summary = build_demo(db.session, clock.now())
        db.session.commit()
        click.echo(
            _(
                "Demo loaded: region %(region)s, organisations %(orgs)s.",
                region=summary.region,
                orgs=", ".join(summary.organisations),
            )
        )
    # Said on every start, so that the way in never scrolls out of reach.
    login = external_url("auth.login")
    if is_loaded(db.session):
        click.echo(
            _(
                "Sign in at %(url)s with one of these accounts (password: %(password)s):",
                url=login,
                password=DEMO_PASSWORD,
            )
        )
        names = dict(db.session.execute(select(Organisation.slug, Organisation.name)).all())
        for org_slug, email, _name, role, regional in PEOPLE:
            click.echo(f"  {email}  ({role_line(names.get(org_slug, org_slug), role, regional)})")
    else:
        click.echo(_("Sign in at %(url)s", url=login))
