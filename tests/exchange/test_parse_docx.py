"""The Word parser is pure: the document's bytes in, a plain description of
the plan out, with no database and no application."""

from __future__ import annotations

import io
from datetime import date

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE

from tasking.exchange.docx_parse import parse_docx
from tasking.exchange.parse_sheet import ImportFailed
from tasking.plans.template import load_template
from tests.exchange.seed_docx import seed_docx

STATUSES = {"en cours": "in_progress", "termine": "done"}


def one_theme(rows: list[tuple[str, str, str]]) -> bytes:
    """One theme heading and its table (objective, actions, short-term timing)."""
    document = Document()
    document.add_paragraph("3. Enjeux sociaux : les gens d’abord", style="Heading 1")
    document.add_paragraph("Brève définition : prendre soin des personnes.")
    table = document.add_table(rows=1 + len(rows), cols=4)
    for cell, text in zip(
        table.rows[0].cells, ("Objectifs opérationnels", "Actions", "Cibles", "À quel moment?"), strict=True
    ):
        cell.text = text
    for row, (objective, actions, timing) in zip(table.rows[1:], rows, strict=True):
        row.cells[0].text, row.cells[1].text, row.cells[3].text = objective, actions, timing
    content = io.BytesIO()
    document.save(content)
    return content.getvalue()


def test_the_seed_template_reads_to_its_counts():
    parsed = parse_docx(seed_docx(), STATUSES)
    assert parsed.title == "Plan de rétablissement"
    data = load_template()
    assert parsed.counts == {
        "themes": 6,
        "objectives": 34,
        "actions": 145,
        "targets": sum(len(o["targets"]) for t in data["themes"] for o in t["objectives"]),
        "general_objectives": len(data["general_objectives"]),
        "specific_objectives": sum(len(g["specific_objectives"]) for g in data["general_objectives"]),
    }
    assert parsed.warnings == []


def test_headings_and_bullets_known_by_their_french_style_names():
    """A French Word names its styles « Titre 1 » and « Liste à puces »: a
    heading without a number and bullets without « · » are known by them."""
    document = Document()
    for name in ("Titre 1", "Liste à puces"):
        document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    document.add_paragraph("Plan de la Ville", style="Title")
    document.add_paragraph("Enjeux sociaux", style="Titre 1")
    table = document.add_table(rows=2, cols=3)
    for cell, text in zip(table.rows[0].cells, ("Objectifs opérationnels", "Actions", "Cibles"), strict=True):
        cell.text = text
    table.rows[1].cells[0].text = "Aider les aînés"
    actions = table.rows[1].cells[1]
    actions.paragraphs[0].text = "Appeler"
    actions.add_paragraph("les bénévoles")
    actions.add_paragraph("Livrer", style="Liste à puces")
    actions.paragraphs[0].style = "Liste à puces"
    content = io.BytesIO()
    document.save(content)

    parsed = parse_docx(content.getvalue(), STATUSES)

    assert parsed.title == "Plan de la Ville"
    [theme] = parsed.themes
    assert (theme.number, theme.title) == (None, "Enjeux sociaux")
    [row] = theme.objectives
    assert [(a.title, a.description) for a in row.actions] == [("Appeler", ["les bénévoles"]), ("Livrer", [])]


def test_a_theme_its_rows_bullets_statuses_and_dates():
    content = one_theme(
        [
            (
                "Aider les aînés",
                "· Appeler [En cours]\n-faire la liste\n· Livrer",
                "Du 2026-12-01 au 31/01/2027",
            ),
            ("", "· Visiter [Peut-être]", "2026-13-45"),
        ]
    )
    parsed = parse_docx(content, STATUSES)
    [theme] = parsed.themes
    assert (theme.number, theme.title, theme.subtitle, theme.definition) == (
        3,
        "Enjeux sociaux",
        "les gens d’abord",
        "prendre soin des personnes.",
    )
    [row] = theme.objectives
    assert [(a.title, a.description, a.status) for a in row.actions] == [
        ("Appeler", ["-faire la liste"], "in_progress"),
        ("Livrer", [], "todo"),
        ("Visiter [Peut-être]", [], "todo"),
    ]
    assert row.short == [date(2026, 12, 1), date(2027, 1, 31)]
    assert parsed.warnings == [
        "Table 1, row 3: “[Peut-être]” is not a known status; "
        "it stays in the title of the action “Visiter [Peut-être]”.",
        "Table 1, row 3: “2026-13-45” is not a date; it is left out.",
    ]


def test_what_is_no_plan_is_refused_with_the_reason():
    with pytest.raises(ImportFailed, match="damaged"):
        parse_docx(b"PK\x03\x04 nothing", STATUSES)
    with pytest.raises(ImportFailed) as failure:
        parse_docx(one_theme([("", "· Orpheline", "")]), STATUSES)
    assert failure.value.problems == [
        "Table 1, row 2: actions without an operational objective.",
        "Table 1 (Enjeux sociaux): no operational objective found.",
    ]
