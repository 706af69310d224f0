"""A filled ASCQ template in Word (.docx) becomes a new plan.

The document is read in order: a numbered heading (« 3. Enjeux sociaux :
… ») opens a theme; « Brève définition », « Nom des missions responsables »
and « Enjeux de communication » paragraphs describe it; its table (columns
Objectifs opérationnels, Actions, Cibles, Responsable(s), Collaborateur(s),
À quel moment ?, Commentaires, found by their headers) gives one operational
objective per row. A row whose objective cell is empty (or vertically merged
with the one above) continues the previous objective. In the Actions cell each
« · » bullet is one action; lines under it (« -connaître les besoins ») are
that action's description; a trailing « [En cours] » is its status, as our
own Word export writes it. Targets are read the same way. The general
objectives table (Temporalité, Objectifs généraux, Objectifs spécifiques,
Précisions) gives the general and specific objectives.

People named in the Responsable(s) and Collaborateur(s) cells who are members
of the organisation (by name or e-mail) become the owner and collaborators of
the row's actions; other names are kept as named partners. Dates found in the
timing cells (2026-05-01, 01/05/2026 or « 1 mai 2026 », as our Word export
writes them) become the actions' dates, the last one their due date.

What is read but cannot be used as written (an impossible date, dates out of
order, an unknown status in brackets) is listed as a warning in the preview.

Pure: bytes in, a :class:`ParsedPlan` out; no database, no application.
:mod:`tasking.exchange.docx_plan` turns it into a plan.
"""

from __future__ import annotations

import io
import re
import weakref
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from flask_babel import gettext as _

from tasking.core.validation import MAX_TITLE
from tasking.exchange.parse_sheet import ImportFailed
from tasking.exchange.tasksheet import NOTE_MARK, fold, status_lookup
from tasking.models import (
    TaskStatus,
)

BULLETS = "·•▪◦‣\uf0b7"
MAX_TABLES = 200
MAX_ROWS = 5_000
_HEADING = re.compile(r"^\s*(\d{1,2})\s*[.)]\s+(\S.*)$")
_STATUS_SUFFIX = re.compile(r"\s*\[([^\[\]]{1,2000})\]\s*$")
_DATE = re.compile(
    r"\b(?:(\d{4})-(\d{1,2})-(\d{1,2})|(\d{1,2})/(\d{1,2})/(\d{4})"
    r"|(\d{1,2})(?:er)?\s+([^\W\d_]+)\.?\s+(\d{4}))\b"
)
# French month names and their abbreviations (accents folded), as people and
# qc_date write them: « 5 oct. 2026 », « 1er juillet 2027 ».
MONTHS = {
    "janv": 1, "janvier": 1, "fev": 2, "fevr": 2, "fevrier": 2, "mars": 3, "avr": 4, "avril": 4,
    "mai": 5, "juin": 6, "juil": 7, "juill": 7, "juillet": 7, "aout": 8, "sept": 9, "septembre": 9,
    "oct": 10, "octobre": 10, "nov": 11, "novembre": 11, "dec": 12, "decembre": 12,
}  # fmt: skip
_SPECIFIC = re.compile(r"^(\d+(?:\.\d+)+)\s*(.*)$")
_DEFINITION = re.compile(r"^\s*brève\s+définition\s*:?\s*", re.IGNORECASE)
_MISSIONS = re.compile(r"^\s*nom\s+d\w*\s+(?:la\s+)?missions?\s+responsables?\s*[.:]?\s*", re.IGNORECASE)


@dataclass
class Line:
    text: str
    bullet: bool


@dataclass
class Item:
    title: str
    description: list[str] = field(default_factory=list)
    status: str = TaskStatus.TODO.value
    # « [Bloqué : motif] »: a blocked action says why.
    blocked_reason: str = ""


@dataclass
class Row:
    title: str
    description: list[str] = field(default_factory=list)
    actions: list[Item] = field(default_factory=list)
    targets: list[Item] = field(default_factory=list)
    owners: list[str] = field(default_factory=list)
    collaborators: list[str] = field(default_factory=list)
    short: list[date] = field(default_factory=list)
    long: list[date] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)


