"""What a page leaves to Python's garbage collector."""

from __future__ import annotations

import gc


def unreachable_after(client, url: str) -> int:  # noqa: ANN001
    """Objects a GET of ``url`` left in reference cycles: what only the
    garbage collector frees, in one pause for every few dozen pages (the
    workers' thresholds, ``wsgi.py``), instead of as the page goes."""
    gc.disable()
    try:
        gc.collect()
        assert client.get(url).status_code == 200
        return gc.collect()
    finally:
        gc.enable()
