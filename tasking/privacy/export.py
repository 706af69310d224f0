"""A person's data export (Law 25, access and portability): a zip holding
one structured JSON document and a CSV file per section (UTF-8 with a byte
order mark, so that Excel reads the accents), built with the standard library.

``personal_data`` decides who may have it: the person for themself
(everything), an administrator of one of their organisations on their
request (that organisation's data); anyone else gets a refusal that reads
as "not found". The JSON carries ``schema_version``: a reader can rely on
its shape, and a change of shape bumps it.
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from tasking.core.permissions import is_org_admin
from tasking.models import User
from tasking.privacy.sections import SECTIONS, Scope

SCHEMA = "retablir/personal-data"
SCHEMA_VERSION = 1


class NotAllowed(Exception):
    """The actor may not have this person's data (answered as not found)."""


@dataclass(frozen=True)
class PersonalExport:
    filename: str
    content: bytes


def export_scope(session: Session, actor: User, subject: User, organisation_id: int | None) -> Scope:
    """None (everything) for the person themself; the organisation's id for
    one of its administrators when the person is a member of it."""
    if organisation_id is None:
        if actor.id != subject.id:
            raise NotAllowed
        return None
    member = any(m.organisation_id == organisation_id for m in subject.memberships)
    if not member or not is_org_admin(session, actor, organisation_id):
        raise NotAllowed
    return frozenset({organisation_id})


def personal_data(
    session: Session, actor: User, subject: User, now: datetime, *, organisation_id: int | None = None
) -> dict[str, Any]:
    """The JSON document of everything held about ``subject`` that ``actor``
    may have (NotAllowed otherwise)."""
    scope = export_scope(session, actor, subject, organisation_id)
    sections = {
        section.key: section.rows(session, subject, scope)
        for section in SECTIONS
        if scope is None or not section.account_wide
    }
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "generated_at": now,
        "subject": {"id": subject.id, "name": subject.name, "email": subject.email},
        "produced_by": {"id": actor.id, "name": actor.name},
        "scope": "all" if scope is None else {"organisation_ids": sorted(scope)},
        "sections": sections,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + "Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return value


def _csv(columns: tuple[str, ...], rows: list[dict[str, Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _plain(row.get(c)) for c in columns])
    return out.getvalue().encode("utf-8-sig")


def slug(text: str) -> str:
    """« Élise Côté » → "elise-cote", for a file name."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "personne"


def build_zip(document: dict[str, Any], now: datetime) -> PersonalExport:
    """The zip of the document: ``donnees.json`` and one CSV per section."""
    buffer = io.BytesIO()
    columns = {section.key: section.columns for section in SECTIONS}

    def entry(name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, now.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        return info

    with zipfile.ZipFile(buffer, "w") as archive:
        text = json.dumps(document, ensure_ascii=False, indent=2, default=_plain)
        archive.writestr(entry("donnees.json"), text.encode("utf-8"))
        for key, rows in document["sections"].items():
            archive.writestr(entry(f"{key}.csv"), _csv(columns[key], rows))
    subject = document["subject"]
    name = f"donnees-personnelles-{slug(subject['name'])}-{now.date().isoformat()}.zip"
    return PersonalExport(filename=name, content=buffer.getvalue())


def export_zip(
    session: Session, actor: User, subject: User, now: datetime, *, organisation_id: int | None = None
) -> PersonalExport:
    """The zip of ``personal_data`` (NotAllowed when ``actor`` may not have it)."""
    return build_zip(personal_data(session, actor, subject, now, organisation_id=organisation_id), now)
