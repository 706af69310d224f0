"""Reading an uploaded task sheet (xlsx or csv) into plain rows.

Pure: bytes in, a :class:`Sheet` out (or :class:`ImportFailed` listing what
is wrong); no database, no application. Formulas are refused, not evaluated;
reads are bounded so that a file declaring a huge size costs little.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from openpyxl import load_workbook

from tasking.core.errors import ServiceError
from tasking.exchange.files import CSV, XLSX, decode_text
from tasking.exchange.tasksheet import TASK_SHEET, fold, unneutralise

MAX_ROWS = 10_000
MAX_COLUMNS = 60
MAX_ERRORS = 30


class ImportFailed(ServiceError):
    """The file cannot be imported; ``problems`` lists every reason found."""

    def __init__(self, problems: list[str]):
        super().__init__(problems[0])
        self.problems = problems


@dataclass
class Sheet:
    name: str
    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    # The workbook's other sheets, which the import does not read.
    others: list[str] = field(default_factory=list)


def _cell_text(value: Any) -> Any:
    if isinstance(value, str):
        return unneutralise(value.strip())
    return value


def read_xlsx(content: bytes) -> Sheet:
    """The task sheet of a workbook, its formulas left unevaluated."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ImportFailed([_("The workbook is damaged: it cannot be opened.")]) from exc
    try:
        return _read_task_sheet(workbook)
    except ImportFailed:
        raise
    except Exception as exc:  # a sheet is parsed lazily, row by row: damage shows up here
        raise ImportFailed([_("The workbook is damaged: it cannot be opened.")]) from exc
    finally:
        workbook.close()


def _read_task_sheet(workbook: Any) -> Sheet:
    names = {fold(name): name for name in workbook.sheetnames}
    name = names.get(fold(TASK_SHEET)) or (workbook.sheetnames[0] if len(names) == 1 else None)
    if name is None:
        raise ImportFailed([_("The workbook has no sheet named “%(name)s”.", name=TASK_SHEET)])
    rows: list[tuple[int, list[Any]]] = []
    headers: list[str] | None = None
    problems: list[str] = []
    # Bounded reads: a sheet may declare a huge size it does not fill.
    cells_by_row = workbook[name].iter_rows(max_col=MAX_COLUMNS, max_row=MAX_ROWS * 2)
    for number, cells in enumerate(cells_by_row, start=1):
        values = []
        for column, cell in enumerate(cells):
            if getattr(cell, "data_type", None) == "f":
                header = headers[column] if headers and column < len(headers) else str(column + 1)
                problems.append(
                    _(
                        "Sheet %(sheet)s, row %(row)d, column %(column)s: formulas are not accepted.",
                        sheet=name,
                        row=number,
                        column=header,
                    )
                )
                values.append("")
                continue
            values.append(_cell_text(cell.value))
        if headers is None:
            headers = [str(v or "").strip() for v in values]
            continue
        if any(v not in (None, "") for v in values):
            rows.append((number, values))
            if len(rows) > MAX_ROWS:
                raise ImportFailed([_("The file has more than %(max)d rows.", max=MAX_ROWS)])
    if problems:
        raise ImportFailed(problems[:MAX_ERRORS])
    others = [other for other in workbook.sheetnames if other != name]
    return Sheet(name, headers or [], rows, others)


def read_csv(content: bytes) -> Sheet:
    """A CSV file with ";" or "," between fields (whichever the header uses)."""
    text = decode_text(content)
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        headers: list[str] | None = None
        rows: list[tuple[int, list[Any]]] = []
        # Numbered by record, as a spreadsheet shows it: a cell written over
        # several lines is still one row.
        for number, values in enumerate(reader, start=1):
            if headers is None:
                headers = [v.strip() for v in values]
                continue
            if any(v.strip() for v in values):
                rows.append((number, [_cell_text(v) for v in values]))
                if len(rows) > MAX_ROWS:
                    raise ImportFailed([_("The file has more than %(max)d rows.", max=MAX_ROWS)])
    except csv.Error as exc:
        raise ImportFailed([_("The CSV file cannot be read: %(error)s", error=str(exc))]) from exc
    return Sheet(TASK_SHEET, headers or [], rows)


def read_sheet(content: bytes, kind: str) -> Sheet:
    """The task sheet of an xlsx or csv file."""
    if kind == XLSX:
        return read_xlsx(content)
    if kind == CSV:
        return read_csv(content)
    raise ImportFailed([_("Import an Excel (.xlsx) or CSV file exported from this plan.")])