@dataclass
class ParsedTheme:
    number: int | None
    title: str
    subtitle: str = ""
    definition: str = ""
    missions_text: str = ""
    communication_issues: list[str] = field(default_factory=list)
    objectives_heading: str = ""
    actions_note: str = ""
    colour: str | None = None
    objectives: list[Row] = field(default_factory=list)


@dataclass
class ParsedSpecific:
    number: str
    title: str
    details: list[str] = field(default_factory=list)
    precision: str = ""


@dataclass
class ParsedGeneral:
    horizon: str
    title: str
    specifics: list[ParsedSpecific] = field(default_factory=list)


@dataclass
class ParsedPlan:
    title: str = ""
    general: list[ParsedGeneral] = field(default_factory=list)
    themes: list[ParsedTheme] = field(default_factory=list)
    # What the import reads differently from what is written, said in the preview.
    warnings: list[str] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {
            "themes": len(self.themes),
            "objectives": sum(len(t.objectives) for t in self.themes),
            "actions": sum(len(o.actions) for t in self.themes for o in t.objectives),
            "targets": sum(len(o.targets) for t in self.themes for o in t.objectives),
            "general_objectives": len(self.general),
            "specific_objectives": sum(len(g.specifics) for g in self.general),
        }


# Reading ------------------------------------------------------------------------


#: Paragraph style id → name, per document part (see ``_style_name``).
_STYLE_NAMES: weakref.WeakKeyDictionary[Any, dict[str, str]] = weakref.WeakKeyDictionary()


def _style_name(paragraph: Paragraph) -> str:
    """The paragraph's style name; "" for the document's default style.
    python-docx's ``paragraph.style`` searches all the document's styles at
    every call (most of the seconds a plan of 145 actions took to read): the
    names are read once per document."""
    style_id = paragraph._p.style
    if style_id is None:
        return ""
    part = paragraph.part
    names = _STYLE_NAMES.get(part)
    if names is None:
        styles = part.styles
        names = {style.style_id: style.name for style in styles if style.type == WD_STYLE_TYPE.PARAGRAPH}
        _STYLE_NAMES[part] = names
    return names.get(style_id, "")


def _is_bullet(paragraph: Paragraph, text: str) -> bool:
    if text[:1] in BULLETS:
        return True
    properties = paragraph._p.pPr
    if properties is not None and properties.numPr is not None:
        return True
    style = _style_name(paragraph)
    return "List" in style or "Liste" in style


def _lines(paragraphs: list[Paragraph]) -> list[Line]:
    """A cell's (or a stretch of the body's) lines, marking bullets."""
    lines: list[Line] = []
    for paragraph in paragraphs:
        text = paragraph.text.replace("\t", " ")
        for index, part in enumerate(text.split("\n")):
            if part.startswith(NOTE_MARK):
                continue  # what our own export adds under an action, not part of it
            bullet = _is_bullet(paragraph, part) if index == 0 else part[:1] in BULLETS
            part = part.strip().lstrip(BULLETS).strip() if bullet else part.strip()
            if part:
                lines.append(Line(part, bullet))
    return lines


def _items(lines: list[Line], statuses: dict[str, str] | None = None) -> list[Item]:
    """Bullets are items; other lines belong to the item above them (or, in a
    cell without bullets, start an item unless they start with « - »)."""
    has_bullets = any(line.bullet for line in lines)
    items: list[Item] = []
    for line in lines:
        if line.bullet or not items or not (has_bullets or line.text.startswith("-")):
            items.append(Item(line.text))
        else:
            items[-1].description.append(line.text)
    if statuses:
        for item in items:
            match = _STATUS_SUFFIX.search(item.title)
            label, _colon, reason = match.group(1).partition(":") if match else ("", "", "")
            if match and fold(label.strip()) in statuses:
                item.status = statuses[fold(label.strip())]
                item.blocked_reason = reason.strip() if item.status == TaskStatus.BLOCKED.value else ""
                item.title = item.title[: match.start()].rstrip()
    return items


