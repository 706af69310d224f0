"""Helpers for CLI commands: one-line errors on stderr, non-zero exit, for
bad values (ServiceError, exit 1) as for a mistyped command line (exit 2)."""

from __future__ import annotations

import functools
import sys

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from tasking.core.errors import ServiceError
from tasking.extensions import db


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
