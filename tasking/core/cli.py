"""Helpers for CLI commands: one-line errors on stderr, non-zero exit, for
bad values (ServiceError, exit 1) as for a mistyped command line (exit 2)."""

from __future__ import annotations

import functools
import re
import sys
from datetime import UTC, date, datetime, time

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from tasking.core import clock
from tasking.core.errors import ServiceError
from tasking.extensions import db

NOW_HELP = (
    "The instant to act at, ISO 8601 (2026-11-23T07:00-05:00 or …Z; without an offset it is UTC; "
    "a date alone means noon of that day in APP_TIMEZONE). Default: now."
)
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def resolve_now(text: str | None) -> datetime:
    """``--now`` as naive UTC (default: the app's clock); exits 1 with one
    line on stderr when unreadable."""
    if not text:
        return clock.now()
    text = text.strip()
    try:
        if DATE_ONLY.match(text):
            noon = datetime.combine(
                date.fromisoformat(text), time(12), clock.zone(current_app.config["APP_TIMEZONE"])
            )
            return noon.astimezone(UTC).replace(tzinfo=None)
        return clock.parse_instant(text)
    except ValueError as exc:
        message = _("“%(text)s” is not an ISO 8601 instant (e.g. 2026-11-23T07:00-05:00).", text=text)
        click.echo(_("Error: %(message)s", message=message), err=True)
        raise click.exceptions.Exit(1) from exc


def service_command(func):
    """Run a command body; a ServiceError rolls back and exits 1 with one line."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ServiceError as exc:
            db.session.rollback()
            click.echo(_("Error: %(message)s", message=exc.message), err=True)
            sys.exit(1)

    return wrapper


def usage_message(error: click.UsageError) -> str:
    """Click's complaint about the command line, in the reader's language."""
    param = getattr(error, "param", None)
    name = (param.opts[0] if param is not None and param.opts else None) or (
        param.human_readable_name if param is not None else ""
    )
    if isinstance(error, click.MissingParameter):
        if isinstance(param, click.Argument):
            return _("%(argument)s is missing.", argument=param.human_readable_name)
        return _("%(option)s is required.", option=name)
    if isinstance(error, click.BadParameter) and isinstance(getattr(param, "type", None), click.Choice):
        return _(
            "%(option)s must be one of: %(choices)s.", option=name, choices=", ".join(param.type.choices)
        )
    if isinstance(error, click.NoSuchOption):
        return _("Unknown option %(option)s.", option=error.option_name)
    return error.format_message()


class Command(click.Command):
    """A command whose usage errors are one line on stderr (exit 2), not
    click's usage block in English."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as error:
            click.echo(_("Error: %(message)s", message=usage_message(error)), err=True)
            ctx.exit(2)


class CommandGroup(AppGroup):
    """Flask's command group (app context), with those one-line usage errors."""

    command_class = Command
