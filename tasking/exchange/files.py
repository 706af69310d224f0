"""Checking an uploaded file before anything reads it: size, real type by its
magic bytes (not its name), and zip archives that would unpack to far more
than they weigh (zip bombs)."""

from __future__ import annotations

import io
import zipfile

from flask_babel import gettext as _

from tasking.core.errors import ServiceError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# An xlsx or docx is a zip: refuse one that would unpack to more than this.
MAX_UNPACKED_BYTES = 60 * 1024 * 1024
MAX_ENTRIES = 2_000

XLSX, CSV, DOCX = "xlsx", "csv", "docx"
# Common files people upload by mistake: PDF, images, RTF.
BINARY_SIGNATURES = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"{\\rtf")


def check_size(content: bytes) -> None:
    """Refuse an empty file or one over the limit."""
    if not content:
        raise ServiceError(_("The file is empty."), "file")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ServiceError(
            _("The file is too large (%(size)s MB at most).", size=MAX_UPLOAD_BYTES // (1024 * 1024)), "file"
        )


def _zip_kind(content: bytes) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        entries = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ServiceError(_("The file is damaged: it cannot be opened."), "file") from exc
    if len(entries) > MAX_ENTRIES or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
        raise ServiceError(_("The file unpacks to too much data to be read."), "file")
    names = {e.filename for e in entries}
    if "xl/workbook.xml" in names:
        return XLSX
    if "word/document.xml" in names:
        return DOCX
    raise ServiceError(_("This archive is neither an Excel workbook nor a Word document."), "file")


def sniff(content: bytes) -> str:
    """``xlsx``, ``docx`` or ``csv``, from the content itself."""
    check_size(content)
    if content[:4] == b"PK\x03\x04":
        return _zip_kind(content)
    if content[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ServiceError(
            _("Old Excel or Word files (.xls, .doc) are not supported: save as .xlsx or .docx."), "file"
        )
    if content.startswith(BINARY_SIGNATURES) or b"\x00" in content[:4096]:
        raise ServiceError(_("This file is neither a spreadsheet, a CSV file nor a Word document."), "file")
    return CSV


def decode_text(content: bytes) -> str:
    """CSV text: UTF-8 (with or without byte-order mark), else Windows-1252
    (what an older Excel saves)."""
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", errors="replace")
