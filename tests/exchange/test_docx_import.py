"""A filled ASCQ template in Word becomes a plan; our own Word export too."""

from __future__ import annotations

import io
import re
from datetime import date

from docx import Document
from sqlalchemy import func, select

from tasking.extensions import db
from tasking.models import (
    GeneralObjective,
    OperationalObjective,
    PendingImport,
    Plan,
    SpecificObjective,
    Task,
    Theme,
)
from tasking.plans.template import load_template

from .conftest import upload
from .seed_docx import seed_docx


def text_of(response) -> str:
    """The page as a reader sees it: one space between words."""
    return " ".join(response.get_data(as_text=True).split())


def confirm_url(page: str) -> str:
    match = re.search(r'action="(/orgs/\d+/plans/import-docx/[^"]+/confirm)"', page)
    assert match, page[-3000:]
    return match.group(1)


def plan_shape(plan_id: int) -> dict:
    themes = db.session.scalars(select(Theme).where(Theme.plan_id == plan_id).order_by(Theme.position)).all()
    return {
        "themes": [t.title for t in themes],
        "objectives": db.session.scalar(
            select(func.count(OperationalObjective.id)).join(Theme).where(Theme.plan_id == plan_id)
        ),
        "actions": db.session.scalar(select(func.count(Task.id)).where(Task.plan_id == plan_id)),
        "per_theme": [sum(len(o.tasks) for o in t.objectives) for t in themes],
        "general": db.session.scalar(
            select(func.count(GeneralObjective.id)).where(GeneralObjective.plan_id == plan_id)
        ),
        "specific": db.session.scalar(
            select(func.count(SpecificObjective.id))
            .join(GeneralObjective)
            .where(GeneralObjective.plan_id == plan_id)
        ),
    }


def import_docx(client, org_id: int, content: bytes, title: str = "") -> Plan:
    response = upload(client, f"/orgs/{org_id}/plans/import-docx", content, "plan.docx")
    page = text_of(response)
    assert response.status_code == 200, page[-3000:]
    response = client.post(confirm_url(page), data={"title": title} if title else {})
    assert response.status_code == 303, text_of(response)[-2000:]
    plan_id = int(response.headers["Location"].rsplit("/", 1)[1])
    return db.session.get(Plan, plan_id)


def test_the_seed_template_in_word_imports_to_6_34_145(client, town):
    client.login(town.admin.email)
    content = seed_docx()
    response = upload(client, f"/orgs/{town.org.id}/plans/import-docx", content, "modele-ascq.docx")
    page = text_of(response)
    assert response.status_code == 200
    assert "Aperçu de modele-ascq.docx" in page
    assert "6 enjeux · 34 objectifs opérationnels · 145 actions" in page
    assert "3 objectifs généraux · 11 objectifs spécifiques" in page
    assert "exchange-warnings" not in page
    template = load_template()
    assert template["themes"][0]["objectives"][0]["title"] in page
    assert db.session.scalar(select(func.count(Plan.id))) == 1  # only the seed plan so far

    response = client.post(confirm_url(page), data={"title": "Plan COVID de Test"})
    assert response.status_code == 303
    landing = text_of(client.get(response.headers["Location"]))
    assert "Le plan a été créé à partir du document Word : 6 enjeux, 34 objectifs, 145 actions." in landing
    plan = db.session.scalar(select(Plan).where(Plan.title == "Plan COVID de Test"))
    shape = plan_shape(plan.id)
    assert shape["objectives"] == 34 and shape["actions"] == 145
    assert shape["per_theme"] == [24, 37, 18, 12, 30, 24]
    assert (shape["general"], shape["specific"]) == (3, 11)
    assert shape["themes"] == [t["title"] for t in template["themes"]]

    themes = db.session.scalars(select(Theme).where(Theme.plan_id == plan.id).order_by(Theme.position)).all()
    social = themes[0]
    assert social.subtitle == template["themes"][0]["subtitle"]
    assert social.definition == template["themes"][0]["definition"]
    assert social.missions_text == template["themes"][0]["missions_text"]
    assert social.category == "social" and social.colour == "#2f6fb3"
    assert themes[4].objectives_heading == "Objectifs de communication"
    assert Theme.lines(themes[4].communication_issues) == template["themes"][4]["communication_issues"]
    assert themes[5].actions_note == template["themes"][5]["actions_note"]
    for theme, source in zip(themes, template["themes"], strict=True):
        for objective, row in zip(theme.objectives, source["objectives"], strict=True):
            assert objective.title == row["title"]
            assert [t.text for t in objective.targets] == row["targets"]
            assert [(t.title, t.description) for t in objective.tasks] == [
                (a["title"], a["description"]) for a in row["actions"]
            ]
    general = db.session.scalars(
        select(GeneralObjective)
        .where(GeneralObjective.plan_id == plan.id)
        .order_by(GeneralObjective.position)
    ).all()
    assert [g.horizon for g in general] == ["short_medium", "short_medium", "long"]
    assert (
        general[1].specific_objectives[0].details
        == template["general_objectives"][1]["specific_objectives"][0]["details"]
    )
    assert general[0].specific_objectives[0].precision == "En cours - OMSC"
    assert db.session.scalar(select(func.count(PendingImport.id))) == 0


