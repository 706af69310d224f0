"""The task sheet back in: preview, confirm, history; bad files refused."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select, text

from tasking.exchange.files import MAX_UPLOAD_BYTES
from tasking.exchange.tasksheet import COLUMNS
from tasking.extensions import db
from tasking.models import Activity, PendingImport, Task
from tasking.tasks import editing

from .conftest import upload, workbook

TASK_HEADERS = [c.header for c in COLUMNS]


def text_of(response) -> str:
    """The page as a reader sees it: non-breaking spaces as spaces."""
    return response.get_data(as_text=True).replace("\u00a0", " ").replace("\u202f", " ")


def column(name: str) -> int:
    return TASK_HEADERS.index(name) + 1


def export_xlsx(client, plan) -> bytes:
    return client.get(f"/plans/{plan.id}/export.xlsx").data


def save(book) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row_of(sheet, task_id: int) -> int:
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=1).value == task_id:
            return row
    raise AssertionError(task_id)


def confirm_url(page: str) -> str:
    match = re.search(r'action="(/plans/\d+/import/[^"]+/confirm)"', page)
    assert match, page[-3000:]
    return match.group(1)


def snapshot(plan_id: int) -> list[tuple]:
    db.session.expire_all()
    return [
        (t.id, t.title, t.status, t.owner_id, t.due_date, t.version)
        for t in db.session.scalars(select(Task).where(Task.plan_id == plan_id).order_by(Task.id))
    ]


@pytest.mark.parametrize("extension", ["xlsx", "csv"])
def test_export_then_import_changes_nothing(client, town, progress, extension):
    client.login(town.admin.email)
    content = client.get(f"/plans/{town.plan.id}/export.{extension}").data
    before = snapshot(town.plan.id)
    response = upload(client, f"/plans/{town.plan.id}/import", content, f"plan.{extension}")
    page = text_of(response)
    assert response.status_code == 200, page[-2000:]
    assert "Aucun changement : le fichier correspond au plan." in page
    assert "145 lignes lues" in page
    assert "Confirmer l’import" not in page
    # Edits in the workbook's theme sheets would be lost: the preview says so.
    only_tasks = "Seule la feuille Tâches est lue : les modifications faites dans les autres feuilles"
    assert (only_tasks in page) == (extension == "xlsx")
    assert "(3. Enjeux sociaux, 4. Sécurité urbaine," in page or extension == "csv"
    assert snapshot(town.plan.id) == before
    assert db.session.scalar(select(func.count(PendingImport.id))) == 0


def test_edited_cells_show_in_the_preview_then_apply_with_history(client, town, progress):
    first, second, third = progress
    client.login(town.admin.email)
    book = workbook(export_xlsx(client, town.plan))
    sheet = book["Tâches"]
    row = row_of(sheet, first.id)
    sheet.cell(row=row, column=column("Statut")).value = "Terminé"
    sheet.cell(row=row, column=column("Échéance")).value = datetime(2027, 2, 1)
    sheet.cell(row=row, column=column("Courriel du responsable")).value = "collab@ville-test.ca"
    other = row_of(sheet, third.id)
    sheet.cell(row=other, column=column("Échéance")).value = "15/03/2027"  # typed as text, day first
    new_row = sheet.max_row + 1
    sheet.cell(row=new_row, column=column("Enjeu")).value = "Enjeux sociaux"
    sheet.cell(row=new_row, column=column("Objectif opérationnel")).value = first.objective.title
    sheet.cell(row=new_row, column=column("Action")).value = "Appeler les organismes un par un"
    sheet.cell(row=new_row, column=column("Statut")).value = "En cours"
    sheet.cell(row=new_row, column=column("Courriel du responsable")).value = "RESPONSABLE@ville-test.ca"
    sheet.cell(row=new_row, column=column("Collaborateurs (courriels)")).value = "collab@ville-test.ca"
    sheet.cell(row=new_row, column=column("Partenaires")).value = "CIUSSS; Centraide"
    sheet.cell(row=new_row, column=column("Échéance")).value = "2027-01-31"

    response = upload(client, f"/plans/{town.plan.id}/import", save(book), "plan-modifie.xlsx")
    page = text_of(response)
    assert response.status_code == 200, page[-3000:]
    assert "2 actions à modifier" in page
    assert "1 action à créer" in page
    assert "143 lignes sans changement" in page
    assert re.search(
        r"<td>Statut</td>\s*<td class=\"old\">En cours</td>\s*<td class=\"new\">Terminé</td>", page
    )
    assert re.search(r"<td class=\"old\">2026-12-15</td>\s*<td class=\"new\">2027-02-01</td>", page)
    assert "Rémi Responsable &lt;responsable@ville-test.ca&gt;" in page
    assert "Colette Collaboratrice &lt;collab@ville-test.ca&gt;" in page
    assert "Appeler les organismes un par un" in page
    # Nothing is written before the confirmation.
    db.session.expire_all()
    assert db.session.get(Task, first.id).status == "in_progress"

    response = client.post(confirm_url(page))
    assert response.status_code == 200
    assert "Content-Length" not in response.headers  # streamed: the rows show as they are written
    done = text_of(response)
    assert '<progress value="3" max="3">' in done
    assert "Import terminé : 2 actions modifiées, 1 créée." in done
    assert f'href="/plans/{town.plan.id}/board"' in done

    db.session.expire_all()
    task = db.session.get(Task, first.id)
    assert (task.status, task.due_date, task.owner_id) == ("done", date(2027, 2, 1), town.other_member.id)
    assert task.completed_at is not None
    assert db.session.get(Task, third.id).due_date == date(2027, 3, 15)
    history = {
        (a.field, a.old_value, a.new_value)
        for a in db.session.scalars(
            select(Activity).where(Activity.task_id == first.id, Activity.kind == "field:import")
        )
    }
    assert ("status", "in_progress", "done") in history
    assert ("due_date", "2026-12-15", "2027-02-01") in history
    assert ("owner_id", str(town.member.id), str(town.other_member.id)) in history
    created = db.session.scalar(select(Task).where(Task.title == "Appeler les organismes un par un"))
    assert created.objective_id == first.objective_id
    assert (created.status, created.owner_id, created.due_date) == (
        "in_progress",
        town.member.id,
        date(2027, 1, 31),
    )
    assert [u.email for u in created.collaborators] == ["collab@ville-test.ca"]
    assert [p.name for p in created.partners] == ["CIUSSS", "Centraide"]
    assert db.session.scalar(select(Activity).where(Activity.task_id == created.id)).kind == "created:import"
    assert db.session.scalar(select(func.count(PendingImport.id))) == 0
    # The same confirmation a second time finds nothing to do.
    assert client.post(confirm_url(page)).status_code == 409


def test_a_new_row_like_an_existing_action_is_flagged_before_confirming(client, town, progress):
    """Importing the same edited file twice creates its new rows twice: the
    preview warns per row, and the import still does what the file says."""
    first, _, _ = progress
    client.login(town.admin.email)
    book = workbook(export_xlsx(client, town.plan))
    sheet = book["Tâches"]
    for title in ("  " + first.title.upper() + " ", "Une action vraiment nouvelle"):
        new_row = sheet.max_row + 1
        sheet.cell(row=new_row, column=column("Enjeu")).value = "Enjeux sociaux"
        sheet.cell(row=new_row, column=column("Objectif opérationnel")).value = first.objective.title
        sheet.cell(row=new_row, column=column("Action")).value = title
        sheet.cell(row=new_row, column=column("Statut")).value = "À faire"
    page = text_of(upload(client, f"/plans/{town.plan.id}/import", save(book), "plan.xlsx"))
    assert "2 actions à créer" in page
    assert (
        f"Feuille Tâches, ligne {new_row - 1} : une action « {first.title.upper()} » existe déjà "
        "sous cet objectif. Elle sera créée une seconde fois."
    ) in page
    assert "« Une action vraiment nouvelle » existe déjà" not in page
    assert "Import terminé : 0 action modifiée, 2 créées." in text_of(client.post(confirm_url(page)))
    # The same file again: both rows are now flagged.
    page = text_of(upload(client, f"/plans/{town.plan.id}/import", save(book), "plan.xlsx"))
    assert page.count("Elle sera créée une seconde fois.") == 2


def test_csv_edited_with_commas_and_cp1252_imports(client, town, progress):
    first, _, _ = progress
    client.login(town.admin.email)
    text = client.get(f"/plans/{town.plan.id}/export.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    for row in rows[1:]:
        if row[0] == str(first.id):
            row[column("Statut") - 1] = "bloqué"  # any case, any accent
            row[column("Motif du blocage") - 1] = "Attente du budget"
    out = io.StringIO()
    csv.writer(out, delimiter=",").writerows(rows)  # an English Excel uses commas
    content = out.getvalue().encode("cp1252", errors="replace")
    page = text_of(upload(client, f"/plans/{town.plan.id}/import", content, "plan.csv"))
    assert "1 action à modifier" in page
    assert "Import terminé : 1 action modifiée" in text_of(client.post(confirm_url(page)))
    db.session.expire_all()
    task = db.session.get(Task, first.id)
    assert (task.status, task.blocked_reason) == ("blocked", "Attente du budget")


def test_csv_rows_are_numbered_as_a_spreadsheet_shows_them(client, town, progress):
    first, second, _ = progress
    client.login(town.admin.email)
    task = db.session.get(Task, first.id)
    task.description = "Première ligne\nDeuxième ligne\nTroisième ligne"
    db.session.commit()
    text = client.get(f"/plans/{town.plan.id}/export.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    position = next(i for i, row in enumerate(rows) if row[0] == str(second.id))
    assert rows[position - 1][0] == str(first.id)  # the multi-line cell comes just before
    rows[position][column("Statut") - 1] = "Bizarre"
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    page = text_of(upload(client, f"/plans/{town.plan.id}/import", out.getvalue().encode(), "plan.csv"))
    # Row 1 is the header: the edited record is row position + 1, as in Excel.
    assert f"ligne {position + 1}, colonne Statut : « Bizarre » n’est pas un statut connu." in page


def test_a_row_changed_in_the_file_and_in_the_app_is_refused_the_others_applied(client, town, progress):
    first, second, third = progress
    client.login(town.admin.email)
    book = workbook(export_xlsx(client, town.plan))
    sheet = book["Tâches"]
    sheet.cell(row=row_of(sheet, first.id), column=column("Statut")).value = "Terminé"
    sheet.cell(row=row_of(sheet, second.id), column=column("Action")).value = "Nouveau titre"
    # The third row changes the due date; the app changes its owner meanwhile.
    sheet.cell(row=row_of(sheet, third.id), column=column("Échéance")).value = "2027-02-20"
    page = text_of(upload(client, f"/plans/{town.plan.id}/import", save(book), "plan.xlsx"))
    # Meanwhile someone changes the first and third tasks in the application.
    changed_at = datetime(2026, 11, 21)
    editing.update_task(
        db.session,
        actor=town.admin,
        task=db.session.get(Task, first.id),
        changes={"status": "blocked", "blocked_reason": "Budget"},
        version=None,
        now=changed_at,
    )
    editing.update_task(
        db.session,
        actor=town.admin,
        task=db.session.get(Task, third.id),
        changes={"owner_id": town.other_member.id},
        version=None,
        now=changed_at,
    )
    db.session.commit()
    response = client.post(confirm_url(page))
    outcome = text_of(response)
    assert response.status_code == 200, outcome[-3000:]
    assert "Import terminé : 2 actions modifiées, 0 créée." in outcome
    # The refusal stays on the page, file and application side by side.
    assert "1 ligne refusée : modifiée dans le fichier et dans l’application" in outcome
    assert re.search(
        rf"#{first.id}</a>.*?<td>Statut</td>\s*<td class=\"file\">Terminé</td>\s*"
        r"<td class=\"app\">Bloqué</td>",
        outcome,
        re.S,
    )
    db.session.expire_all()
    assert db.session.get(Task, first.id).status == "blocked"
    assert db.session.get(Task, second.id).title == "Nouveau titre"
    # Changed on different fields: both changes kept.
    merged = db.session.get(Task, third.id)
    assert (merged.owner_id, merged.due_date) == (town.other_member.id, date(2027, 2, 20))


def test_an_old_export_does_not_undo_the_apps_changes(client, town, progress):
    """A row the file left as exported keeps what the application changed since."""
    first, _, _ = progress
    client.login(town.admin.email)
    content = export_xlsx(client, town.plan)
    editing.update_task(
        db.session,
        actor=town.admin,
        task=db.session.get(Task, first.id),
        changes={"status": "done", "title": "Titre changé dans l’application"},
        version=None,
        now=datetime(2026, 11, 21),
    )
    editing.set_collaborators(
        db.session,
        actor=town.admin,
        task=db.session.get(Task, first.id),
        user_ids=[],
        version=None,
        now=datetime(2026, 11, 21),
    )
    db.session.commit()
    page = text_of(upload(client, f"/plans/{town.plan.id}/import", content, "plan.xlsx"))
    assert "Aucun changement : le fichier correspond au plan." in page
    assert "refusée" not in page


def test_the_preview_shows_the_refused_rows_side_by_side(client, town, progress):
    first, _, _ = progress
    client.login(town.admin.email)
    book = workbook(export_xlsx(client, town.plan))
    sheet = book["Tâches"]
    sheet.cell(row=row_of(sheet, first.id), column=column("Échéance")).value = "2027-03-01"
    editing.update_task(
        db.session,
        actor=town.member,
        task=db.session.get(Task, first.id),
        changes={"due_date": date(2026, 12, 20)},
        version=None,
        now=datetime(2026, 11, 21),
    )
    db.session.commit()
    page = text_of(upload(client, f"/plans/{town.plan.id}/import", save(book), "plan.xlsx"))
    assert "1 ligne refusée" in page
    assert re.search(r"<td class=\"file\">2027-03-01</td>\s*<td class=\"app\">2026-12-20</td>", page)
    assert "Confirmer l’import" not in page  # nothing else to apply
    assert "le fichier correspond au plan" not in page


def new_rows_csv(town, titles: list[str]) -> bytes:
    """A CSV that creates one action per title under the plan's first objective."""
    objective = db.session.scalar(select(Task).where(Task.plan_id == town.plan.id)).objective
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        ["ID", "Enjeu", "Objectif opérationnel", "Action", "Statut", "Courriel du responsable", "Échéance"]
    )
    for title in titles:
        writer.writerow(
            [
                "",
                objective.theme.title,
                objective.title,
                title,
                "À faire",
                "responsable@ville-test.ca",
                "2027-01-15",
            ]
        )
    return out.getvalue().encode()


