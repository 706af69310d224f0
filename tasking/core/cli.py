"""Helpers for CLI commands: one-line errors on stderr, non-zero exit."""

from __future__ import annotations

import functools
import sys

import click
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