def test_a_theme_table_split_in_two_stays_one_theme(client, town):
    client.login(town.admin.email)
    content = seed_docx(split_tables=True)
    page = text_of(upload(client, f"/orgs/{town.org.id}/plans/import-docx", content, "scinde.docx"))
    assert "6 enjeux · 34 objectifs opérationnels · 145 actions" in page
    assert "n’a pas de titre d’enjeu au-dessus de lui" in page  # said, not silent
    plan = import_docx(client, town.org.id, content)
    shape = plan_shape(plan.id)
    assert shape["per_theme"] == [24, 37, 18, 12, 30, 24]
    assert shape["themes"] == [t["title"] for t in load_template()["themes"]]


def test_people_and_dates_in_the_word_tables(client, town):
    client.login(town.admin.email)
    content = seed_docx(
        owner_cells={0: ["· Rémi Responsable", "· Service des loisirs"], 1: ["collab@ville-test.ca"]},
        dates={0: "Du 2026-12-01 au 31/01/2027"},
    )
    response = upload(client, f"/orgs/{town.org.id}/plans/import-docx", content, "plan.docx")
    page = text_of(response)
    assert "Service des loisirs" in page  # announced as a named partner
    plan = import_docx(client, town.org.id, content)
    objectives = objectives_of(plan)
    first = objectives[0].tasks[0]
    assert first.owner_id == town.member.id
    assert [p.name for p in first.partners] == ["Service des loisirs"]
    assert (first.short_start, first.short_end, first.due_date) == (
        date(2026, 12, 1),
        date(2027, 1, 31),
        date(2027, 1, 31),
    )
    assert first.horizon == "short_medium"
    assert {t.owner_id for t in objectives[1].tasks} == {town.other_member.id}


def test_our_word_export_imports_back_to_the_same_plan(client, town, progress):
    first, second, _ = progress
    client.login(town.admin.email)
    content = client.get(f"/plans/{town.plan.id}/export.docx").data
    preview = text_of(upload(client, f"/orgs/{town.org.id}/plans/import-docx", content, "plan.docx"))
    assert "exchange-warnings" not in preview  # our own export reads back as written
    plan = import_docx(client, town.org.id, content, title="Copie")
    assert plan_shape(plan.id) == plan_shape(town.plan.id)
    original = {
        (t.title, t.description, t.status)
        for t in db.session.scalars(select(Task).where(Task.plan_id == town.plan.id))
    }
    copy = {
        (t.title, t.description, t.status)
        for t in db.session.scalars(select(Task).where(Task.plan_id == plan.id))
    }
    assert copy == original
    assert (first.title, first.description, "in_progress") in copy
    # Dates written the Québec way (« Du 1 nov. 2026 au 15 déc. 2026 ») come back.
    copied_first = db.session.scalar(select(Task).where(Task.plan_id == plan.id, Task.title == first.title))
    assert (copied_first.short_start, copied_first.short_end) == (date(2026, 11, 1), date(2026, 12, 15))
    assert (second.title, second.description, "done") in copy
    copied_targets = sorted(
        t.text
        for o in db.session.scalars(select(OperationalObjective).join(Theme).where(Theme.plan_id == plan.id))
        for t in o.targets
    )
    original_targets = sorted(
        t.text
        for o in db.session.scalars(
            select(OperationalObjective).join(Theme).where(Theme.plan_id == town.plan.id)
        )
        for t in o.targets
    )
    assert copied_targets == original_targets


