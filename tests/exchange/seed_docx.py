"""A Word document laid out as the ASCQ template, built from the seed data:
what a municipality fills in and uploads."""

from __future__ import annotations

import io

from docx import Document

from tasking.plans.template import load_template

HEADERS = (
    "Objectifs opérationnels",
    "Actions",
    "Cibles",
    "Responsable(s) de l’action",
    "Collaborateur(s)",
    "À quel moment?",
    "À quel moment?",
    "Commentaires",
)


def _fill(cell, lines: list[str]) -> None:
    lines = lines or [""]
    cell.paragraphs[0].text = lines[0]
    for line in lines[1:]:
        cell.add_paragraph(line)


def seed_docx(
    owner_cells: dict[int, list[str]] | None = None,
    dates: dict[int, str] | None = None,
    action_suffix: dict[int, str] | None = None,
    split_tables: bool = False,
) -> bytes:
    """The template as a .docx. ``owner_cells``/``dates`` fill the
    Responsable(s) / short-term cells of the n-th objective row (0-based,
    counted over the whole document), as a municipality would;
    ``action_suffix`` is typed after the first action of that row;
    ``split_tables`` cuts each theme's table in two, the header repeated, as
    a copy and paste of the header row does."""
    data = load_template()
    owner_cells, dates, action_suffix = owner_cells or {}, dates or {}, action_suffix or {}
    document = Document()
    document.add_paragraph("Plan de rétablissement", style="Title")
    document.add_paragraph(data["source"])
    document.add_paragraph("2. Identification des objectifs généraux", style="Heading 1")
    table = document.add_table(rows=1, cols=4)
    for cell, text in zip(
        table.rows[0].cells,
        ("Temporalité", "Objectifs généraux", "Objectifs spécifiques", "Précisions"),
        strict=True,
    ):
        _fill(cell, [text])
    labels = {"short_medium": "Court et\nmoyen terme", "long": "Long terme"}
    for general in data["general_objectives"]:
        first = None
        for index, specific in enumerate(general["specific_objectives"]):
            cells = table.add_row().cells
            if index == 0:
                _fill(cells[0], labels[general["horizon"]].split("\n"))
                _fill(cells[1], [general["title"]])
                first = cells
            else:
                # The template merges these cells vertically.
                first[0].merge(cells[0])
                first[1].merge(cells[1])
            details = ["· " + line for line in specific["details"].splitlines()]
            _fill(cells[2], [f"{specific['number']} {specific['title']}", *details])
            _fill(cells[3], [specific["precision"]])

    row_number = 0
    for theme in data["themes"]:
        heading = f"{theme['number']}. {theme['title']}"
        if theme["subtitle"]:
            heading += f" : {theme['subtitle']}"
        document.add_paragraph(heading, style="Heading 1")
        document.add_paragraph(f"Brève définition : {theme['definition']}")
        document.add_paragraph(f"Nom des missions responsables. {theme['missions_text']}")
        if theme["communication_issues"]:
            document.add_paragraph("Enjeux de communication")
            for issue in theme["communication_issues"]:
                document.add_paragraph("· " + issue)
        table = _theme_table(document, theme)
        half = len(theme["objectives"]) // 2
        for position, objective in enumerate(theme["objectives"]):
            if split_tables and position == half and half:
                table = _theme_table(document, theme)
            cells = table.add_row().cells
            _fill(cells[0], [objective["title"], *objective["description"].splitlines()])
            actions = []
            for index, action in enumerate(objective["actions"]):
                suffix = action_suffix.get(row_number, "") if index == 0 else ""
                actions.append("· " + action["title"] + suffix)
                actions.extend(action["description"].splitlines())
            # The template leaves an empty line between some bullets.
            if len(actions) > 2:
                actions.insert(2, "")
            _fill(cells[1], actions)
            _fill(cells[2], ["· " + target for target in objective["targets"]])
            _fill(cells[3], owner_cells.get(row_number, ["· "]))
            _fill(cells[4], ["· "])
            _fill(cells[5], [dates.get(row_number, "")])
            row_number += 1
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _theme_table(document, theme: dict):  # noqa: ANN001, ANN202
    """A theme's table with its two header rows, as the template has it."""
    table = document.add_table(rows=2, cols=8)
    header = list(HEADERS)
    header[0] = theme["objectives_heading"]
    for index, text in enumerate(header):
        lines = [text] + ([theme["actions_note"]] if index == 1 and theme["actions_note"] else [])
        if index != 6:
            _fill(table.rows[0].cells[index], lines)
    table.rows[0].cells[5].merge(table.rows[0].cells[6])
    _fill(table.rows[1].cells[5], ["Court et moyen terme", "Du (date) au (date)"])
    _fill(table.rows[1].cells[6], ["Long terme", "Du (date) au (date)"])
    return table
