"""The demo opens a round and leaves answers, so a new user sees the weekly
check-in everywhere: the coordinator's page, the board, the plan, the
dashboard and the exports."""

from __future__ import annotations

import csv
import io
import re

from sqlalchemy import func, select

from tasking.demo.services import DEMO_PASSWORD
from tasking.extensions import db
from tasking.models import CheckinAnswer, CheckinRound, Organisation, Plan


def test_the_demo_shows_the_checkin_everywhere(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    org = db.session.scalar(select(Organisation).where(Organisation.slug == "ville-demo"))
    plan = db.session.scalar(select(Plan).where(Plan.organisation_id == org.id))
    client.login("coordination@ville-demo.ca", DEMO_PASSWORD)

    coordinator = client.get(f"/admin/orgs/{org.id}/checkins").get_data(as_text=True)
    assert "Luc Gagnon" in coordinator and "Sophie Roy" in coordinator
    assert "En attente de l’autorisation du conseil municipal." in coordinator

    board = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)
    assert ">À mettre à jour</span>" in board  # Sophie has not answered for three rounds
    # This week's answers, each on its card.
    this_week = db.session.scalars(
        select(CheckinAnswer).where(
            CheckinAnswer.round_id == select(func.max(CheckinRound.id)).scalar_subquery()
        )
    ).all()
    cards = {
        answer.health: client.get(f"/tasks/{answer.task_id}/card", headers={"HX-Request": "true"}).get_data(
            as_text=True
        )
        for answer in this_week
    }
    assert sorted(cards) == ["at_risk", "blocked", "late", "on_track"]
    assert ">Bloquée</span>" in cards["blocked"] and ">À risque</span>" in cards["at_risk"]
    assert "En attente de l’autorisation du conseil municipal." in cards["blocked"]

    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Le budget n’est pas encore voté; on suit de près." in page

    dashboard = client.get(f"/plans/{plan.id}/dashboard").get_data(as_text=True)
    rates = dashboard[dashboard.index('id="response-rate"') :]
    answered = re.findall(r'<td class="num">(\d+/\d+)</td>', rates[: rates.index("</section>")])
    assert answered == ["3/3", "2/3", "1/3", "1/3"]

    text = client.get(f"/plans/{plan.id}/export.csv").data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline=""), delimiter=";"))
    notes = {row["Note"] for row in rows}
    assert "Livraison reportée : nouvelle date demandée au fournisseur." in notes
    assert any(
        row["Santé"] == "À mettre à jour" or row["Santé"].endswith("· À mettre à jour") for row in rows
    )
