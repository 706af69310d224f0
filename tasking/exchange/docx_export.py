"""The plan as a Word document laid out like the ASCQ template: the general
objectives table, then per theme its definition, missions and the table of
operational objectives with each action's current status."""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import _Cell
from flask_babel import force_locale

from tasking.checkins.status import CheckinStatus
from tasking.core.templating import qc_date
from tasking.exchange.exports import BULLET, objective_summary, text_colour
from tasking.exchange.tasksheet import clean_text, export_rows, french_labels
from tasking.models import Plan, Theme

GENERAL_HEADERS = ("Temporalité", "Objectifs généraux", "Objectifs spécifiques", "Précisions")
# Eight grid columns: "À quel moment ?" spans the two timing columns, as in the template.
THEME_HEADERS = (
    "Objectifs opérationnels",
    "Actions",
    "Cibles",
    "Responsable(s) de l’action",
    "Collaborateur(s)",
    "À quel moment ?",
    "À quel moment ?",
    "Commentaires",
)
SHORT_HEADER = "Court et moyen terme\nDu (date) au (date)"
LONG_HEADER = "Long terme\nDu (date) au (date)"
WIDTHS_CM = (4.0, 7.0, 4.5, 2.6, 2.6, 2.3, 2.3, 2.7)


def _shade(cell: _Cell, colour: str) -> None:
    properties = cell._tc.get_or_add_tcPr()
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour.lstrip("#").upper())
    properties.append(shading)


def _write(cell: _Cell, lines: list[str], bold: bool = False, colour: str | None = None) -> None:
    """One paragraph per line (so Word, and our import, see the bullets)."""
    lines = [clean_text(line) for line in lines] or [""]
    first = cell.paragraphs[0]
    for index, line in enumerate(lines):
        paragraph = first if index == 0 else cell.add_paragraph()
        run = paragraph.add_run(line)
        run.bold = bold
        run.font.size = Pt(8)
        if colour:
            run.font.color.rgb = RGBColor.from_string(colour)


def _dates(start: date | None, end: date | None) -> list[str]:
    """« Du 5 oct. 2026 au 17 janv. 2027 »: French whoever exports, like the
    rest of the document (a council reads it; the Word import reads it back)."""
    if not start and not end:
        return []
    with force_locale("fr_CA"):
        return [f"Du {qc_date(start) or '(date)'} au {qc_date(end) or '(date)'}"]


def _general_table(document: Document, plan: Plan) -> None:
    _, horizons = french_labels()
    document.add_heading("Identification des objectifs généraux", level=1)
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, GENERAL_HEADERS, strict=True):
        _write(cell, [header], bold=True)
        _shade(cell, "#D9D9D9")
    for general in plan.general_objectives:
        for index, specific in enumerate(general.specific_objectives):
            cells = table.add_row().cells
            if index == 0:
                _write(cells[0], [horizons.get(general.horizon, general.horizon)])
                _write(cells[1], [general.title])
            details = [BULLET + line for line in specific.details.splitlines() if line.strip()]
            _write(cells[2], [f"{specific.number} {specific.title}", *details])
            _write(cells[3], [specific.precision])


