"""`flask --app wsgi check`: what is wrong with this configuration.

Each check is a function of the app returning a list of problems (one
sentence each). ``CHECKS`` is the list the command runs, in order: a new
check is one more entry there.
"""

from __future__ import annotations

import ipaddress
import sys
from collections.abc import Callable
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

import click
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from tasking.core import catalogues
from tasking.core.cli import Command
from tasking.extensions import db
from tasking.sso import services as sso

MIGRATIONS = Path(__file__).resolve().parent.parent.parent / "migrations"
MIN_SECRET_LENGTH = 32
# Values copied from examples and tutorials: anyone can sign a session with them.
KNOWN_SECRETS = {
    "dev",
    "development",
    "secret",
    "secret-key",
    "secretkey",
    "changeme",
    "change-me",
    "test-secret-key",
    "your-secret-key",
    "replace-me-with-64-random-hex-characters",
}


def check_secret_key(app: Flask) -> list[str]:
    key = app.config.get("SECRET_KEY") or ""
    if not key:
        return [_("SECRET_KEY is empty: sessions cannot be signed.")]
    if key.strip().lower() in KNOWN_SECRETS:
        return [
            _(
                "SECRET_KEY is a well-known example value: generate one "
                "(python3 -c 'import secrets; print(secrets.token_hex(32))')."
            )
        ]
    if len(key) < MIN_SECRET_LENGTH:
        return [
            _(
                "SECRET_KEY has %(count)s characters: use at least %(minimum)s random ones.",
                count=len(key),
                minimum=MIN_SECRET_LENGTH,
            )
        ]
    return []


def schema_heads() -> set[str]:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return set(ScriptDirectory.from_config(config).get_heads())


def check_database(app: Flask) -> list[str]:
    try:
        with db.engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return [_("The database does not answer (%(url)s): %(reason)s", url=_safe_url(), reason=reason)]
    heads = schema_heads()
    if not current:
        return [_("The database has no schema: run flask --app wsgi db upgrade.")]
    if current != heads:
        return [
            _(
                "The database schema is at %(current)s, the code expects %(head)s: "
                "run flask --app wsgi db upgrade.",
                current=", ".join(sorted(current)),
                head=", ".join(sorted(heads)),
            )
        ]
    return []


def _safe_url() -> str:
    return db.engine.url.render_as_string(hide_password=True)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_mail(app: Flask) -> list[str]:
    config = app.config
    server, port = config.get("MAIL_SERVER"), config.get("MAIL_PORT")
    if not server:
        return [
            _("MAIL_SERVER is not set: e-mails wait in the outbox (visible to admins) and are never sent.")
        ]
    problems = []
    if not isinstance(port, int) or not 1 <= port <= 65535:
        problems.append(_("MAIL_PORT “%(port)s” is not a port number (1 to 65535).", port=port))
    if config.get("MAIL_USE_TLS") and config.get("MAIL_USE_SSL"):
        problems.append(
            _(
                "MAIL_USE_TLS and MAIL_USE_SSL are both on: use TLS (STARTTLS, port 587) or "
                "SSL (port 465), not both."
            )
        )
    elif config.get("MAIL_USE_SSL") and port == 587:
        problems.append(_("MAIL_USE_SSL with port 587: that port speaks STARTTLS, use MAIL_USE_TLS instead."))
    elif config.get("MAIL_USE_TLS") and port == 465:
        problems.append(_("MAIL_USE_TLS with port 465: that port speaks SSL, use MAIL_USE_SSL instead."))
    if bool(config.get("MAIL_USERNAME")) != bool(config.get("MAIL_PASSWORD")):
        problems.append(_("MAIL_USERNAME and MAIL_PASSWORD go together: one of them is missing."))
    encrypted = config.get("MAIL_USE_TLS") or config.get("MAIL_USE_SSL")
    if config.get("MAIL_PASSWORD") and not encrypted and not _is_loopback(server):
        problems.append(
            _("The mail password would cross the network in clear: set MAIL_USE_TLS or MAIL_USE_SSL.")
        )
    sender = parseaddr(config.get("MAIL_DEFAULT_SENDER") or "")[1]
    if "@" not in sender or sender.rsplit("@", 1)[1] in ("localhost", ""):
        problems.append(
            _(
                "MAIL_DEFAULT_SENDER “%(sender)s” is not an address of your domain: relays refuse it.",
                sender=sender,
            )
        )
    return problems


def check_base_url(app: Flask) -> list[str]:
    url = app.config.get("APP_BASE_URL") or ""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return [
            _(
                "APP_BASE_URL “%(url)s” must be a full address such as https://retablir.example.ca.",
                url=url,
            )
        ]
    problems = []
    if parts.query or parts.fragment:
        problems.append(_("APP_BASE_URL “%(url)s” must not hold a query or a fragment.", url=url))
    loopback = _is_loopback(parts.hostname)
    if parts.scheme == "http" and not loopback:
        problems.append(
            _(
                "APP_BASE_URL “%(url)s” is plain http: passwords and cookies would cross the "
                "network in clear; use https.",
                url=url,
            )
        )
    if loopback and app.config.get("MAIL_SERVER"):
        problems.append(
            _(
                "APP_BASE_URL “%(url)s” is this machine's own address: links in e-mails "
                "would not open for anyone else.",
                url=url,
            )
        )
    return problems


def check_catalogues(app: Flask) -> list[str]:
    source = Path(app.config["TRANSLATIONS_SOURCE"])
    used = Path(app.config["BABEL_TRANSLATION_DIRECTORIES"])
    stale = []
    for po in catalogues.sources(source):
        mo = used / po.relative_to(source).with_suffix(".mo")
        if not catalogues.is_current(po, mo):
            stale.append(
                _("The catalogue %(path)s is missing or older than its .po: restart the app.", path=str(mo))
            )
    with force_locale("fr_CA"):
        french = _("Sign in") != "Sign in"
    if not french:
        stale.append(_("The French catalogue under %(path)s translates nothing.", path=str(used)))
    return stale


def check_single_sign_on(app: Flask) -> list[str]:
    """Single sign-on client secrets sealed under another SECRET_KEY."""
    try:
        names = sso.unreadable_secrets(db.session)
    except SQLAlchemyError:
        # Unreachable or behind: check_database says so.
        db.session.rollback()
        return []
    return [
        _(
            "The single sign-on client secret of %(org)s cannot be read with this SECRET_KEY "
            "(it changed since): an administrator must enter it again.",
            org=name,
        )
        for name in names
    ]


#: The checks `check` runs, in order; each returns its problems as sentences.
CHECKS: list[Callable[[Flask], list[str]]] = [
    check_secret_key,
    check_database,
    check_catalogues,
    check_mail,
    check_base_url,
    check_single_sign_on,
]


@click.command("check", cls=Command)
def check_command() -> None:
    """Check the configuration: one line per problem, exit 1 if there is any."""
    app = current_app._get_current_object()
    problems = [problem for check in CHECKS for problem in check(app)]
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo(_("Configuration OK."))
