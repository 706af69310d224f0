"""`sso allow-passwords`: the way back in when an organisation's provider
fails after its password sign-in was turned off."""

from __future__ import annotations

import click
from flask_babel import gettext as _

from tasking.core.cli import CommandGroup, service_command
from tasking.extensions import db
from tasking.orgs.services import org_by_slug
from tasking.sso import services

sso_cli = CommandGroup("sso", help="Single sign-on of the organisations.")


@sso_cli.command("allow-passwords")
@click.option("--org", "org_slug", required=True)
@service_command
def allow_passwords(org_slug: str) -> None:
    """Let the organisation's members sign in with their password again."""
    org = org_by_slug(db.session, org_slug)
    services.allow_passwords(db.session, organisation=org)
    db.session.commit()
    click.echo(_("The members of %(slug)s may sign in with their password again.", slug=org.slug))
