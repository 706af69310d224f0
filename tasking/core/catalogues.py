"""The compiled translation catalogues (.mo), built from the .po files.

The .po files are the source and the only ones in git. At start-up the app
compiles every catalogue that is missing or older than its .po, however it
is started (`scripts/run`, `gunicorn wsgi:app`, `flask run`, a service unit),
so a fresh clone speaks French with no build step. A catalogue that cannot be
built stops the start with a sentence saying why: the app never falls back
to English in silence.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po


class CatalogueError(RuntimeError):
    """A translation catalogue is missing, stale or unreadable, and cannot be rebuilt."""


def sources(directory: Path) -> list[Path]:
    """Every .po catalogue under ``directory`` (``<lang>/LC_MESSAGES/<domain>.po``)."""
    return sorted(directory.glob("*/LC_MESSAGES/*.po"))


def is_current(po: Path) -> bool:
    """Whether the .mo beside ``po`` exists and is at least as new as it."""
    mo = po.with_suffix(".mo")
    return mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime


def compile_catalogue(po: Path) -> Path:
    """Build the .mo beside ``po``, atomically (workers starting together each
    write their own temporary file and rename it into place)."""
    mo = po.with_suffix(".mo")
    try:
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parent.parent.name, abort_invalid=True)
    except (OSError, PoFileError, ValueError) as exc:
        raise CatalogueError(f"The translation catalogue {po} cannot be read: {exc}") from exc
    try:
        handle, temporary = tempfile.mkstemp(dir=po.parent, prefix=".messages-", suffix=".mo")
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalogue)
        os.chmod(temporary, 0o644)
        os.replace(temporary, mo)
    except OSError as exc:
        raise CatalogueError(
            f"The translation catalogue {mo} is missing or older than {po.name} and cannot be written "
            f"({exc.strerror}): run `scripts/i18n compile` as the owner of the files."
        ) from exc
    return mo


def ensure_compiled(directory: Path) -> list[Path]:
    """Compile what is missing or stale; the .mo files built. Raises
    CatalogueError when there is no catalogue at all or one cannot be built."""
    found = sources(directory)
    if not found:
        raise CatalogueError(f"No translation catalogue (.po) under {directory}: pages would be English.")
    return [compile_catalogue(po) for po in found if not is_current(po)]


def problems(directory: Path) -> list[str]:
    """What `flask check` reports about the catalogues: one sentence each."""
    found = sources(directory)
    if not found:
        return [f"No translation catalogue (.po) under {directory}."]
    return [
        f"{po.with_suffix('.mo')} is missing or older than {po.name}: restart the app or run "
        "`scripts/i18n compile`."
        for po in found
        if not is_current(po)
    ]