def test_many_rows_import_with_counts(client, town):
    """A few thousand rows: the preview counts them, the confirmation applies them all."""
    client.login(town.admin.email)
    content = new_rows_csv(town, [f"Action importée {n}" for n in range(3000)])
    page = upload(client, f"/plans/{town.plan.id}/import", content, "lot.csv").get_data(as_text=True)
    assert "3000 lignes lues" in page or "3 000 lignes lues" in page or "3\u00a0000 lignes lues" in page, (
        page[:3000]
    )
    assert "et 2800 autres nouvelles actions" in page or "2\u00a0800" in page
    done = text_of(client.post(confirm_url(page)))
    # A bar per 250 rows written, then the outcome.
    bars = re.findall(r'<progress value="(\d+)" max="3000">', done)
    assert bars == [str(n) for n in range(0, 3001, 250)]
    assert "Import terminé : 0 action modifiée, 3 000 créées." in done
    assert db.session.scalar(select(func.count(Task.id)).where(Task.plan_id == town.plan.id)) == 3145


@pytest.fixture
def refusing_database(app):
    """A database that refuses any action titled « BOOM… », as a full disk or a
    lost connection would refuse a write in the middle of an import."""
    if db.engine.dialect.name == "postgresql":
        create = [
            "CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN "
            "IF NEW.title LIKE 'BOOM%' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; "
            "END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON task FOR EACH ROW EXECUTE FUNCTION refuse_boom()",
        ]
        drop = ["DROP TRIGGER refuse_boom ON task", "DROP FUNCTION refuse_boom()"]
    else:
        create = [
            "CREATE TRIGGER refuse_boom BEFORE INSERT ON task WHEN NEW.title LIKE 'BOOM%' "
            "BEGIN SELECT RAISE(ABORT, 'boom'); END"
        ]
        drop = ["DROP TRIGGER refuse_boom"]
    for statement in create:
        db.session.execute(text(statement))
    db.session.commit()
    yield
    db.session.rollback()
    for statement in drop:
        db.session.execute(text(statement))
    db.session.commit()


