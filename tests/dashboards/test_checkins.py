"""The plan's dashboard shows the weekly check-in: each theme's actions by
latest health (and how many are stale), and the response rate by week."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from tasking.extensions import db
from tests.checkins.seeding import a_round, an_answer

from .test_pages import page

MONDAYS = [datetime(2026, 11, 3, 13), datetime(2026, 11, 10, 13), datetime(2026, 11, 17, 13)]


def _section(html: str, section_id: str) -> str:
    start = html.index(f'id="{section_id}"')
    return html[start : html.index("</section>", start)]


def _cells(row: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
    ]


def test_dashboard_shows_health_by_theme_and_the_response_rate(client, dataset):
    tasks = dataset.tasks_a
    for task in tasks:
        task.created_at = datetime(2026, 10, 1)
    db.session.commit()
    people = (dataset.admin_a, dataset.member_a)
    rounds = [a_round(dataset.ville_a, monday, invited=people) for monday in MONDAYS]
    an_answer(
        tasks[0], dataset.member_a, "blocked", MONDAYS[2] + timedelta(hours=1), "Pas de local", rounds[2]
    )
    an_answer(tasks[1], dataset.member_a, "at_risk", MONDAYS[2] + timedelta(hours=1), "Retard", rounds[2])
    an_answer(tasks[2], dataset.admin_a, "on_track", MONDAYS[1] + timedelta(hours=1), checkin=rounds[1])

    client.login(dataset.viewer_a.email)
    html = page(client, f"/plans/{dataset.plan_a.id}/dashboard")

    health = _section(html, "health-by-theme")
    assert "Santé par enjeu" in health
    header = _cells(re.search(r"<thead>(.*?)</thead>", health, re.S).group(1))
    assert header == [
        "Enjeu",
        "Dans les temps",
        "À risque",
        "En retard",
        "Bloquée",
        "Terminée",
        "Aucune mise à jour",
        "À mettre à jour",
    ]
    rows = [_cells(row) for row in re.findall(r"<tr>(.*?)</tr>", health.split("<tbody>")[1], re.S)]
    by_theme = {row[0]: row[1:] for row in rows}
    theme = tasks[0].objective.theme
    title = f"{theme.number}. {theme.title}"
    others = [t for t in tasks[3:] if t.objective.theme_id == theme.id and t.archived_at is None]
    still_open = [t for t in others if t.status != "done"]
    # Three answered; the others never reported on, stale unless done.
    assert by_theme[title] == ["1", "1", "", "1", "", str(len(others)), str(len(still_open))]

    rates = _section(html, "response-rate")
    assert "Taux de réponse aux suivis par semaine" in rates
    weeks = [_cells(row) for row in re.findall(r"<tr>(.*?)</tr>", rates.split("<tbody>")[1], re.S)]
    assert [week[:3] for week in weeks] == [
        ["3 nov. 2026", "0/2", "0\u00a0%"],
        ["10 nov. 2026", "1/2", "50\u00a0%"],
        ["17 nov. 2026", "1/2", "50\u00a0%"],
    ]
    assert 'aria-label="1 personnes sur 2 ont répondu"' in rates


def test_dashboard_before_any_round(client, dataset):
    client.login(dataset.viewer_a.email)
    html = page(client, f"/plans/{dataset.plan_a.id}/dashboard")
    assert "Aucune tournée de suivi ne s’est encore ouverte." in _section(html, "response-rate")
