"""The plan as an Excel workbook (one read-only sheet per theme, as the
template lays it out, plus the task sheet) and the task sheet as CSV."""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Sequence
from copy import copy
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from tasking.exchange.tasksheet import (
    COLUMNS,
    EXPORT_COLUMNS,
    EXPORT_DATE_KEYS,
    NOTE_MARK,
    TASK_SHEET,
    PlanExport,
    clean_text,
    comment_line,
    export_rows,
    french_labels,
    neutralise,
)
from tasking.models import Comment, OperationalObjective, Task, TaskStatus, Theme

# The template's table, as a spreadsheet: the "À quel moment ?" dates split
# into their four from/to columns so they can hold real dates.
THEME_COLUMNS = (
    ("Objectifs opérationnels", 36),
    ("Actions", 60),
    ("Cibles", 40),
    ("Responsable(s)", 24),
    ("Collaborateur(s)", 24),
    ("Court et moyen terme du", 13),
    ("Court et moyen terme au", 13),
    ("Long terme du", 13),
    ("Long terme au", 13),
    ("Commentaires", 30),
)
# Above each theme sheet's table: the import reads only the task sheet, so
# these sheets are protected (no password) and say where edits go.
THEME_SHEET_NOTE = (
    "Feuille en lecture seule\u00a0: pour modifier le plan, modifiez la feuille "
    "«\u00a0Tâches\u00a0» puis importez le classeur dans Rétablir."
)
BULLET = "· "
DATE_FORMAT = "yyyy-mm-dd"
CSV_DELIMITER = ";"
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
# Row heights, which spreadsheets do not work out for a file they open: a
# line of the default font is 15 points; a column of width w holds about
# 1.2 w characters of text; Excel refuses rows over 409 points.
LINE_POINTS = 15
CHARACTERS_PER_WIDTH = 1.2
MAX_ROW_POINTS = 409


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on the theme colour."""
    hex_ = background.lstrip("#")
    try:
        r, g, b = (int(hex_[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return "000000"
    return "000000" if (0.299 * r + 0.587 * g + 0.114 * b) > 150 else "FFFFFF"


class _Styles:
    """Cell styles of a workbook, built once and copied onto each cell:
    assigning style objects cell by cell costs seconds on a large plan."""

    def __init__(self, workbook: Workbook):
        scratch = workbook.create_sheet("scratch")
        self.arrays: dict[str, object] = {}
        for column, kind in enumerate(("text", "quoted", "date", "other"), start=1):
            cell = scratch.cell(row=1, column=column)
            cell.alignment = _WRAP
            cell.border = _BORDER
            if kind == "quoted":
                cell.quotePrefix = True
            if kind == "date":
                cell.number_format = DATE_FORMAT
            self.arrays[kind] = copy(cell._style)
        workbook.remove(scratch)

    def put(self, ws: Worksheet, row: int, column: int, value: object) -> None:
        cell = ws.cell(row=row, column=column)
        if isinstance(value, str):
            cell.value = clean_text(value)
            # Text stays text: never stored as a formula, and Excel shows a cell
            # starting with "=" or "-" as typed (quote prefix), not evaluated.
            cell.data_type = "s"
            kind = "quoted" if value.startswith(("=", "+", "-", "@")) else "text"
        else:
            cell.value = value
            kind = "date" if isinstance(value, date) else "other"
        cell._style = copy(self.arrays[kind])


def _header(
    styles: _Styles, ws: Worksheet, headers: Iterable[tuple[str, int]], colour: str, row: int = 1
) -> None:
    fill = PatternFill("solid", start_color=colour.lstrip("#").upper())
    font = Font(bold=True, color=text_colour(colour))
    for index, (title, width) in enumerate(headers, start=1):
        styles.put(ws, row, index, title)
        cell = ws.cell(row=row, column=index)
        cell.fill = fill
        cell.font = font
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.freeze_panes = f"A{row + 1}"


def _read_only_note(ws: Worksheet) -> None:
    """The note on row 1 and the sheet's protection: Excel then refuses edits
    that the import would silently ignore."""
    ws.cell(row=1, column=1, value=THEME_SHEET_NOTE).font = Font(bold=True, italic=True)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(THEME_COLUMNS))
    ws.protection.sheet = True
    # Widening a column to read a long cell stays possible.
    ws.protection.formatColumns = False
    ws.protection.formatRows = False


def _sheet_title(theme: Theme, taken: set[str]) -> str:
    base = f"{theme.number}. {theme.title}" if theme.number else theme.title
    base = "".join(ch for ch in base if ch not in "[]:*?/\\")[:31].strip() or "Enjeu"
    title, n = base, 2
    while title.casefold() in taken or title.casefold() == TASK_SHEET.casefold():
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.casefold())
    return title


def _bullets(lines: Iterable[str]) -> str:
    return "\n".join(BULLET + line for line in lines if line)


def _unique(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen


def action_line(
    task: Task, statuses: dict[str, str], latest: tuple[Comment, int] | None = None, timezone: str = ""
) -> str:
    """« · Title [En cours] » with the description's lines under it; a blocked
    action says why (« [Bloqué : motif] »), as the Word import requires. Then
    who does it and what was last said, on lines the Word import skips."""
    label = statuses.get(task.status, task.status)
    if task.status == TaskStatus.BLOCKED.value and task.blocked_reason.strip():
        label += " : " + " ".join(task.blocked_reason.replace("[", "(").replace("]", ")").split())
    line = f"{task.title} [{label}]"
    if task.description:
        line += "\n" + task.description
    if task.owner is not None:
        line += f"\n{NOTE_MARK}Responsable\u00a0: {task.owner.name}"
    if latest is not None:
        line += f"\n{NOTE_MARK}Dernier commentaire\u00a0: {comment_line(latest, timezone)}"
    return line


def objective_summary(
    objective: OperationalObjective, statuses: dict[str, str], export: PlanExport
) -> dict[str, object]:
    """An objective's row of the template: bullets and the span of its dates."""
    tasks = [t for t in objective.tasks if t.archived_at is None]
    timezone = export.plan.organisation.timezone

    def earliest(attr: str) -> date | None:
        values = [getattr(t, attr) for t in tasks if getattr(t, attr)]
        return min(values) if values else None

    def latest(attr: str) -> date | None:
        values = [getattr(t, attr) for t in tasks if getattr(t, attr)]
        return max(values) if values else None

    return {
        "actions": _bullets(action_line(t, statuses, export.comments.get(t.id), timezone) for t in tasks),
        "targets": _bullets(t.text for t in objective.targets),
        "owners": _bullets(_unique(t.owner.name for t in tasks if t.owner)),
        "collaborators": _bullets(
            _unique(
                [u.name for t in tasks for u in t.collaborators] + [p.name for t in tasks for p in t.partners]
            )
        ),
        "short_start": earliest("short_start"),
        "short_end": latest("short_end"),
        "long_start": earliest("long_start"),
        "long_end": latest("long_end"),
        "comments": objective.comments or "",
    }


