"""`plans import-template`."""

from __future__ import annotations

import json

import click

from tasking.core import clock
from tasking.core.cli import CommandGroup, service_command
from tasking.extensions import db
from tasking.orgs.services import org_by_slug
from tasking.plans.template import import_template

plans_cli = CommandGroup("plans", help="Recovery plans.")


@plans_cli.command("import-template")
@click.option("--org", "org_slug", required=True, help="The organisation's identifier.")
@click.option("--title", default=None, help="The plan's title (default: the template's).")
@service_command
def import_template_command(org_slug: str, title: str | None) -> None:
    """Create the ASCQ template as a new plan; prints one JSON line."""
    org = org_by_slug(db.session, org_slug)
    summary = import_template(db.session, org, clock.now(), title)
    db.session.commit()
    click.echo(json.dumps(summary.as_dict()))
