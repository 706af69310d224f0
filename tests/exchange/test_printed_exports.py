"""The exported files as a person opens and prints them: the workbook starts
on « Tâches », its wrapped text has room, every sheet prints landscape at the
page's width with its header row on every page; the Word file says « État
au » and numbers its pages; both name each action's owner and latest comment."""

from __future__ import annotations

import io
from datetime import datetime

import docx
import pytest

from tasking.extensions import db
from tasking.tasks import comments

from .conftest import workbook
from .office import printed

COMMENT = "Liste des **organismes** reçue; appels la semaine prochaine."
SAID = "24 nov. 2026, Rémi Responsable\u00a0: Liste des organismes reçue; appels la semaine prochaine."


@pytest.fixture
def commented(town, progress):
    first, _, _ = progress
    comments.add_comment(
        db.session, actor=town.member, task=first, body=COMMENT, now=datetime(2026, 11, 24, 15)
    )
    db.session.commit()
    return first


def test_the_workbook_opens_on_the_task_sheet_and_names_owners_and_comments(client, town, commented):
    client.login(town.viewer.email)
    book = workbook(client.get(f"/plans/{town.plan.id}/export.xlsx").data)
    assert book.active.title == "Tâches"
    assert [ws.title for ws in book.worksheets if ws.sheet_view.tabSelected] == ["Tâches"]
    social = book.worksheets[0]
    actions = social.cell(row=3, column=2).value.split("\n")
    assert actions[:4] == [
        f"· {commented.title} [En cours]",
        "→ Responsable\u00a0: Rémi Responsable",
        f"→ Dernier commentaire\u00a0: {SAID}",
        actions[3],
    ]
    assert actions[3].startswith("· ")  # the next action
    # Tall enough for its lines (a spreadsheet does not work it out on opening).
    assert social.row_dimensions[3].height >= 15 * len(actions)
    tasks = book["Tâches"]
    headers = [cell.value for cell in tasks[1]]
    assert tasks.cell(row=2, column=headers.index("Dernier commentaire") + 1).value == SAID
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
    assert tasks.print_title_rows == "$1:$1"
    assert social.print_title_rows == "$2:$2"


def test_the_workbook_prints_landscape_on_few_pages_headers_repeated(client, town, commented, tmp_path):
    client.login(town.admin.email)
    pdf = printed(client.get(f"/plans/{town.plan.id}/export.xlsx").data, "xlsx", tmp_path)
    # Six theme sheets and the task sheet, each as wide as the page (it took 62 pages).
    assert 7 <= len(pdf.pages) <= 14
    assert all(page.mediabox.width > page.mediabox.height for page in pdf.pages)
    texts = [page.extract_text() for page in pdf.pages]
    task_pages = [text for text in texts if "Courriel du responsable" in text]
    assert len(task_pages) >= 2  # the task sheet runs over pages: its header on each
    missing = [
        n
        for n, text in enumerate(texts)
        if not ("Collaborateur(s)" in text or "Courriel du responsable" in text)
    ]
    assert not missing, [texts[n][:300] for n in missing]


def test_the_word_file_says_its_date_numbers_pages_and_names_owners(client, town, commented, tmp_path):
    client.login(town.admin.email)
    content = client.get(f"/plans/{town.plan.id}/export.docx").data
    document = docx.Document(io.BytesIO(content))
    assert "État au 25 nov. 2026" in [p.text for p in document.paragraphs]
    actions = [p.text for p in document.tables[1].rows[2].cells[1].paragraphs]
    assert actions[:3] == [
        f"· {commented.title} [En cours]",
        "→ Responsable\u00a0: Rémi Responsable",
        f"→ Dernier commentaire\u00a0: {SAID}",
    ]
    pdf = printed(content, "docx", tmp_path)
    pages = len(pdf.pages)
    assert 5 <= pages <= 40
    for number, page in enumerate(pdf.pages, start=1):
        assert page.mediabox.width > page.mediabox.height
        footer = " ".join(page.extract_text().split())
        assert (
            f"Plan de rétablissement · Ville de Test · État au 25 nov. 2026 · Page {number} de {pages}"
            in footer
        )
