"""The exports carry each action's latest check-in (« Santé », « Dernière
mise à jour », « Mise à jour par », « Note »; « À mettre à jour » when stale),
and importing an exported file ignores those columns, even edited."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import docx
import pytest

from tasking.extensions import db
from tests.checkins.seeding import a_round, an_answer

from .conftest import first_tasks, upload, workbook
from .test_imports import save, snapshot, text_of

MONDAYS = [datetime(2026, 11, 3, 13), datetime(2026, 11, 10, 13), datetime(2026, 11, 17, 13)]
CHECKIN_HEADERS = ["Santé", "Dernière mise à jour", "Mise à jour par", "Note"]


@pytest.fixture
def said(town):
    """Three rounds; the first action blocked (said on 17 November, 22:30 in
    Montréal: the 17th there, the 18th in UTC), the second on track, the third
    never updated since October (stale)."""
    blocked, fine, quiet = first_tasks(town.plan, 3)
    for task in (blocked, fine, quiet):
        task.created_at = datetime(2026, 10, 1)
    db.session.commit()
    for monday in MONDAYS:
        a_round(town.org, monday)
    an_answer(blocked, town.member, "blocked", datetime(2026, 11, 18, 3, 30), "Pas de local; en attente")
    an_answer(fine, town.admin, "on_track", MONDAYS[2] + timedelta(hours=2))
    return blocked, fine, quiet


def _csv_rows(client, plan) -> list[dict[str, str]]:
    text = client.get(f"/plans/{plan.id}/export.csv").data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))


def test_csv_and_xlsx_carry_the_latest_checkin(client, town, said):
    blocked, fine, quiet = said
    client.login(town.viewer.email)
    rows = {row["ID"]: row for row in _csv_rows(client, town.plan)}
    # After them, the latest comment (none here).
    assert list(rows[str(blocked.id)])[-5:] == [*CHECKIN_HEADERS, "Dernier commentaire"]
    assert [rows[str(blocked.id)][h] for h in CHECKIN_HEADERS] == [
        "Bloquée",
        "2026-11-17",
        "Rémi Responsable",
        "Pas de local; en attente",
    ]
    assert [rows[str(fine.id)][h] for h in CHECKIN_HEADERS] == [
        "Dans les temps",
        "2026-11-17",
        "Claire Coordination",
        "",
    ]
    assert [rows[str(quiet.id)][h] for h in CHECKIN_HEADERS] == ["À mettre à jour", "", "", ""]

    sheet = workbook(client.get(f"/plans/{town.plan.id}/export.xlsx").data)["Tâches"]
    headers = [cell.value for cell in sheet[1]]
    assert headers[-5:] == [*CHECKIN_HEADERS, "Dernier commentaire"]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] == blocked.id)
    assert row[-5:-1] == ("Bloquée", datetime(2026, 11, 17), "Rémi Responsable", "Pas de local; en attente")


def test_docx_has_a_weekly_follow_up_table(client, town, said):
    blocked, fine, quiet = said
    client.login(town.viewer.email)
    document = docx.Document(io.BytesIO(client.get(f"/plans/{town.plan.id}/export.docx").data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert "Suivi hebdomadaire" in headings
    table = document.tables[-1]
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["Enjeu", "Action", "Santé", "Dernière mise à jour", "Note"]
    by_title = {row[1]: row for row in rows[1:]}
    assert by_title[blocked.title][2:] == [
        "Bloquée",
        "17 nov. 2026\nRémi Responsable",
        "Pas de local; en attente",
    ]
    assert by_title[fine.title][2] == "Dans les temps"
    assert by_title[quiet.title][2:] == ["À mettre à jour", "", ""]
    # Only actions with something said or to say.
    assert len(rows) - 1 == 3


@pytest.mark.parametrize("extension", ["xlsx", "csv"])
def test_import_of_an_export_ignores_the_checkin_columns(client, town, said, extension):
    blocked, _fine, _quiet = said
    client.login(town.admin.email)
    content = client.get(f"/plans/{town.plan.id}/export.{extension}").data
    # Someone edits the check-in columns in the file: the import ignores them.
    if extension == "xlsx":
        book = workbook(content)
        sheet = book["Tâches"]
        for row in range(2, sheet.max_row + 1):
            sheet.cell(row=row, column=sheet.max_column).value = "Note changée dans le fichier"
            sheet.cell(row=row, column=sheet.max_column - 3).value = "Inconnue"
        content = save(book)
    else:
        content = content.replace(b"Pas de local; en attente", b"Autre note")
    before = snapshot(town.plan.id)
    response = upload(client, f"/plans/{town.plan.id}/import", content, f"plan.{extension}")
    page = text_of(response)
    assert response.status_code == 200, page[-2000:]
    assert "Aucun changement : le fichier correspond au plan." in page
    assert "Santé" not in page
    assert snapshot(town.plan.id) == before
