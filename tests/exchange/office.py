"""Opening an exported file as a spreadsheet or word processor would: LibreOffice
headless lays it out and prints it to PDF (Debian's libreoffice-calc and
libreoffice-writer, which scripts/test installs)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from pypdf import PdfReader

SOFFICE = "/usr/bin/soffice"


def printed(content: bytes, extension: str, folder: Path) -> PdfReader:
    """The file as LibreOffice prints it."""
    source = folder / f"export.{extension}"
    source.write_bytes(content)
    # A profile of its own: no clash with a LibreOffice already running.
    profile = (folder / "libreoffice-profile").as_uri()
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    return PdfReader(folder / "export.pdf")
