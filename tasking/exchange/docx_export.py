"""The plan as a Word document laid out like the ASCQ template: the general
objectives table, then per theme its definition, missions and the table of
operational objectives with each action's current status."""

from __future__ import annotations

import io
from datetime import date

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.section import Section
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from flask_babel import force_locale

from tasking.core.templating import qc_date
from tasking.exchange.exports import BULLET, objective_summary, text_colour
from tasking.exchange.tasksheet import NOTE_MARK, PlanExport, clean_text, export_rows, french_labels
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
# Within the landscape page's 24.9 cm between margins.
WIDTHS_CM = (3.6, 6.4, 4.0, 2.3, 2.3, 2.1, 2.1, 2.1)
NOTE_COLOUR = "404040"


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
        elif line.startswith(NOTE_MARK):
            # Who does the action and what was last said: set apart from the action itself.
            run.italic = True
            run.font.color.rgb = RGBColor.from_string(NOTE_COLOUR)


def _widths(table: Table, widths_cm: tuple[float, ...]) -> None:
    """Column widths in the table's grid (LibreOffice reads those) and on each cell (Word)."""
    for column, width in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)


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


def _theme_section(document: Document, theme: Theme, statuses: dict[str, str], export: PlanExport) -> None:
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
        summary = objective_summary(objective, statuses, export)
        cells = table.add_row().cells
        _write(cells[0], [objective.title, *objective.description.splitlines()])
        _write(cells[1], str(summary["actions"]).splitlines())
        _write(cells[2], str(summary["targets"]).splitlines())
        _write(cells[3], str(summary["owners"]).splitlines())
        _write(cells[4], str(summary["collaborators"]).splitlines())
        _write(cells[5], _dates(summary["short_start"], summary["short_end"]))
        _write(cells[6], _dates(summary["long_start"], summary["long_end"]))
        _write(cells[7], str(summary["comments"]).splitlines())
    _widths(table, WIDTHS_CM)


CHECKIN_HEADING = "Suivi hebdomadaire"
CHECKIN_HEADERS = ("Enjeu", "Action", "Santé", "Dernière mise à jour", "Note")
CHECKIN_WIDTHS_CM = (4.0, 8.0, 3.4, 4.0, 5.5)


def _checkin_section(document: Document, export: PlanExport) -> None:
    """After the template's tables, one line per action with something said
    (or to say: stale): the import reads theme tables only, never this one."""
    rows = [row for row in export_rows(export) if row["health"] or row["checkin_at"]]
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
    _widths(table, CHECKIN_WIDTHS_CM)


def _field(paragraph: Paragraph, instruction: str) -> None:
    """A field Word and LibreOffice fill in when they lay out the page (PAGE, NUMPAGES)."""
    run = paragraph.add_run()
    for kind, text in (("begin", None), (None, instruction), ("separate", None), (None, "1"), ("end", None)):
        if kind is not None:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), kind)
        elif text == instruction:
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {instruction} "
        else:
            element = OxmlElement("w:t")
            element.text = text
        run._r.append(element)


def _state_line(today: date) -> str:
    """« État au 25 nov. 2026 »: the day the document shows the plan at."""
    with force_locale("fr_CA"):
        return f"État au {qc_date(today)}"


def _footer(section: Section, plan: Plan, today: date) -> None:
    """On every page: the plan, the day it shows, « Page 3 de 12 »."""
    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    heading = f"{plan.title} · {plan.organisation.name} · {_state_line(today)} · Page "
    paragraph.add_run(clean_text(heading))
    _field(paragraph, "PAGE")
    paragraph.add_run(" de ")
    _field(paragraph, "NUMPAGES")
    for run in paragraph.runs:
        run.font.size = Pt(8)


def build_docx(export: PlanExport) -> bytes:
    """The Word document, landscape, its footer saying the day it shows and the page."""
    plan = export.plan
    statuses, _ = french_labels()
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(27.94), Cm(21.59)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    _footer(section, plan, export.today)
    document.add_heading(clean_text(plan.title), level=0)
    subtitle = " · ".join(part for part in (plan.organisation.name, plan.event) if part)
    document.add_paragraph(clean_text(subtitle))
    document.add_paragraph(_state_line(export.today))
    _general_table(document, plan)
    for theme in plan.themes:
        if theme.archived_at is None:
            _theme_section(document, theme, statuses, export)
    _checkin_section(document, export)
    if plan.timing_note:
        document.add_paragraph(clean_text(f"Note sur les échéanciers : {plan.timing_note}"))
    if plan.source:
        document.add_paragraph(clean_text(plan.source))
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()
