"""gunicorn's own settings: it reads this file from the directory it starts
in (scripts/run, deploy/retablir-web.service and bench/ start it here)."""

import gc

from tasking.core.templating import compile_templates


def post_worker_init(worker) -> None:  # noqa: ANN001
    """Each worker compiles every template before it serves (wsgi.py froze
    what start-up built; freezing again keeps the templates out of the
    collector's sight too)."""
    compile_templates(worker.wsgi)
    gc.freeze()