def _choices(ws: Worksheet, key: str, values: list[str]) -> None:
    """A drop-down list on a column of the task sheet (rows added below too)."""
    letter = get_column_letter([c.key for c in COLUMNS].index(key) + 1)
    validation = DataValidation(type="list", formula1='"' + ",".join(values) + '"', allow_blank=True)
    validation.add(f"{letter}2:{letter}{ws.max_row + 1000}")
    ws.add_data_validation(validation)


def _fit_row(ws: Worksheet, row: int, values: Sequence[object], widths: Sequence[int]) -> None:
    """A height that shows the row's wrapped text whole."""
    lines = 1
    for value, width in zip(values, widths, strict=False):
        if isinstance(value, str) and value:
            per_line = width * CHARACTERS_PER_WIDTH
            lines = max(lines, sum(max(1, math.ceil(len(part) / per_line)) for part in value.split("\n")))
    if lines > 1:
        ws.row_dimensions[row].height = min(MAX_ROW_POINTS, lines * LINE_POINTS + 2)


def _print_setup(ws: Worksheet, header_row: int) -> None:
    """Landscape, as wide as the page (as many pages down as it takes), the
    header row on every page: how a coordinator prints it for council."""
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.paperSize = ws.PAPERSIZE_LETTER
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5


def _theme_sheet(styles: _Styles, ws: Worksheet, theme: Theme, export: PlanExport) -> None:
    """A theme's table as the template lays it out, read-only."""
    statuses, _ = french_labels()
    headers = list(THEME_COLUMNS)
    headers[0] = (theme.objectives_heading or headers[0][0], headers[0][1])
    widths = [width for _title, width in headers]
    _read_only_note(ws)
    _header(styles, ws, headers, theme.colour or "#e0b400", row=2)
    _fit_row(ws, 2, [title for title, _width in headers], widths)
    row = 3
    for objective in theme.objectives:
        if objective.archived_at is not None:
            continue
        summary = objective_summary(objective, statuses, export)
        title = objective.title + ("\n" + objective.description if objective.description else "")
        values = (
            title,
            summary["actions"],
            summary["targets"],
            summary["owners"],
            summary["collaborators"],
            summary["short_start"],
            summary["short_end"],
            summary["long_start"],
            summary["long_end"],
            summary["comments"],
        )
        for column, value in enumerate(values, start=1):
            styles.put(ws, row, column, value if value is not None else "")
        _fit_row(ws, row, values, widths)
        row += 1
    _print_setup(ws, 2)


