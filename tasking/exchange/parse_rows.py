"""Reading one row of the task sheet: cells to clean values (text, dates as
people write them, whole numbers, statuses and horizons in any accepted
spelling), with problems that name the sheet, the row and the column.

Pure: no database, no application.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any

from flask_babel import gettext as _
from openpyxl.utils.datetime import to_excel

from tasking.core.validation import MAX_TITLE
from tasking.exchange.parse_sheet import MAX_ERRORS, ImportFailed, Sheet
from tasking.exchange.tasksheet import (
    COLUMNS,
    DATE_KEYS,
    HEADERS,
    REQUIRED,
    fold,
    horizon_lookup,
    status_lookup,
)
from tasking.models.task import LEVELS, TaskStatus

MAX_CELL = 20_000
# A date cell before this year is a number typed into a date cell, not a date.
EARLIEST_YEAR = 2000
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


class RowReader:
    """Turns a sheet row into clean values, collecting problems that name the
    sheet, the row and the column."""

    def __init__(
        self, sheet: Sheet, statuses: dict[str, str] | None = None, horizons: dict[str, str] | None = None
    ):
        self.sheet = sheet
        self.problems: list[str] = []
        by_header = {fold(c.header): c.key for c in COLUMNS} | {fold(c.key): c.key for c in COLUMNS}
        self.index: dict[str, int] = {}
        for position, header in enumerate(sheet.headers):
            key = by_header.get(fold(header))
            if key and key not in self.index:
                self.index[key] = position
        missing = [HEADERS[key] for key in REQUIRED if key not in self.index]
        if missing:
            raise ImportFailed(
                [
                    _("Sheet %(sheet)s: the column “%(column)s” is missing.", sheet=sheet.name, column=name)
                    for name in missing
                ]
            )
        # Accepted spellings → codes; by default every label of the catalogue.
        self.statuses = statuses if statuses is not None else status_lookup()
        self.horizons = horizons if horizons is not None else horizon_lookup()

    def has(self, key: str) -> bool:
        return key in self.index

    def problem(self, row: int, key: str | None, message: str) -> None:
        if key:
            text = _(
                "Sheet %(sheet)s, row %(row)d, column %(column)s: %(message)s",
                sheet=self.sheet.name,
                row=row,
                column=HEADERS[key],
                message=message,
            )
        else:
            text = _(
                "Sheet %(sheet)s, row %(row)d: %(message)s", sheet=self.sheet.name, row=row, message=message
            )
        self.problems.append(text)
        if len(self.problems) >= MAX_ERRORS:
            raise ImportFailed(self.problems)

    def raw(self, values: list[Any], key: str) -> Any:
        position = self.index.get(key)
        if position is None or position >= len(values):
            return None
        return values[position]

    def text(self, values: list[Any], key: str) -> str:
        value = self.raw(values, key)
        if value is None:
            return ""
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).replace("\r\n", "\n").strip()[:MAX_CELL]

    def date(self, row: int, values: list[Any], key: str) -> date | None:
        value = self.raw(values, key)
        if value in (None, ""):
            return None
        if isinstance(value, datetime):
            # Excel keeps a date as a day number: a number typed into a date
            # cell comes back as a date-time, with a time of day (12345.5) or
            # in a year no plan has (12345 → 1933).
            if value.time() != time() or value.year < EARLIEST_YEAR:
                self.problem(row, key, _not_a_number_date(to_excel(value)))
                return None
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, int | float) and not isinstance(value, bool):
            self.problem(row, key, _not_a_number_date(value))
            return None
        text = str(value).strip()
        try:
            return date.fromisoformat(text[:10]) if len(text) >= 10 and text[4] == "-" else _dmy(text)
        except ValueError:
            self.problem(row, key, _("“%(value)s” is not a date.", value=text))
            return None

    def integer(self, row: int, values: list[Any], key: str) -> int | None:
        value = self.raw(values, key)
        if value in (None, ""):
            return None
        try:
            number = float(str(value).strip())
            if not number.is_integer():
                raise ValueError
            return int(number)
        except ValueError:
            self.problem(row, key, _("“%(value)s” is not a whole number.", value=value))
            return None


def _not_a_number_date(number: float) -> str:
    shown = int(number) if float(number).is_integer() else number
    return _("“%(value)s” is a number, not a date (write the date as 2026-12-31).", value=shown)


def _dmy(text: str) -> date:
    """« 31/12/2026 » (day first, as people write it in Québec)."""
    match = _DMY.match(text)
    if not match:
        raise ValueError(text)
    day, month, year = (int(g) for g in match.groups())
    return date(year, month, day)


def row_values(reader: RowReader, row: int, values: list[Any]) -> dict[str, Any]:
    """The row's fields, for the columns the file has."""
    new: dict[str, Any] = {}
    if reader.has("title"):
        new["title"] = reader.text(values, "title")
        if len(new["title"]) > MAX_TITLE:
            reader.problem(
                row, "title", _("the title is too long (%(num)d characters at most).", num=MAX_TITLE)
            )
    if reader.has("description"):
        new["description"] = reader.text(values, "description")
    if reader.has("status"):
        text = reader.text(values, "status")
        status = reader.statuses.get(fold(text)) if text else TaskStatus.TODO.value
        if status is None:
            reader.problem(row, "status", _("“%(value)s” is not a known status.", value=text))
        else:
            new["status"] = status
    if reader.has("blocked_reason"):
        new["blocked_reason"] = reader.text(values, "blocked_reason")
    if reader.has("owner_email"):
        new["owner_email"] = reader.text(values, "owner_email").lower()
    if reader.has("collaborators"):
        emails = re.split(r"[,;\s]+", reader.text(values, "collaborators").lower())
        new["collaborator_emails"] = sorted({email for email in emails if email})
    if reader.has("partners"):
        names: list[str] = []
        for name in reader.text(values, "partners").split(";"):
            name = " ".join(name.split())[:200]
            if name and name not in names:
                names.append(name)
        new["partners"] = names
    if reader.has("horizon"):
        text = reader.text(values, "horizon")
        horizon = reader.horizons.get(fold(text)) if text else None
        if text and horizon is None:
            reader.problem(row, "horizon", _("“%(value)s” is not a known horizon.", value=text))
        else:
            new["horizon"] = horizon
    if reader.has("level"):
        level = reader.text(values, "level").upper() or None
        if level and level not in LEVELS:
            reader.problem(row, "level", _("the level is O, G or E."))
        else:
            new["level"] = level
    for key in DATE_KEYS:
        if reader.has(key):
            new[key] = reader.date(row, values, key)
    for start, end in (("short_start", "short_end"), ("long_start", "long_end")):
        if new.get(start) and new.get(end) and new[start] > new[end]:
            reader.problem(row, end, _("the end date comes before the start date."))
    return new
