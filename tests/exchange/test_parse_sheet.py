"""The task sheet readers are pure: bytes in, rows and clean values out, with
no database and no application."""

from __future__ import annotations

import io
from datetime import date, datetime

import pytest
from openpyxl import Workbook

from tasking.exchange.parse_rows import RowReader, row_values
from tasking.exchange.parse_sheet import MAX_ROWS, ImportFailed, Sheet, read_csv, read_sheet, read_xlsx

HEADER = "ID;Enjeu;Objectif opérationnel;Action;Statut;Échéance"
REQUIRED_HEADERS = ["ID", "Enjeu", "Objectif opérationnel", "Action", "Statut"]
STATUSES = {"a faire": "todo", "en cours": "in_progress", "termine": "done"}
HORIZONS = {"long terme": "long"}


def xlsx(rows: list[list], sheet: str = "Actions") -> bytes:
    workbook = Workbook()
    workbook.active.title = sheet
    for row in rows:
        workbook.active.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_csv_with_semicolons_keeps_a_multi_line_cell_as_one_row():
    content = (
        f'{HEADER}\n12;Social;Aider;"Appeler\nles aînés";En cours;31/12/2026\n\n;Social;Aider;Livrer;;\n'
    )
    sheet = read_csv(content.encode("utf-8"))
    assert sheet.headers[:2] == ["ID", "Enjeu"]
    assert [number for number, _values in sheet.rows] == [2, 4]
    assert sheet.rows[0][1][3] == "Appeler\nles aînés"


def test_csv_with_commas_and_a_formula_guard_taken_off():
    sheet = read_csv(b"ID,Action\n3,'=SOMME(A1)\n")
    assert sheet.rows == [(2, ["3", "=SOMME(A1)"])]


def test_xlsx_reads_the_task_sheet_and_names_the_others():
    content = xlsx([["ID", "Action"], [7, " Appeler "]])
    sheet = read_xlsx(content)
    # A workbook's rows come at their bounded width (empty cells past the last).
    assert (sheet.name, sheet.headers[:2], sheet.others) == ("Actions", ["ID", "Action"], [])
    assert [(number, values[:2]) for number, values in sheet.rows] == [(2, [7, "Appeler"])]


def test_xlsx_formulas_are_refused_with_their_place():
    with pytest.raises(ImportFailed) as failure:
        read_xlsx(xlsx([["ID", "Action"], [1, "=1+1"]]))
    assert failure.value.problems == ["Sheet Actions, row 2, column Action: formulas are not accepted."]


def test_damaged_and_unknown_files_are_refused():
    with pytest.raises(ImportFailed, match="damaged"):
        read_xlsx(b"PK\x03\x04 not a workbook")
    with pytest.raises(ImportFailed, match="Excel"):
        read_sheet(b"%PDF", "pdf")


def test_too_many_rows_is_refused():
    content = ("ID;Action\n" + "".join(f";Action {n}\n" for n in range(MAX_ROWS + 1))).encode()
    with pytest.raises(ImportFailed, match="more than"):
        read_csv(content)


def reader(headers: list[str]) -> RowReader:
    return RowReader(Sheet("Actions", headers, []), statuses=STATUSES, horizons=HORIZONS)


def test_a_missing_required_column_is_named():
    with pytest.raises(ImportFailed) as failure:
        reader(["ID", "Statut"])
    assert any("Action" in problem for problem in failure.value.problems)


def test_row_values_read_dates_statuses_and_people_as_written():
    rows = reader([*REQUIRED_HEADERS, "Échéance", "Collaborateurs (courriels)"])
    values = ["", "Social", "Aider", "Appeler", "En cours", "31/12/2026", "B@x.ca; a@x.ca a@x.ca"]
    new = row_values(rows, 2, values)
    assert new == {
        "title": "Appeler",
        "status": "in_progress",
        "due_date": date(2026, 12, 31),
        "collaborator_emails": ["a@x.ca", "b@x.ca"],
    }
    assert rows.problems == []


def test_row_problems_name_the_row_and_the_column():
    rows = reader([*REQUIRED_HEADERS, "Échéance"])
    row_values(rows, 5, ["x", "Social", "Aider", "Appeler", "Peut-être", datetime(1933, 10, 18)])
    assert rows.integer(5, ["x"], "id") is None
    assert rows.problems == [
        "Sheet Actions, row 5, column Statut: “Peut-être” is not a known status.",
        "Sheet Actions, row 5, column Échéance: “12345” is a number, "
        "not a date (write the date as 2026-12-31).",
        "Sheet Actions, row 5, column ID: “x” is not a whole number.",
    ]
