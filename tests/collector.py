"""What a page leaves to Python's garbage collector."""

from __future__ import annotations

import gc

#: GETs measured; the fewest objects left counts.
TRIES = 3


def unreachable_after(client, url: str) -> int:  # noqa: ANN001
    """Objects a GET of ``url`` left in reference cycles: what only the
    garbage collector frees, in one pause for every few dozen pages (the
    workers' thresholds, ``wsgi.py``), instead of as the page goes.

    The fewest over a few GETs: what the page leaves every time, not what a
    cache evicted once (the test process shares its engine's statement cache
    and its template cache across hundreds of tests) or what another thread
    left meanwhile."""
    left = []
    gc.disable()
    try:
        for _ in range(TRIES):
            gc.collect()
            assert client.get(url).status_code == 200
            left.append(gc.collect())
    finally:
        gc.enable()
    return min(left)
