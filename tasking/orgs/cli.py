"""`regions create`, `orgs create`, `users create` from the interface contract."""

from __future__ import annotations

import click
from flask_babel import gettext as _

from tasking.core import clock
from tasking.core.cli import CommandGroup, service_command
from tasking.extensions import db
from tasking.orgs import services

regions_cli = CommandGroup("regions", help="Regions (MRC).")
orgs_cli = CommandGroup("orgs", help="Organisations (municipalities).")
users_cli = CommandGroup("users", help="User accounts.")


@regions_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@service_command
def create_region(slug: str, name: str) -> None:
    region = services.create_region(db.session, slug, name, now=clock.now())
    db.session.commit()
    click.echo(_("Region %(slug)s created (id %(id)d).", slug=region.slug, id=region.id))


@orgs_cli.command("create")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--region", "region_slug", default=None)
@service_command
def create_org(slug: str, name: str, region_slug: str | None) -> None:
    org = services.create_organisation(db.session, slug, name, region_slug, now=clock.now())
    db.session.commit()
    click.echo(_("Organisation %(slug)s created (id %(id)d).", slug=org.slug, id=org.id))


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option("--org", "org_slug", required=True)
@click.option("--role", type=click.Choice(services.ROLES), required=True)
@click.option("--regional-coordinator", "region_slug", default=None)
@click.option("--locale", type=click.Choice(["fr_CA", "en_CA"]), default="fr_CA")
@service_command
def create_user(
    email: str,
    name: str,
    password: str,
    org_slug: str,
    role: str,
    region_slug: str | None,
    locale: str,
) -> None:
    org = services.org_by_slug(db.session, org_slug)
    region = services.region_by_slug(db.session, region_slug) if region_slug else None
    user = services.create_user(
        db.session,
        email=email,
        name=name,
        password=password,
        org=org,
        role=role,
        now=clock.now(),
        regional_region=region,
        locale=locale,
    )
    db.session.commit()
    click.echo(_("User %(email)s created (id %(id)d).", email=user.email, id=user.id))