def test_a_database_failure_mid_import_is_said_and_writes_nothing(client, town, refusing_database):
    client.login(town.admin.email)
    titles = [f"Action importée {n}" for n in range(599)] + ["BOOM dernière action"]
    page = upload(client, f"/plans/{town.plan.id}/import", new_rows_csv(town, titles), "lot.csv")
    before = snapshot(town.plan.id)
    done = text_of(client.post(confirm_url(page.get_data(as_text=True))))
    assert re.findall(r'<progress value="(\d+)" max="600">', done) == ["0", "250", "500"]
    assert "Le fichier n’a pas été importé; rien n’a changé." in done
    assert "La base de données a refusé l’import; rien n’a été écrit." in done
    assert "Import terminé" not in done and done.rstrip().endswith("</html>")
    assert snapshot(town.plan.id) == before
    # The preview is still there: once the cause is gone, the same file can go in.
    assert db.session.scalar(select(func.count(PendingImport.id))) == 1


def xlsx_with(rows: list[list], headers: list[str] = TASK_HEADERS, sheet: str = "Tâches") -> bytes:
    book = Workbook()
    ws = book.active
    ws.title = sheet
    ws.append(headers)
    for row in rows:
        ws.append(row)
    return save(book)


def base_row(task: Task) -> list:
    values = {h: "" for h in TASK_HEADERS}
    values.update(
        {
            "ID": task.id,
            "Enjeu": task.objective.theme.title,
            "Objectif opérationnel": task.objective.title,
            "Action": task.title,
            "Statut": "À faire",
        }
    )
    return values


