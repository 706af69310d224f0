"""Importing a spreadsheet in a real Chromium: upload, preview, confirm."""

from __future__ import annotations

import io

import pytest

from tasking.extensions import db
from tasking.models import Task
from tests.conftest import browser_login
from tests.exchange.conftest import first_tasks, town  # noqa: F401

pytestmark = pytest.mark.browser


def test_upload_preview_and_confirm_an_edited_export(live_server, page, town, tmp_path):  # noqa: F811
    from openpyxl import load_workbook

    task = first_tasks(town.plan, 1)[0]
    browser_login(page, live_server, town.admin.email)
    page.goto(f"{live_server}/plans/{town.plan.id}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").click()
    assert download.value.suggested_filename.startswith("plan-de-retablissement-ville-test-20")
    with open(download.value.path(), "rb") as downloaded:
        book = load_workbook(io.BytesIO(downloaded.read()))
    sheet = book["Tâches"]
    assert sheet.cell(row=2, column=1).value == task.id
    sheet.cell(row=2, column=6).value = "En cours"
    edited = tmp_path / "plan.xlsx"
    book.save(edited)

    page.get_by_role("link", name="Importer un tableur").click()
    page.set_input_files("input[type=file]", str(edited))
    page.get_by_role("button", name="Voir l’aperçu de l’import").click()
    page.wait_for_selector("text=1 action à modifier")
    assert page.locator(".exchange-changes td.new").first.inner_text() == "En cours"
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "todo"

    page.get_by_role("button", name="Confirmer l’import").click()
    outcome = page.get_by_role("status").filter(has_text="Import terminé")
    outcome.wait_for()
    assert "1 action modifiée, 0 créée" in outcome.inner_text()
    # Only the last progress bar shows: the full one.
    assert page.locator(".import-step:visible").inner_text() == "Lignes écrites\u00a0: 1 sur 1"
    db.session.expire_all()
    assert db.session.get(Task, task.id).status == "in_progress"
    page.get_by_role("link", name="Voir le tableau").click()
    page.wait_for_url(f"{live_server}/plans/{town.plan.id}/board")


def test_a_bad_file_shows_its_problem_in_place(live_server, page, town, tmp_path):  # noqa: F811
    browser_login(page, live_server, town.admin.email)
    page.goto(f"{live_server}/plans/{town.plan.id}/import")
    bad = tmp_path / "plan.xlsx"
    bad.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    page.set_input_files("input[type=file]", str(bad))
    page.get_by_role("button", name="Voir l’aperçu de l’import").click()
    page.wait_for_selector(".exchange-problems")
    assert "Le fichier est endommagé" in page.locator(".exchange-problems").inner_text()
    assert page.url == f"{live_server}/plans/{town.plan.id}/import"


def test_a_row_changed_on_both_sides_is_refused_beside_the_apps_value(live_server, page, town, tmp_path):  # noqa: F811
    from datetime import datetime

    from openpyxl import load_workbook

    from tasking.tasks import editing

    first, second = first_tasks(town.plan, 2)
    browser_login(page, live_server, town.admin.email)
    page.goto(f"{live_server}/plans/{town.plan.id}")
    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").click()
    with open(download.value.path(), "rb") as downloaded:
        book = load_workbook(io.BytesIO(downloaded.read()))
    sheet = book["Tâches"]
    assert [sheet.cell(row=r, column=1).value for r in (2, 3)] == [first.id, second.id]
    sheet.cell(row=2, column=6).value = "Terminé"
    sheet.cell(row=3, column=6).value = "En cours"
    edited = tmp_path / "plan.xlsx"
    book.save(edited)
    # Meanwhile, in the application, someone blocks the first action.
    editing.update_task(
        db.session,
        actor=town.admin,
        task=db.session.get(Task, first.id),
        changes={"status": "blocked", "blocked_reason": "Budget"},
        version=None,
        now=datetime(2026, 11, 25, 14),
    )
    db.session.commit()

    page.goto(f"{live_server}/plans/{town.plan.id}/import")
    page.set_input_files("input[type=file]", str(edited))
    page.get_by_role("button", name="Voir l’aperçu de l’import").click()
    page.wait_for_selector("text=1 action à modifier")
    refused = page.locator(".exchange-conflicts")
    assert "1 ligne refusée" in refused.inner_text()
    assert refused.locator("td.file").inner_text() == "Terminé"
    assert refused.locator("td.app").inner_text() == "Bloqué"

    page.get_by_role("button", name="Confirmer l’import").click()
    page.get_by_role("status").filter(has_text="Import terminé").wait_for()
    # The refusal stays on the page, after the import of the other row.
    after = page.locator(".exchange-conflicts")
    assert after.locator("td.file").inner_text() == "Terminé"
    assert after.locator("td.app").inner_text() == "Bloqué"
    db.session.expire_all()
    assert db.session.get(Task, first.id).status == "blocked"
    assert db.session.get(Task, second.id).status == "in_progress"