def _theme_section(document: Document, theme: Theme, statuses: dict[str, str]) -> None:
    heading = f"{theme.number}. {theme.title}" if theme.number else theme.title
    if theme.subtitle:
        heading += f" : {theme.subtitle}"
    document.add_heading(clean_text(heading), level=1)
    document.add_paragraph(clean_text(f"Brève définition : {theme.definition}"))
    document.add_paragraph(clean_text(f"Nom des missions responsables : {theme.missions_text}"))
    issues = Theme.lines(theme.communication_issues)
    if issues:
        document.add_paragraph("Enjeux de communication")
        for issue in issues:
            document.add_paragraph(clean_text(BULLET + issue))

    colour = theme.colour or "#e0b400"
    ink = text_colour(colour)
    table = document.add_table(rows=2, cols=8)
    table.style = "Table Grid"
    headers = list(THEME_HEADERS)
    headers[0] = theme.objectives_heading or headers[0]
    first, second = table.rows[0].cells, table.rows[1].cells
    for index, header in enumerate(headers):
        if index == 6:
            continue
        lines = [header]
        if index == 1 and theme.actions_note:
            lines.append(theme.actions_note)
        _write(first[index], lines, bold=True, colour=ink)
    first[5].merge(first[6])
    _write(second[5], SHORT_HEADER.splitlines(), bold=True, colour=ink)
    _write(second[6], LONG_HEADER.splitlines(), bold=True, colour=ink)
    for row in (table.rows[0], table.rows[1]):
        for cell in row.cells:
            _shade(cell, colour)

    for objective in theme.objectives:
        if objective.archived_at is not None:
            continue
        summary = objective_summary(objective, statuses)
        cells = table.add_row().cells
        _write(cells[0], [objective.title, *objective.description.splitlines()])
        _write(cells[1], str(summary["actions"]).splitlines())
        _write(cells[2], str(summary["targets"]).splitlines())
        _write(cells[3], str(summary["owners"]).splitlines())
        _write(cells[4], str(summary["collaborators"]).splitlines())
        _write(cells[5], _dates(summary["short_start"], summary["short_end"]))
        _write(cells[6], _dates(summary["long_start"], summary["long_end"]))
        _write(cells[7], str(summary["comments"]).splitlines())
    for row in table.rows:
        for cell, width in zip(row.cells, WIDTHS_CM, strict=True):
            cell.width = Cm(width)


CHECKIN_HEADING = "Suivi hebdomadaire"
CHECKIN_HEADERS = ("Enjeu", "Action", "Santé", "Dernière mise à jour", "Note")
CHECKIN_WIDTHS_CM = (4.0, 8.0, 3.5, 4.0, 5.5)


def _checkin_section(document: Document, plan: Plan, checkins: dict[int, CheckinStatus]) -> None:
    """After the template's tables, one line per action with something said
    (or to say: stale): the import reads theme tables only, never this one."""
    rows = [row for row in export_rows(plan, checkins) if row["health"] or row["checkin_at"]]
    if not rows:
        return
    document.add_heading(CHECKIN_HEADING, level=1)
    table = document.add_table(rows=1, cols=len(CHECKIN_HEADERS))
    table.style = "Table Grid"
    for cell, header in zip(table.rows[0].cells, CHECKIN_HEADERS, strict=True):
        _write(cell, [header], bold=True)
    for row in rows:
        cells = table.add_row().cells
        with force_locale("fr_CA"):
            when = [qc_date(row["checkin_at"]), str(row["checkin_by"])] if row["checkin_at"] else []
        _write(cells[0], [str(row["theme"])])
        _write(cells[1], [str(row["title"])])
        _write(cells[2], [str(row["health"])])
        _write(cells[3], [line for line in when if line])
        _write(cells[4], str(row["checkin_note"]).splitlines())
    for table_row in table.rows:
        for cell, width in zip(table_row.cells, CHECKIN_WIDTHS_CM, strict=True):
            cell.width = Cm(width)


def build_docx(plan: Plan, checkins: dict[int, CheckinStatus]) -> bytes:
    """The Word document; ``plan`` loaded with ``load_plan_layout``, ``checkins``
    its actions' latest check-ins (``plan_checkin_status``)."""
    statuses, _ = french_labels()
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(27.94), Cm(21.59)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    document.add_heading(clean_text(plan.title), level=0)
    subtitle = " · ".join(part for part in (plan.organisation.name, plan.event) if part)
    document.add_paragraph(clean_text(subtitle))
    _general_table(document, plan)
    for theme in plan.themes:
        if theme.archived_at is None:
            _theme_section(document, theme, statuses)
    _checkin_section(document, plan, checkins)
    if plan.timing_note:
        document.add_paragraph(clean_text(f"Note sur les échéanciers : {plan.timing_note}"))
    if plan.source:
        document.add_paragraph(clean_text(plan.source))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