def refused(client, town, content: bytes, filename: str, expected: str, status: int = 422):
    before = snapshot(town.plan.id)
    response = upload(client, f"/plans/{town.plan.id}/import", content, filename)
    page = text_of(response)
    assert response.status_code == status, page[-2000:]
    assert "Le fichier n’a pas été importé; rien n’a changé." in page
    assert expected in page, page[page.find("exchange-problems") :][:1500]
    assert snapshot(town.plan.id) == before
    assert db.session.scalar(select(func.count(PendingImport.id))) == 0


def test_bad_files_are_refused_with_a_message_naming_the_place(client, town):
    client.login(town.admin.email)
    task = db.session.scalar(select(Task).where(Task.plan_id == town.plan.id).order_by(Task.id))

    def with_values(**changes) -> bytes:
        values = base_row(task)
        values.update(changes)
        return xlsx_with([[values[h] for h in TASK_HEADERS]])

    refused(client, town, b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "photo.xlsx", "n’est ni un tableur")
    refused(client, town, b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n", "plan.csv", "n’est ni un tableur")
    refused(client, town, b"PK\x03\x04" + b"garbage" * 50, "plan.xlsx", "Le fichier est endommagé")
    refused(
        client,
        town,
        with_values(**{"Échéance": "32/13/2026"}),
        "plan.xlsx",
        "Feuille Tâches, ligne 2, colonne Échéance : « 32/13/2026 » n’est pas une date.",
    )
    refused(
        client,
        town,
        with_values(**{"Courriel du responsable": "inconnu@ailleurs.ca"}),
        "plan.xlsx",
        "Feuille Tâches, ligne 2, colonne Courriel du responsable : "
        "« inconnu@ailleurs.ca » n’est pas membre de l’organisation.",
    )
    refused(
        client,
        town,
        with_values(**{"Courriel du responsable": "elu@ville-test.ca"}),
        "plan.xlsx",
        "est observateur",
    )
    refused(
        client,
        town,
        with_values(**{"Statut": "Peut-être"}),
        "plan.xlsx",
        "Feuille Tâches, ligne 2, colonne Statut : « Peut-être » n’est pas un statut connu.",
    )
    refused(
        client, town, with_values(**{"ID": 999999}), "plan.xlsx", "il n’y a pas de tâche 999999 dans ce plan"
    )
    refused(
        client, town, with_values(**{"Action": "=1+1"}), "plan.xlsx", "les formules ne sont pas acceptées"
    )
    refused(
        client,
        town,
        with_values(**{"Action": "A" * 501}),
        "plan.xlsx",
        "Feuille Tâches, ligne 2, colonne Action : le titre est trop long (500 caractères au plus).",
    )
    headers = [h for h in TASK_HEADERS if h != "Action"]
    refused(
        client,
        town,
        xlsx_with([[1] * len(headers)], headers),
        "plan.xlsx",
        "Feuille Tâches : la colonne « Action » est absente.",
    )
    refused(
        client,
        town,
        xlsx_two_sheets(),
        "plan.xlsx",
        "Le classeur n’a pas de feuille nommée « Tâches ».",
    )
    unknown_objective = base_row(task) | {"ID": "", "Objectif opérationnel": "Objectif qui n’existe pas"}
    refused(
        client,
        town,
        xlsx_with([[unknown_objective[h] for h in TASK_HEADERS]]),
        "plan.xlsx",
        "aucun objectif « Objectif qui n’existe pas » sous l’enjeu « Enjeux sociaux »",
    )
    refused(
        client,
        town,
        b"x" * (MAX_UPLOAD_BYTES + 1),
        "gros.csv",
        "Le fichier est trop volumineux (5 Mo au plus).",
    )
    refused(client, town, docx_bytes(), "plan.docx", "Importez un fichier Excel (.xlsx) ou CSV")


def test_a_number_typed_in_a_date_cell_is_refused(client, town, progress):
    """Excel gives a number typed into a date-formatted cell back as a date
    (12345.5 → 1933-10-18 12:00): refused, not imported as 1933."""
    first, second, third = progress
    client.login(town.admin.email)
    book = workbook(export_xlsx(client, town.plan))
    sheet = book["Tâches"]
    cell = sheet.cell(row=row_of(sheet, first.id), column=column("Échéance"))
    assert cell.number_format == "yyyy-mm-dd"
    cell.value = 12345.5
    sheet.cell(row=row_of(sheet, second.id), column=column("Échéance")).value = 12345
    sheet.cell(row=row_of(sheet, third.id), column=column("Long terme du")).value = 46000  # a plain cell
    refused(
        client,
        town,
        save(book),
        "plan.xlsx",
        f"Feuille Tâches, ligne {row_of(sheet, first.id)}, colonne Échéance : "
        "« 12345.5 » est un nombre, pas une date (écrivez la date sous la forme 2026-12-31).",
    )
    page = text_of(upload(client, f"/plans/{town.plan.id}/import", save(book), "plan.xlsx"))
    assert f"ligne {row_of(sheet, second.id)}, colonne Échéance : « 12345 » est un nombre" in page
    assert f"ligne {row_of(sheet, third.id)}, colonne Long terme du : « 46000 » est un nombre" in page


def xlsx_two_sheets() -> bytes:
    book = Workbook()
    book.active.title = "Feuil1"
    book.create_sheet("Feuil2")
    return save(book)


def docx_bytes() -> bytes:
    from docx import Document

    buffer = io.BytesIO()
    Document().save(buffer)
    return buffer.getvalue()


def test_zip_bomb_is_refused_before_reading(client, town):
    client.login(town.admin.email)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\x00" * (70 * 1024 * 1024))
    assert len(buffer.getvalue()) < MAX_UPLOAD_BYTES
    refused(client, town, buffer.getvalue(), "bombe.xlsx", "Le fichier se décompresse en trop de données")


def test_import_is_for_the_organisation_admins(client, make, town):
    url = f"/plans/{town.plan.id}/import"
    for person in (town.viewer, town.member):
        client.login(person.email)
        assert client.get(url).status_code == 404
        assert upload(client, url, b"ID;Action\n", "a.csv").status_code == 404
        client.post("/logout")
    stranger = make.user(make.org("autre", "Autre"), "admin", "admin@autre.ca")
    client.login(stranger.email)
    assert client.get(url).status_code == 404
    client.post("/logout")
    client.login(town.admin.email)
    page = text_of(client.get(url))
    assert "Importer un tableur" in page


def test_someone_elses_preview_cannot_be_confirmed(client, make_client, make, town, progress):
    first, _, _ = progress
    client.login(town.admin.email)
    book = workbook(export_xlsx(client, town.plan))
    sheet = book["Tâches"]
    sheet.cell(row=row_of(sheet, first.id), column=column("Statut")).value = "Terminé"
    page = text_of(upload(client, f"/plans/{town.plan.id}/import", save(book), "plan.xlsx"))
    other_admin = make_client()
    second_admin = make.user(town.org, "admin", "adjointe@ville-test.ca")
    other_admin.login(second_admin.email)
    assert other_admin.post(confirm_url(page)).status_code == 409
    db.session.expire_all()
    assert db.session.get(Task, first.id).status == "in_progress"


def test_the_plan_page_links_exports_and_import(client, town):
    client.login(town.viewer.email)
    page = text_of(client.get(f"/plans/{town.plan.id}"))
    assert f"/plans/{town.plan.id}/export.xlsx" in page
    assert f"/plans/{town.plan.id}/export.docx" in page
    assert f"/plans/{town.plan.id}/import" not in page.replace("export", "")
    client.post("/logout")
    client.login(town.admin.email)
    page = text_of(client.get(f"/plans/{town.plan.id}"))
    assert f'href="/plans/{town.plan.id}/import"' in page
    assert f'href="/orgs/{town.org.id}/plans/import-docx"' in page


def hostile_xlsx(sheet_xml: str) -> bytes:
    """A valid workbook whose task sheet is replaced by ``sheet_xml``."""
    book = Workbook()
    book.active.title = "Tâches"
    book.active.append(["ID"])
    source = zipfile.ZipFile(io.BytesIO(save(book)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = sheet_xml.encode()
            archive.writestr(item, data)
    return buffer.getvalue()


def test_xml_entity_bombs_and_oversized_sheets_are_refused(client, town):
    client.login(town.admin.email)
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + "".join(
            f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10)
        )
        + ']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>'
    )
    refused(client, town, hostile_xlsx(laughs), "lol.xlsx", "Le classeur est endommagé")
    # A sheet claiming to span every column of Excel is read within bounds.
    wide = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<dimension ref="A1:XFD3"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>ID</t></is></c></row>'
        '<row r="3"><c r="XFD3" t="inlineStr"><is><t>loin</t></is></c></row></sheetData></worksheet>'
    )
    refused(client, town, hostile_xlsx(wide), "large.xlsx", "la colonne « Enjeu » est absente")


