"""The minutes (compte rendu) as a Word file: in French whoever downloads it,
like the plan's Word export (it is filed and read by councils)."""

from __future__ import annotations

import io

from docx import Document
from docx.shared import Pt
from flask_babel import force_locale

from tasking.core.templating import qc_date, qc_datetime
from tasking.exchange.tasksheet import clean_text, french_labels
from tasking.meetings.minutes import MeetingRecord
from tasking.models import Region


def _attendance(document: Document, record: MeetingRecord) -> None:
    document.add_heading("Présences", level=2)
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Organisation", "Présente", "Personnes"), strict=True):
        cell.text = text
    for line in record.attendance:
        cells = table.add_row().cells
        cells[0].text = clean_text(line.name)
        cells[1].text = "Oui" if line.present else "Non"
        cells[2].text = clean_text(line.attendees)


def _items(document: Document, record: MeetingRecord) -> None:
    statuses, _fields = french_labels()
    document.add_heading("Points à l’ordre du jour", level=2)
    for number, line in enumerate((i for i in record.items if not i.item.struck), start=1):
        document.add_heading(f"{number}. {clean_text(line.item.title)}", level=3)
        if line.item.note:
            document.add_paragraph(clean_text(line.item.note))
        for decision in line.decisions:
            document.add_paragraph(f"Décision : {clean_text(decision.text)}", style="List Bullet")
        for follow in line.follow_ups:
            due = qc_date(follow.due_date) if follow.due_date else "—"
            status = statuses.get(follow.status, follow.status)
            text = f"Suivi : {clean_text(follow.title)} — {follow.owner}, pour le {due} ({status})"
            document.add_paragraph(text, style="List Bullet")


def _follow_ups(document: Document, record: MeetingRecord) -> None:
    document.add_heading("Suivis", level=2)
    table = document.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, ("Action", "Responsable", "Échéance"), strict=True):
        cell.text = text
    for follow in record.follow_ups:
        cells = table.add_row().cells
        cells[0].text = clean_text(follow.title)
        cells[1].text = follow.owner
        cells[2].text = qc_date(follow.due_date) if follow.due_date else "—"


def build_minutes_docx(region: Region, record: MeetingRecord) -> bytes:
    meeting = record.meeting
    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    with force_locale("fr_CA"):
        document.add_heading(f"Compte rendu — statutaire hebdomadaire, {region.name}", level=1)
        when = qc_datetime(meeting.starts_at, timezone=region.timezone)
        document.add_paragraph(f"Rencontre du {when} (semaine {meeting.week})")
        if not meeting.is_closed:
            document.add_paragraph("Rencontre en cours : compte rendu provisoire.")
        _attendance(document, record)
        _items(document, record)
        _follow_ups(document, record)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