def refused(client, town, content: bytes, expected: str):
    plans = db.session.scalar(select(func.count(Plan.id)))
    response = upload(client, f"/orgs/{town.org.id}/plans/import-docx", content, "plan.docx")
    page = text_of(response)
    assert response.status_code == 422, page[-2000:]
    assert expected in page, page[page.find("exchange-problems") :][:1500]
    assert db.session.scalar(select(func.count(Plan.id))) == plans
    assert db.session.scalar(select(func.count(PendingImport.id))) == 0


def test_bad_word_files_are_refused(client, town):
    client.login(town.admin.email)
    empty = io.BytesIO()
    document = Document()
    document.add_paragraph("Une lettre, pas un plan.")
    document.save(empty)
    refused(client, town, empty.getvalue(), "Aucun tableau d’enjeu trouvé")
    refused(client, town, b"PK\x03\x04" + b"\x00garbage" * 40, "Le fichier est endommagé")
    refused(
        client,
        town,
        client.get(f"/plans/{town.plan.id}/export.xlsx").data,
        "Importez un document Word (.docx)",
    )
    refused(client, town, b"Objectifs;Actions\n", "Importez un document Word (.docx)")
    # A table whose first rows carry actions but no objective.
    refused(
        client,
        town,
        one_theme_table(objective="", actions="· Une action orpheline"),
        "Tableau 1, ligne 2 : des actions sans objectif opérationnel.",
    )
    # An action whose title is a page long.
    refused(
        client,
        town,
        one_theme_table(objective="Soutenir les aînés", actions="· " + "Appeler " * 80),
        "Tableau 1, ligne 2 : le titre d’une action est trop long",
    )


def objectives_of(plan) -> list[OperationalObjective]:
    """The plan's operational objectives, in the order of the plan."""
    return db.session.scalars(
        select(OperationalObjective)
        .join(Theme)
        .where(Theme.plan_id == plan.id)
        .order_by(Theme.position, OperationalObjective.position)
    ).all()


def one_theme_table(*, objective: str, actions: str) -> bytes:
    """A Word document with one theme and one row of its table."""
    content = io.BytesIO()
    document = Document()
    document.add_paragraph("3. Enjeux sociaux", style="Heading 1")
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Objectifs opérationnels", "Actions", "Cibles"), strict=True):
        cell.text = text
    table.rows[1].cells[0].text = objective
    table.rows[1].cells[1].text = actions
    document.save(content)
    return content.getvalue()


def test_word_import_is_for_the_organisation_admins(client, make, town):
    url = f"/orgs/{town.org.id}/plans/import-docx"
    for person in (town.member, town.viewer):
        client.login(person.email)
        assert client.get(url).status_code == 404
        assert upload(client, url, seed_docx(), "plan.docx").status_code == 404
        client.post("/logout")
    client.login(town.admin.email)
    assert "Nouveau plan à partir d’un document Word" in text_of(client.get(url))
    assert client.get("/orgs/999999/plans/import-docx").status_code == 404


