"""The plan as Excel, CSV and Word files, opened with their own libraries."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import docx
import pytest

from tasking.exchange.exports import THEME_COLUMNS
from tasking.exchange.tasksheet import EXPORT_COLUMNS
from tasking.extensions import db
from tasking.plans.template import load_template
from tasking.tasks import editing

from .conftest import first_tasks, workbook

TASK_HEADERS = [c.header for c in EXPORT_COLUMNS]


def test_xlsx_holds_the_plan_as_the_template_lays_it_out(client, town, progress):
    first, second, third = progress
    client.login(town.viewer.email)
    response = client.get(f"/plans/{town.plan.id}/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="plan-de-retablissement-ville-test-20')
    assert disposition.endswith('.xlsx"')

    book = workbook(response.data)
    assert book.sheetnames == [
        "3. Enjeux sociaux",
        "4. Sécurité urbaine",
        "5. Enjeux socioéconomiques",
        "6. Continuité - Rétablissement",
        "7. Communications",
        "8. Ressources humaines",
        "Tâches",
    ]
    social = book["3. Enjeux sociaux"]
    # Read-only, saying where edits go: the import reads only « Tâches ».
    assert social.protection.sheet
    assert "modifiez la feuille «\u00a0Tâches\u00a0»" in social["A1"].value
    assert [c.value for c in social[2]] == [name for name, _ in THEME_COLUMNS]
    assert social.freeze_panes == "A3"
    assert social["A2"].fill.start_color.rgb.endswith("2F6FB3")  # the theme's blue
    assert social["A2"].font.bold
    assert social.column_dimensions["B"].width == 60
    template = load_template()["themes"][0]["objectives"][0]
    assert social["A3"].value == template["title"]
    # Each action names its owner, under it.
    assert social["B3"].value.splitlines() == [
        f"· {template['actions'][0]['title']} [En cours]",
        "→ Responsable\u00a0: Rémi Responsable",
        f"· {template['actions'][1]['title']} [Terminé]",
        "→ Responsable\u00a0: Colette Collaboratrice",
    ]
    assert social["C3"].value.splitlines() == ["· " + t for t in template["targets"]]
    assert social["D3"].value.splitlines() == ["· Rémi Responsable", "· Colette Collaboratrice"]
    assert social["E3"].value.splitlines() == ["· Colette Collaboratrice", "· CIUSSS", "· Croix-Rouge"]
    assert social["F3"].value == datetime(2026, 11, 1)
    assert social["G3"].value == datetime(2026, 12, 15)
    assert social["B3"].alignment.wrap_text
    assert social.max_row == 2 + 7
    communications = book["7. Communications"]
    assert communications["A2"].value == "Objectifs de communication"

    tasks = book["Tâches"]
    assert not tasks.protection.sheet
    rows = list(tasks.iter_rows(values_only=True))
    assert list(rows[0]) == TASK_HEADERS
    assert len(rows) == 1 + 145
    by_id = {row[0]: dict(zip(TASK_HEADERS, row, strict=True)) for row in rows[1:]}
    row = by_id[first.id]
    assert row["Enjeu"] == "Enjeux sociaux"
    assert row["Objectif opérationnel"] == template["title"]
    assert row["Action"] == template["actions"][0]["title"]
    assert row["Statut"] == "En cours"
    assert row["Responsable"] == "Rémi Responsable"
    assert row["Courriel du responsable"] == "responsable@ville-test.ca"
    assert row["Collaborateurs (courriels)"] == "collab@ville-test.ca"
    assert row["Partenaires"] == "CIUSSS; Croix-Rouge"
    assert row["Horizon"] == "Court et moyen terme"
    assert row["Échéance"] == datetime(2026, 12, 15)  # a real date, not text
    assert tasks.cell(row=2, column=TASK_HEADERS.index("Échéance") + 1).number_format == "yyyy-mm-dd"
    assert row["Version"] == first.version
    lists = {str(v.sqref): v.formula1 for v in tasks.data_validations.dataValidation}
    assert lists["F2:F1146"] == '"À faire,En cours,Bloqué,Terminé"'
    assert by_id[second.id]["Statut"] == "Terminé"
    assert by_id[third.id]["Statut"] == "Bloqué"
    assert by_id[third.id]["Motif du blocage"] == "Attente du CIUSSS"
    descriptions = [r["Description"] for r in by_id.values() if r["Description"]]
    assert "-connaître les besoins\n-connaître les disponibilités\n-connaître leur capacité" in descriptions


def test_csv_is_the_task_sheet_for_a_french_excel(client, town, progress):
    first, _, _ = progress
    client.login(town.admin.email)
    response = client.get(f"/plans/{town.plan.id}/export.csv")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].endswith('.csv"')
    assert response.data.startswith(b"\xef\xbb\xbf")  # UTF-8 byte-order mark for Excel
    text = response.data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows[0] == TASK_HEADERS
    assert len(rows) == 1 + 145
    row = dict(zip(TASK_HEADERS, next(r for r in rows[1:] if r[0] == str(first.id)), strict=True))
    assert row["Statut"] == "En cours"
    assert row["Échéance"] == "2026-12-15"
    assert row["Enjeu"] == "Enjeux sociaux"
    # Cells a spreadsheet would run as a formula start with an apostrophe.
    assert any(
        r[4] == "'-connaître les besoins\n-connaître les disponibilités\n-connaître leur capacité"
        for r in rows
    )


def test_formula_like_text_stays_text(client, town):
    task = first_tasks(town.plan, 1)[0]
    editing.update_task(
        db.session,
        actor=town.admin,
        task=task,
        changes={"title": '=HYPERLINK("http://evil.example","Cliquez")', "description": "@SUM(1+1)"},
        version=None,
        now=datetime(2026, 11, 20),
    )
    db.session.commit()
    client.login(town.admin.email)
    text = client.get(f"/plans/{town.plan.id}/export.csv").data.decode("utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(text, newline=""), delimiter=";") if r[0] == str(task.id))
    assert row[3] == '\'=HYPERLINK("http://evil.example","Cliquez")'
    assert row[4] == "'@SUM(1+1)"
    sheet = workbook(client.get(f"/plans/{town.plan.id}/export.xlsx").data)["Tâches"]
    cell = sheet.cell(row=2, column=4)
    assert cell.value == '=HYPERLINK("http://evil.example","Cliquez")'
    assert cell.data_type == "s"  # stored as text, never as a formula


def test_docx_is_laid_out_like_the_template_with_statuses(client, town, progress):
    # The document is French (the template's language) whoever exports it.
    town.viewer.locale = "en"
    db.session.commit()
    client.login(town.viewer.email)
    response = client.get(f"/plans/{town.plan.id}/export.docx")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].endswith('.docx"')
    document = docx.Document(io.BytesIO(response.data))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Plan de rétablissement"
    template = load_template()
    social = template["themes"][0]
    assert f"3. Enjeux sociaux : {social['subtitle']}" in texts
    assert f"Brève définition : {social['definition']}" in texts
    assert "Enjeux de communication" in texts
    assert "· " + template["themes"][4]["communication_issues"][0] in texts

    general, *themes = document.tables
    assert len(themes) == 6
    assert [c.text for c in general.rows[0].cells] == [
        "Temporalité",
        "Objectifs généraux",
        "Objectifs spécifiques",
        "Précisions",
    ]
    assert general.rows[1].cells[1].text == template["general_objectives"][0]["title"]
    assert general.rows[1].cells[2].text == "1.1 Activer l’équipe du rétablissement"
    assert general.rows[1].cells[3].text == "En cours - OMSC"

    table = themes[0]
    header = [c.text for c in table.rows[0].cells]
    assert header == [
        "Objectifs opérationnels",
        "Actions",
        "Cibles",
        "Responsable(s) de l’action",
        "Collaborateur(s)",
        "À quel moment ?",
        "À quel moment ?",
        "Commentaires",
    ]
    assert table.rows[1].cells[5].text.startswith("Court et moyen terme")
    assert table.rows[1].cells[6].text.startswith("Long terme")
    row = table.rows[2].cells
    objective = social["objectives"][0]
    assert row[0].text == objective["title"]
    assert [p.text for p in row[1].paragraphs] == [
        f"· {objective['actions'][0]['title']} [En cours]",
        "→ Responsable\u00a0: Rémi Responsable",
        f"· {objective['actions'][1]['title']} [Terminé]",
        "→ Responsable\u00a0: Colette Collaboratrice",
    ]
    assert [p.text for p in row[2].paragraphs] == ["· " + t for t in objective["targets"]]
    assert [p.text for p in row[3].paragraphs] == ["· Rémi Responsable", "· Colette Collaboratrice"]
    assert row[5].text == "Du 1 nov. 2026 au 15 déc. 2026"  # the Québec way, as the app shows dates
    assert len(table.rows) == 2 + len(social["objectives"])
    # An action's sub-points stay under it.
    continuity = [p.text for p in table.rows[3].cells[1].paragraphs]
    assert continuity[:5] == [
        "· Plan de continuité des organismes [Bloqué : Attente du CIUSSS]",  # a blocked action says why
        "-connaître les besoins",
        "-connaître les disponibilités",
        "-connaître leur capacité",
        "→ Responsable\u00a0: Rémi Responsable",
    ]


@pytest.mark.parametrize("extension", ["xlsx", "csv", "docx"])
def test_exports_follow_read_access(client, make, town, extension):
    url = f"/plans/{town.plan.id}/export.{extension}"
    assert client.get(url).status_code == 302  # signed out: to the sign-in page
    stranger_org = make.org("autre-ville", "Autre Ville")
    stranger = make.user(stranger_org, "admin", "admin@autre-ville.ca")
    client.login(stranger.email)
    assert client.get(url).status_code == 404
    assert client.get(f"/plans/999999/export.{extension}").status_code == 404


def test_regional_coordinator_exports_a_plan_of_the_region(client, make):
    region = make.region("mrc-x", "MRC X")
    org = make.org("ville-x", "Ville X", region)
    plan = make.plan(org)
    coordinator = make.user(make.org("mrc-x-org", "MRC X (bureau)"), "member", "mrc@x.ca", regional=region)
    client.login(coordinator.email)
    assert client.get(f"/plans/{plan.id}/export.xlsx").status_code == 200


def test_export_reads_the_plan_in_few_queries(client, town, progress, count_queries):
    client.login(town.viewer.email)
    client.get(f"/plans/{town.plan.id}/export.xlsx")
    with count_queries() as counter:
        assert client.get(f"/plans/{town.plan.id}/export.xlsx").status_code == 200
    assert counter.count <= 20