def test_htmx_gets_the_panel_fragment(client, town):
    client.login(town.admin.email)
    content = client.get(f"/plans/{town.plan.id}/export.csv").data
    response = client.post(
        f"/plans/{town.plan.id}/import",
        data={"file": (io.BytesIO(content), "plan.csv")},
        content_type="multipart/form-data",
        headers={"HX-Request": "true"},
    )
    page = text_of(response)
    assert response.status_code == 200
    assert page.startswith('<div id="import-panel"')
    assert "Aucun changement" in page
    assert response.headers["Vary"] == "HX-Request" or "HX-Request" in response.headers["Vary"]
    response = client.post(
        f"/plans/{town.plan.id}/import",
        data={"file": (io.BytesIO(b""), "vide.csv")},
        content_type="multipart/form-data",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert text_of(response).startswith('<div id="import-panel"')


def test_a_row_naming_another_objective_is_not_moved_and_says_so(client, town, progress):
    first, _, _ = progress
    client.login(town.admin.email)
    book = workbook(export_xlsx(client, town.plan))
    sheet = book["Tâches"]
    sheet.cell(row=row_of(sheet, first.id), column=column("Objectif opérationnel")).value = "Ailleurs"
    page = text_of(upload(client, f"/plans/{town.plan.id}/import", save(book), "plan.xlsx"))
    assert (
        "Feuille Tâches, ligne 2 : l’enjeu ou l’objectif diffère de celui du plan; "
        "un import ne déplace pas les actions (déplacez-la dans l’application)."
    ) in page
    assert "Aucun changement : le fichier correspond au plan." in page


def test_a_row_blocked_without_a_reason_is_refused_with_its_place(client, town, progress):
    first, _, _ = progress
    client.login(town.admin.email)
    text = client.get(f"/plans/{town.plan.id}/export.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    place = next(i for i, row in enumerate(rows) if row[0] == str(first.id)) + 1
    rows[place - 1][column("Statut") - 1] = "Bloqué"
    rows[place - 1][column("Motif du blocage") - 1] = ""
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows(rows)
    response = upload(client, f"/plans/{town.plan.id}/import", out.getvalue().encode(), "plan.csv")
    page = text_of(response)
    assert response.status_code == 422
    assert f"ligne {place}, colonne Motif du blocage : l’action est bloquée sans motif" in page
    db.session.expire_all()
    assert db.session.get(Task, first.id).status == "in_progress"


def test_the_preview_says_which_due_dates_fall_outside_their_period(client, town, progress):
    first, _, _ = progress
    client.login(town.admin.email)
    book = workbook(export_xlsx(client, town.plan))
    sheet = book["Tâches"]
    row = row_of(sheet, first.id)
    sheet.cell(row=row, column=column("Échéance")).value = "2027-02-01"
    new_row = sheet.max_row + 1
    for header, value in (
        ("Enjeu", "Enjeux sociaux"),
        ("Objectif opérationnel", first.objective.title),
        ("Action", "Recenser les bénévoles"),
        ("Statut", "À faire"),
        ("Horizon", "Long terme"),
        ("Long terme du", "2027-01-01"),
        ("Long terme au", "2027-06-30"),
        ("Échéance", "2026-12-20"),
    ):
        sheet.cell(row=new_row, column=column(header)).value = value
    page = text_of(upload(client, f"/plans/{town.plan.id}/import", save(book), "plan.xlsx"))
    assert (
        f"Feuille Tâches, ligne {row} : L’échéance, le 1 févr. 2027, tombe hors de la période court et "
        "moyen terme de l’action (du 1 nov. 2026 au 15 déc. 2026)."
    ) in page
    assert (
        f"Feuille Tâches, ligne {new_row} : L’échéance, le 20 déc. 2026, tombe hors de la période long "
        "terme de l’action (du 1 janv. 2027 au 30 juin 2027)."
    ) in page
    # Said, not refused: both rows are still to be imported.
    assert "1 action à modifier" in page and "1 action à créer" in page
    assert "Confirmer l’import" in page
