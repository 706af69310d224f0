"""WSGI entry point: `flask --app wsgi …` and `gunicorn wsgi:app`."""

import gc
import sys

from tasking import create_app
from tasking.core.catalogues import CatalogueError

try:
    app = create_app()
except CatalogueError as exc:
    # One sentence instead of a traceback: what is wrong and what to do.
    sys.exit(f"Rétablir cannot start: {exc}")

# What start-up built (mappers, compiled templates, catalogues) lives as long as
# the process: moved out of the collector's sight, a full collection no longer
# walks it. A board page allocates some 100,000 short-lived objects; with the
# default threshold (700) the collector ran about 150 times a page and cost a
# third of its CPU (bench/README.md, issue 15).
gc.collect()
gc.freeze()
gc.set_threshold(20_000, 20, 20)