def build_xlsx(export: PlanExport) -> bytes:
    """The workbook: a read-only sheet per theme, then the task sheet, which
    the workbook opens on."""
    statuses, horizons = french_labels()
    workbook = Workbook()
    workbook.remove(workbook.active)
    styles = _Styles(workbook)
    taken: set[str] = set()
    for theme in export.plan.themes:
        if theme.archived_at is None:
            _theme_sheet(styles, workbook.create_sheet(_sheet_title(theme, taken)), theme, export)

    ws = workbook.create_sheet(TASK_SHEET)
    widths = [c.width for c in EXPORT_COLUMNS]
    _header(styles, ws, [(c.header, c.width) for c in EXPORT_COLUMNS], "#404040")
    _fit_row(ws, 1, [c.header for c in EXPORT_COLUMNS], widths)
    for row, values in enumerate(export_rows(export), start=2):
        cells = ["" if values[spec.key] is None else values[spec.key] for spec in EXPORT_COLUMNS]
        for column, value in enumerate(cells, start=1):
            styles.put(ws, row, column, value)
        _fit_row(ws, row, cells, widths)
    ws.auto_filter.ref = ws.dimensions
    _choices(ws, "status", list(statuses.values()))
    _choices(ws, "horizon", list(horizons.values()))
    _choices(ws, "level", ["O", "G", "E"])
    _print_setup(ws, 1)
    # Opened on the sheet people edit, and only that one selected (several
    # selected tabs would group the sheets, and an edit would go to all).
    for sheet in workbook.worksheets:
        sheet.sheet_view.tabSelected = sheet is ws
    workbook.active = ws

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def build_csv(export: PlanExport) -> bytes:
    """The task sheet as CSV: UTF-8 with a byte-order mark (so Excel reads the
    accents right) and ";" between fields, as a French-Canadian Excel expects."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([c.header for c in EXPORT_COLUMNS])
    for values in export_rows(export):
        row = []
        for spec in EXPORT_COLUMNS:
            value = values[spec.key]
            if value is None:
                row.append("")
            elif spec.key in EXPORT_DATE_KEYS:
                row.append(value.isoformat())
            else:
                row.append(neutralise(str(value)))
        writer.writerow(row)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
