"""WSGI entry point: `flask --app wsgi …` and `gunicorn wsgi:app`."""

import sys

from tasking import create_app
from tasking.core.catalogues import CatalogueError

try:
    app = create_app()
except CatalogueError as exc:
    # One sentence instead of a traceback: what is wrong and what to do.
    sys.exit(f"Rétablir cannot start: {exc}")