def test_word_list_bullets_and_a_row_per_action(client, town):
    """Word's own bullets (a list style, no « · » in the text), and a table
    with one row per action whose objective and targets cells span the rows."""
    document = Document()
    document.add_paragraph("Plan de la Ville", style="Title")
    document.add_paragraph("4. Sécurité urbaine", style="Heading 1")
    document.add_paragraph("Brève définition : Assurer la sécurité.")
    table = document.add_table(rows=1, cols=7)
    headers = (
        "Objectifs opérationnels",
        "Actions",
        "Cibles",
        "Responsable(s)",
        "Collaborateur(s)",
        "À quel moment ?",
        "Commentaires",
    )
    for cell, text in zip(table.rows[0].cells, headers, strict=True):
        cell.text = text
    rows = [
        (
            "Maintenir le sentiment de sécurité",
            ["Cartographier les secteurs", "-secteur nord", "-secteur sud"],
            ["Carte à 100 %"],
        ),
        ("", ["Documenter la situation [En cours]"], ["Rapport déposé"]),
        ("Prévenir la fraude", ["Informer les aînés"], []),
    ]
    for objective, actions, targets in rows:
        cells = table.add_row().cells
        cells[0].text = objective
        cells[1].paragraphs[0].text = actions[0]
        cells[1].paragraphs[0].style = "List Bullet"
        for line in actions[1:]:
            cells[1].add_paragraph(line)
        for index, target in enumerate(targets):
            paragraph = cells[2].paragraphs[0] if index == 0 else cells[2].add_paragraph()
            paragraph.text = target
            paragraph.style = "List Bullet"
        cells[6].text = "Avec la police"
    # The first objective's cell and its targets span its two rows, as Word merges them.
    table.cell(1, 0).merge(table.cell(2, 0))
    table.cell(1, 2).merge(table.cell(2, 2))
    buffer = io.BytesIO()
    document.save(buffer)
    client.login(town.admin.email)
    plan = import_docx(client, town.org.id, buffer.getvalue())
    assert plan.title == "Plan de la Ville"
    (theme,) = db.session.scalars(select(Theme).where(Theme.plan_id == plan.id)).all()
    assert (theme.number, theme.title, theme.category, theme.definition) == (
        4,
        "Sécurité urbaine",
        "urban_security",
        "Assurer la sécurité.",
    )
    first, second = theme.objectives
    assert [(t.title, t.description, t.status) for t in first.tasks] == [
        ("Cartographier les secteurs", "-secteur nord\n-secteur sud", "todo"),
        ("Documenter la situation", "", "in_progress"),
    ]
    assert [t.text for t in first.targets] == ["Carte à 100 %", "Rapport déposé"]
    assert first.comments == "Avec la police"
    assert [t.title for t in second.tasks] == ["Informer les aînés"]


def test_what_cannot_be_read_as_written_is_said_in_the_preview(client, town):
    """Impossible dates, dates out of order and an unknown status in brackets
    are warned about before the plan is created, not dropped silently."""
    content = seed_docx(
        dates={
            0: "Du 2026-13-45 au 31/02/2026",
            1: "Du 17 janv. 2027 au 5 oct. 2026",
            2: "Du 1er juillet 2026 au 30 sept. 2026",
        },
        action_suffix={0: " [Statut inventé]"},
    )
    client.login(town.admin.email)
    page = text_of(upload(client, f"/orgs/{town.org.id}/plans/import-docx", content, "plan.docx"))
    assert "Tableau 2, ligne 3 : « 2026-13-45 » n’est pas une date. Elle est laissée de côté." in page
    assert "Tableau 2, ligne 3 : « 31/02/2026 » n’est pas une date." in page
    assert "Tableau 2, ligne 4 : les dates ne sont pas dans l’ordre." in page
    assert "Tableau 2, ligne 5" not in page
    action = load_template()["themes"][0]["objectives"][0]["actions"][0]["title"]
    assert (
        f"Tableau 2, ligne 3 : « [Statut inventé] » n’est pas un statut connu. "
        f"Il reste dans le titre de l’action « {action} [Statut inventé] »."
    ) in page
    plan = import_docx(client, town.org.id, content)
    objectives = objectives_of(plan)
    assert objectives[0].tasks[0].title == f"{action} [Statut inventé]"
    assert objectives[0].tasks[0].short_start is None
    assert (objectives[1].tasks[0].short_start, objectives[1].tasks[0].short_end) == (
        date(2026, 10, 5),
        date(2027, 1, 17),
    )
    assert (objectives[2].tasks[0].short_start, objectives[2].tasks[0].short_end) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
    )


def test_a_word_action_blocked_without_a_reason_is_refused(client, town):
    client.login(town.admin.email)
    refused(
        client,
        town,
        one_theme_table(objective="Soutenir les aînés", actions="· Appeler les aînés [Bloqué]"),
        "Tableau 1, ligne 2 : l’action « Appeler les aînés » est bloquée sans motif",
    )
    plan = import_docx(
        client,
        town.org.id,
        one_theme_table(
            objective="Soutenir les aînés", actions="· Appeler les aînés [Bloqué : pas de liste]"
        ),
    )
    task = db.session.scalar(select(Task).where(Task.plan_id == plan.id))
    assert (task.title, task.status, task.blocked_reason) == ("Appeler les aînés", "blocked", "pas de liste")
