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


# Each worker listens on a socket of its own and the kernel spreads new
# connections over them. On one shared socket the worker that woke first
# took them, busy or not: keep-alive clients (nginx's upstream connections,
# the bench's) could all land on one worker while another idled, and
# throughput halved. A worker being replaced drops the connections still
# waiting on its socket (net.ipv4.tcp_migrate_req hands them to the others:
# docs/deploy.md).
reuse_port = True
