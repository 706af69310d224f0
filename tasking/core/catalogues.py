"""The compiled translation catalogues (.mo), built from the .po files.

The .po files are the source and the only ones in git. At start-up the app
compiles every catalogue that is missing or older than its .po, however it
is started (`scripts/run`, `gunicorn wsgi:app`, `flask run`, a service unit),
so a fresh clone speaks French with no build step. Where the code is not
writable by the service's user (a clone owned by root), the catalogues are
built under the instance folder instead. A catalogue that cannot be built
stops the start with a sentence saying why: the app never falls back to
English in silence.
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


def is_current(po: Path, mo: Path | None = None) -> bool:
    """Whether the .mo (beside ``po`` unless given) exists and is at least as new as it."""
    mo = mo or po.with_suffix(".mo")
    return mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime


def read_catalogue(po: Path):  # noqa: ANN201 (babel's Catalog)
    try:
        with po.open("rb") as source:
            return read_po(source, locale=po.parent.parent.name, abort_invalid=True)
    except (OSError, PoFileError, ValueError) as exc:
        raise CatalogueError(f"The translation catalogue {po} cannot be read: {exc}") from exc


def compile_catalogue(po: Path, mo: Path | None = None) -> Path:
    """Build the .mo (beside ``po`` unless given), atomically: workers starting
    together each write their own temporary file and rename it into place.
    OSError when the folder is not writable."""
    mo = mo or po.with_suffix(".mo")
    catalogue = read_catalogue(po)
    mo.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=mo.parent, prefix=".messages-", suffix=".mo")
    try:
        with os.fdopen(handle, "wb") as target:
            write_mo(target, catalogue)
        os.chmod(temporary, 0o644)
        os.replace(temporary, mo)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
    return mo


def ensure_compiled(directory: Path, fallback: Path | None = None) -> Path:
    """Compile what is missing or stale; the folder the app must read its
    catalogues from: ``directory``, or ``fallback`` when ``directory`` is not
    writable. Raises CatalogueError when there is no catalogue at all or one
    cannot be built in either place."""
    found = sources(directory)
    if not found:
        raise CatalogueError(f"No translation catalogue (.po) under {directory}: pages would be English.")
    try:
        for po in found:
            if not is_current(po):
                compile_catalogue(po)
        return directory
    except OSError as exc:
        if fallback is None:
            raise _unwritable(directory, exc) from exc
    try:
        for po in found:
            mo = fallback / po.relative_to(directory).with_suffix(".mo")
            if not is_current(po, mo):
                compile_catalogue(po, mo)
    except OSError as exc:
        raise _unwritable(fallback, exc) from exc
    return fallback


def _unwritable(directory: Path, exc: OSError) -> CatalogueError:
    return CatalogueError(
        f"The translation catalogues under {directory} are missing or older than their .po and "
        f"cannot be written ({exc.strerror}): run `scripts/i18n compile` as the owner of the files."
    )
