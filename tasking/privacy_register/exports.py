"""The incident register as files for the Commission d'accès à
l'information or the council: CSV (UTF-8 with a byte-order mark, ";" as a
French-Canadian Excel expects) and an Excel workbook, headers in French
whatever the reader's language (the register is kept in French)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from tasking.core.clock import to_local
from tasking.exchange.tasksheet import neutralise
from tasking.models import ConfidentialityIncident
from tasking.privacy_register.incidents import LEVELS, NATURES, STATUSES

Column = tuple[str, Callable[[ConfidentialityIncident], object], int]


def _answer(value: bool | None) -> str:
    return {True: _("Yes"), False: _("No")}.get(value, _("Not assessed"))


def _label(labels: dict, value: str | None) -> str:
    return str(labels[value]) if value in labels else ""


def columns(timezone: str) -> list[Column]:
    """(header, value of an incident, width in the workbook), in the language in force."""

    def instant(value: datetime | None) -> str:
        return to_local(value, timezone).strftime("%Y-%m-%d %H:%M") if value else ""

    def name(user) -> str:  # noqa: ANN001
        return user.name if user is not None else ""

    return [
        (_("No."), lambda i: i.number, 6),
        (_("Incident date (or start)"), lambda i: i.occurred_on, 12),
        (_("End of the period"), lambda i: i.occurred_until, 12),
        (_("Date of discovery"), lambda i: i.discovered_on, 12),
        (_("Discovered by"), lambda i: i.discovered_by, 20),
        (_("Nature"), lambda i: _label(NATURES, i.nature), 24),
        (_("Description"), lambda i: i.description, 40),
        (_("Personal information concerned"), lambda i: i.information_concerned, 30),
        (_("Number of people concerned"), lambda i: i.people_concerned, 10),
        (_("Sensitivity of the information"), lambda i: _label(LEVELS, i.sensitivity), 12),
        (_("Likely consequences"), lambda i: i.consequences, 30),
        (_("Probability of misuse"), lambda i: _label(LEVELS, i.probability), 12),
        (_("Risk of serious harm"), lambda i: _answer(i.serious_harm), 12),
        (_("Measures taken"), lambda i: i.measures, 40),
        (_("Commission notified"), lambda i: _answer(i.commission_notified), 10),
        (_("Date notified to the Commission"), lambda i: i.commission_notified_on, 12),
        (_("People concerned notified"), lambda i: _answer(i.people_notified), 10),
        (_("Date notified to the people"), lambda i: i.people_notified_on, 12),
        (_("Reason the people were not notified"), lambda i: i.people_not_notified_reason, 30),
        (_("Other bodies notified"), lambda i: i.other_bodies, 24),
        (_("Status"), lambda i: _label(STATUSES, i.status), 10),
        (_("Recorded in the register by"), lambda i: name(i.created_by), 18),
        (_("Recorded at"), lambda i: instant(i.created_at), 16),
        (_("Last changed by"), lambda i: name(i.updated_by), 18),
        (_("Last changed at"), lambda i: instant(i.updated_at), 16),
    ]


def _cell(value: object) -> object:
    """A value as a cell: dates as ISO text in CSV, text never read as a formula."""
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return value


def register_csv(incidents: list[ConfidentialityIncident], timezone: str) -> bytes:
    with force_locale("fr_CA"):
        spec = columns(timezone)
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow([header for header, _value, _width in spec])
        for incident in incidents:
            row = [_cell(value(incident)) for _header, value, _width in spec]
            writer.writerow([cell.isoformat() if isinstance(cell, date) else cell for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def register_xlsx(incidents: list[ConfidentialityIncident], timezone: str, title: str) -> bytes:
    with force_locale("fr_CA"):
        spec = columns(timezone)
        workbook = Workbook()
        ws = workbook.active
        ws.title = _("Incidents")
        ws.append([header for header, _value, _width in spec])
        for incident in incidents:
            ws.append([_cell(value(incident)) for _header, value, _width in spec])
    header_fill = PatternFill("solid", fgColor="1F3864")
    for index, (_header, _value, width) in enumerate(spec, start=1):
        cell = ws.cell(row=1, column=index)
        cell.font, cell.fill = Font(bold=True, color="FFFFFF"), header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[cell.column_letter].width = width
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.print_title_rows = "1:1"
    workbook.properties.title = title
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