def _dates(text: str) -> tuple[list[date], list[str]]:
    """The dates written in ``text``, and the date-like texts that are no
    real day (« 2026-13-45 », « 31/02/2026 »)."""
    found: list[date] = []
    impossible: list[str] = []
    for match in _DATE.finditer(text):
        groups = match.groups()
        if groups[0]:
            year, month, day = groups[0:3]
        elif groups[3]:
            day, month, year = groups[3:6]
        else:
            day, month, year = groups[6], MONTHS.get(fold(groups[7])), groups[8]
            if month is None:
                continue  # « 3 ans 2026 »: not a date at all
        try:
            found.append(date(int(year), int(month), int(day)))
        except ValueError:
            impossible.append(match.group(0))
    return found, impossible


def _cell_text(cell: _Cell) -> str:
    return "\n".join(line.text for line in _lines(cell.paragraphs))


def _shading(cell: _Cell) -> str | None:
    properties = cell._tc.tcPr
    if properties is None:
        return None
    shading = properties.find(qn("w:shd"))
    fill = shading.get(qn("w:fill")) if shading is not None else None
    if fill and re.fullmatch(r"[0-9A-Fa-f]{6}", fill):
        return "#" + fill.lower()
    return None


def _columns(header: list[_Cell], second: list[_Cell] | None) -> dict[str, int]:
    """Column index of each field, found by the header texts."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        text = fold(_cell_text(cell))
        for key, prefix in (
            ("actions", "action"),
            ("targets", "cible"),
            ("owners", "responsable"),
            ("collaborators", "collaborat"),
            ("comments", "comment"),
        ):
            if text.startswith(prefix):
                columns.setdefault(key, index)
        if "moment" in text:
            if "short" not in columns:
                columns["short"] = index
            elif cell._tc is header[columns["short"]]._tc or "long" not in columns:
                columns.setdefault("long", index)
    columns["objective"] = 0
    if second is not None:
        for index, cell in enumerate(second):
            text = fold(_cell_text(cell))
            if text.startswith("court"):
                columns["short"] = index
            elif text.startswith("long"):
                columns["long"] = index
    return columns


def _is_theme_table(table: Table) -> bool:
    if not table.rows:
        return False
    texts = [fold(_cell_text(c)) for c in table.rows[0].cells]
    return any(t.startswith("action") for t in texts) and any(t.startswith("cible") for t in texts)


def _is_general_table(table: Table) -> bool:
    if not table.rows:
        return False
    texts = [fold(_cell_text(c)) for c in table.rows[0].cells]
    return any(t.startswith("temporalit") for t in texts) and any("specifique" in t for t in texts)


def _read_general(table: Table, plan: ParsedPlan) -> None:
    current: ParsedGeneral | None = None
    previous: list[Any] = [None, None]
    for row in table.rows[1:]:
        cells = row.cells
        if len(cells) < 4:
            continue
        horizon_text, title_text = _cell_text(cells[0]), _cell_text(cells[1])
        fresh_title = title_text and cells[1]._tc is not previous[1]
        if current is None or fresh_title:
            horizon = "long" if "long" in fold(horizon_text) else "short_medium"
            if not horizon_text and current is not None:
                horizon = current.horizon
            current = ParsedGeneral(horizon=horizon, title=" ".join(title_text.split("\n")))
            plan.general.append(current)
        previous = [cells[0]._tc, cells[1]._tc]
        lines = _lines(cells[2].paragraphs)
        if not lines:
            continue
        match = _SPECIFIC.match(lines[0].text)
        number, title = (match.group(1), match.group(2).strip()) if match else ("", lines[0].text)
        current.specifics.append(
            ParsedSpecific(
                number=number,
                title=title,
                details=[line.text for line in lines[1:]],
                precision=_cell_text(cells[3]).replace("\n", " "),
            )
        )


def _read_theme_table(
    table: Table,
    theme: ParsedTheme,
    table_number: int,
    problems: list[str],
    warnings: list[str],
    statuses: dict[str, str],
) -> None:
    rows = table.rows
    header = rows[0].cells
    second = None
    start = 1
    if len(rows) > 1:
        candidate = rows[1].cells
        texts = [fold(_cell_text(c)) for c in candidate]
        if any(t.startswith("court") or t.startswith("long terme") for t in texts) and not texts[0]:
            second, start = candidate, 2
    columns = _columns(header, second)
    heading_lines = _lines(header[0].paragraphs)
    theme.objectives_heading = heading_lines[0].text if heading_lines else ""
    if "actions" in columns:
        note = _lines(header[columns["actions"]].paragraphs)[1:]
        theme.actions_note = " ".join(line.text for line in note)
    theme.colour = theme.colour or _shading(header[0])
    reader = _ThemeTable(columns, table_number, problems, warnings, statuses)
    for number, row in enumerate(rows[start:], start=start + 1):
        reader.read_row(theme, number, row.cells)
    if not theme.objectives:
        problems.append(
            _(
                "Table %(table)d (%(theme)s): no operational objective found.",
                table=table_number,
                theme=theme.title,
            )
        )


@dataclass
class _ThemeTable:
    """Reads a theme table's rows, one operational objective per row (or the
    previous one continued), noting problems and warnings by table and row."""

    columns: dict[str, int]
    table_number: int
    problems: list[str]
    warnings: list[str]
    statuses: dict[str, str]
    # The last cell read per column: a merged cell repeats it on the next row.
    previous: dict[str, object] = field(default_factory=dict)

    def cell(self, cells: list[_Cell], key: str) -> _Cell | None:
        """The row's cell for ``key``, or None when it is the vertical
        continuation of the cell above (Word merged them: already read)."""
        index = self.columns.get(key)
        if index is None or index >= len(cells):
            return None
        found = cells[index]
        if self.previous.get(key) is found._tc:
            return None
        self.previous[key] = found._tc
        return found

    def lines(self, cells: list[_Cell], key: str) -> list[Line]:
        found = self.cell(cells, key)
        return _lines(found.paragraphs) if found is not None else []

    def read_row(self, theme: ParsedTheme, number: int, cells: list[_Cell]) -> None:
        objective_lines = self.lines(cells, "objective")
        actions = _items(self.lines(cells, "actions"), self.statuses)
        targets = _items(self.lines(cells, "targets"))
        if not objective_lines:
            if not theme.objectives:
                if actions or targets:
                    self.problems.append(
                        _(
                            "Table %(table)d, row %(row)d: actions without an operational objective.",
                            table=self.table_number,
                            row=number,
                        )
                    )
                return
            current = theme.objectives[-1]
        else:
            current = Row(
                title=objective_lines[0].text, description=[line.text for line in objective_lines[1:]]
            )
            theme.objectives.append(current)
        self.check_actions(number, actions)
        current.actions.extend(actions)
        current.targets.extend(targets)
        for key, names in (
            ("owners", current.owners),
            ("collaborators", current.collaborators),
            ("comments", current.comments),
        ):
            for line in self.lines(cells, key):
                if line.text not in names:
                    names.append(line.text)
        for key, dates in (("short", current.short), ("long", current.long)):
            timing = self.cell(cells, key)
            if timing is not None:
                dates.extend(self.dates(number, _cell_text(timing)))

    def check_actions(self, number: int, actions: list[Item]) -> None:
        """Titles too long to keep; bracketed words that are no status."""
        for action in actions:
            if len(action.title) > MAX_TITLE:
                self.problems.append(
                    _(
                        "Table %(table)d, row %(row)d: an action's title is too long "
                        "(%(num)d characters at most): “%(start)s…”.",
                        table=self.table_number,
                        row=number,
                        num=MAX_TITLE,
                        start=action.title[:60],
                    )
                )
            if action.status == TaskStatus.BLOCKED.value and not action.blocked_reason:
                self.problems.append(
                    _(
                        "Table %(table)d, row %(row)d: the action “%(title)s” is blocked without a reason; "
                        "write it as « [Bloqué : what blocks it] ».",
                        table=self.table_number,
                        row=number,
                        title=action.title,
                    )
                )
            marker = _STATUS_SUFFIX.search(action.title)
            if marker:
                self.warnings.append(
                    _(
                        "Table %(table)d, row %(row)d: “[%(marker)s]” is not a known status; "
                        "it stays in the title of the action “%(title)s”.",
                        table=self.table_number,
                        row=number,
                        marker=marker.group(1),
                        title=action.title,
                    )
                )

    def dates(self, number: int, text: str) -> list[date]:
        """The dates of a timing cell, with a warning for what is no date or out of order."""
        found, impossible = _dates(text)
        for value in impossible:
            self.warnings.append(
                _(
                    "Table %(table)d, row %(row)d: “%(value)s” is not a date; it is left out.",
                    table=self.table_number,
                    row=number,
                    value=value,
                )
            )
        if found != sorted(found):
            self.warnings.append(
                _(
                    "Table %(table)d, row %(row)d: the dates are not in order; "
                    "the earliest is taken as the start.",
                    table=self.table_number,
                    row=number,
                )
            )
        return found


def _theme_from(heading: Paragraph | None, paragraphs: list[Paragraph], count: int) -> ParsedTheme:
    if heading is not None:
        match = _HEADING.match(heading.text.strip())
        number, text = (int(match.group(1)), match.group(2)) if match else (None, heading.text.strip())
    else:
        number, text = None, _("Theme %(number)d", number=count)
    parts = re.split(r"\s*:\s+", text.strip(), maxsplit=1)
    theme = ParsedTheme(
        number=number, title=parts[0].strip(), subtitle=parts[1].strip() if len(parts) > 1 else ""
    )
    in_issues = False
    for paragraph in paragraphs:
        text = paragraph.text.strip()
        if not text:
            continue
        if _DEFINITION.match(text):
            theme.definition, in_issues = _DEFINITION.sub("", text, count=1).strip(), False
        elif _MISSIONS.match(text):
            theme.missions_text, in_issues = _MISSIONS.sub("", text, count=1).strip(), False
        elif fold(text).startswith("enjeux de communication"):
            in_issues = True
        elif in_issues and _is_bullet(paragraph, text):
            theme.communication_issues.append(text.lstrip(BULLETS).strip())
        else:
            in_issues = False
    return theme


def _is_heading(paragraph: Paragraph) -> bool:
    text = paragraph.text.strip()
    if not text or len(text) > 400:
        return False
    return bool(_HEADING.match(text)) or _style_name(paragraph).startswith(("Heading", "Titre"))


def parse_docx(content: bytes, statuses: dict[str, str] | None = None) -> ParsedPlan:
    """Read the document; raises :class:`ImportFailed` naming what is wrong.
    ``statuses`` maps the accepted spellings of a status to its code (by
    default every label of the catalogue)."""
    try:
        document = Document(io.BytesIO(content))
        return _parse(document, status_lookup() if statuses is None else statuses)
    except ImportFailed:
        raise
    except Exception as exc:  # python-docx raises many kinds on a damaged file
        raise ImportFailed([_("The Word document is damaged: it cannot be opened.")]) from exc


def _parse(document: Any, statuses: dict[str, str]) -> ParsedPlan:
    plan = ParsedPlan()
    problems: list[str] = []
    heading: Paragraph | None = None
    section: list[Paragraph] = []
    tables = 0
    rows = 0
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, document)
            if not plan.title and _style_name(paragraph) == "Title" and paragraph.text.strip():
                plan.title = paragraph.text.strip()
            elif _is_heading(paragraph):
                heading, section = paragraph, []
            else:
                section.append(paragraph)
        elif child.tag == qn("w:tbl"):
            tables += 1
            table = Table(child, document)
            rows += len(table.rows)
            if tables > MAX_TABLES or rows > MAX_ROWS:
                raise ImportFailed([_("The document has too many tables or rows to be a plan.")])
            if _is_general_table(table):
                _read_general(table, plan)
            elif _is_theme_table(table) and heading is None and plan.themes:
                # No theme heading since the last table: Word split it, or its
                # header row was pasted again. The rows go on in the same theme.
                theme = plan.themes[-1]
                plan.warnings.append(
                    _(
                        "Table %(table)d has no theme heading above it: its rows are added to "
                        "the theme “%(theme)s”.",
                        table=tables,
                        theme=theme.title,
                    )
                )
                _read_theme_table(table, theme, tables, problems, plan.warnings, statuses)
                section = []
            elif _is_theme_table(table):
                theme = _theme_from(heading, section, len(plan.themes) + 1)
                _read_theme_table(table, theme, tables, problems, plan.warnings, statuses)
                plan.themes.append(theme)
                heading, section = None, []
    if not plan.themes:
        problems.append(
            _(
                "No theme table was found: each theme needs a table with the columns "
                "Objectifs opérationnels, Actions, Cibles…"
            )
        )
    if problems:
        raise ImportFailed(problems)
    return plan
