"""The confidentiality incident register: recording, validation, editing
with its history, the list's filters, and the exports read back."""

from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tasking.extensions import db
from tasking.models import ConfidentialityIncident, IncidentChange, SecurityEvent

GOOD = {
    "occurred_on": "2026-11-02",
    "occurred_until": "2026-11-04",
    "discovered_on": "2026-11-05",
    "discovered_by": "Service des technologies",
    "nature": "disclosure",
    "description": "Un courriel contenant la liste des bénévoles a été envoyé au mauvais destinataire.",
    "information_concerned": "Noms, numéros de téléphone",
    "people_concerned": "42",
    "sensitivity": "medium",
    "consequences": "Sollicitations non désirées",
    "probability": "low",
    "serious_harm": "no",
    "measures": "Rappel du courriel; formation du personnel",
    "commission_notified": "no",
    "commission_notified_on": "",
    "people_notified": "yes",
    "people_notified_on": "2026-11-10",
    "people_not_notified_reason": "",
    "other_bodies": "",
    "status": "open",
}


@pytest.fixture
def town(make, clock):
    clock.set(datetime(2026, 11, 25, 15, 0))
    org = make.org("ville-a", "Ville A")
    return {
        "org": org,
        "admin": make.user(org, "admin", "admin@ville-a.qc.ca", "Alice Admin"),
        "member": make.user(org, "member", "membre@ville-a.qc.ca"),
        "other_admin": make.user(make.org("ville-b", "Ville B"), "admin", "admin@ville-b.qc.ca"),
    }


def _record(client, org_id: int, **changes: str):
    return client.post(f"/admin/orgs/{org_id}/incidents/new", data={**GOOD, **changes})


def test_an_admin_records_an_incident_with_every_field(client, town):
    client.login(town["admin"].email)
    assert client.get(f"/admin/orgs/{town['org'].id}/incidents/new").status_code == 200
    answer = _record(client, town["org"].id)
    assert answer.status_code == 303
    incident = db.session.scalar(select(ConfidentialityIncident))
    assert answer.headers["Location"] == f"/admin/orgs/{town['org'].id}/incidents/{incident.id}"
    assert incident.number == 1
    assert (incident.occurred_on, incident.discovered_on) == (date(2026, 11, 2), date(2026, 11, 5))
    assert (incident.nature, incident.people_concerned, incident.serious_harm) == ("disclosure", 42, False)
    assert (incident.people_notified, incident.people_notified_on) == (True, date(2026, 11, 10))
    assert incident.commission_notified is False and incident.commission_notified_on is None
    assert incident.created_by_id == incident.updated_by_id == town["admin"].id
    assert incident.created_at == datetime(2026, 11, 25, 15, 0)
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Incident nº 1" in page and "Consigné le 25 nov. 2026, 10 h 00 par Alice Admin." in page


@pytest.mark.parametrize(
    ("changes", "field", "sentence"),
    [
        ({"discovered_on": ""}, "discovered_on", "Donnez la date à laquelle l’incident a été découvert."),
        (
            {"discovered_on": "2026-11-01"},
            "discovered_on",
            "L’incident ne peut pas avoir été découvert avant",
        ),
        ({"discovered_on": "5 novembre"}, "discovered_on", "« 5 novembre » n’est pas une date (AAAA-MM-JJ)."),
        (
            {"discovered_on": "2026-11-26", "occurred_on": "", "occurred_until": ""},
            "discovered_on",
            "dans le futur",
        ),
        (
            {"occurred_until": "2026-11-01"},
            "occurred_until",
            "La fin de la période ne peut pas précéder son début.",
        ),
        ({"people_notified_on": "2026-11-04"}, "people_notified_on", "avant la découverte de l’incident"),
        ({"people_notified_on": ""}, "people_notified_on", "Donnez la date de l’avis."),
        ({"commission_notified": "yes"}, "commission_notified_on", "Donnez la date de l’avis."),
        ({"commission_notified_on": "2026-11-12"}, "commission_notified_on", "Répondez « Oui » pour donner"),
        ({"people_concerned": "beaucoup"}, "people_concerned", "n’est pas un nombre de personnes"),
        ({"nature": "piratage"}, "nature", "Choisissez une des valeurs proposées."),
        ({"description": " "}, "description", "Décrivez ce qui s’est passé."),
        ({"status": "closed", "serious_harm": ""}, "serious_harm", "Évaluez le risque de préjudice sérieux"),
        (
            {"serious_harm": "yes", "people_notified": "no", "people_notified_on": ""},
            "people_not_notified_reason",
            "indiquez pourquoi les personnes concernées ne sont pas avisées",
        ),
    ],
)
def test_wrong_values_get_a_french_sentence_on_their_field_and_save_nothing(
    client, town, changes, field, sentence
):
    client.login(town["admin"].email)
    answer = _record(client, town["org"].id, **changes)
    assert answer.status_code == 422
    html = answer.get_data(as_text=True).replace("\u00a0", " ")
    error = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', html)
    assert error and sentence.replace("\u00a0", " ") in error.group(1).replace("&#39;", "'"), html[-3000:]
    assert db.session.scalar(select(ConfidentialityIncident.id)) is None


def test_several_wrong_fields_are_all_said_at_once(client, town):
    client.login(town["admin"].email)
    answer = _record(client, town["org"].id, discovered_by="", information_concerned="", nature="")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    for field in ("discovered_by", "information_concerned", "nature"):
        assert f'id="{field}-error"' in html


def test_an_edit_is_kept_with_who_and_when(client, make_client, town, make, clock):
    client.login(town["admin"].email)
    _record(client, town["org"].id)
    incident = db.session.scalar(select(ConfidentialityIncident))
    second = make.user(town["org"], "admin", "deux@ville-a.qc.ca", "Bernard Second")
    clock.advance(days=1)
    other = make_client()
    other.login(second.email)
    url = f"/admin/orgs/{town['org'].id}/incidents/{incident.id}"
    changed = {
        **GOOD,
        "commission_notified": "yes",
        "commission_notified_on": "2026-11-20",
        "status": "closed",
    }
    assert other.post(url, data=changed).status_code == 303
    # Saving the same values again records nothing.
    assert other.post(url, data=changed).status_code == 303
    db.session.expire_all()
    incident = db.session.get(ConfidentialityIncident, incident.id)
    assert (incident.status, incident.commission_notified_on) == ("closed", date(2026, 11, 20))
    assert incident.updated_by_id == second.id and incident.updated_at == datetime(2026, 11, 26, 15, 0)
    assert incident.created_by_id == town["admin"].id
    changes = db.session.scalars(select(IncidentChange)).all()
    assert len(changes) == 1 and changes[0].changed_by_id == second.id
    page = other.get(url).get_data(as_text=True)
    assert "Modifié le 26 nov. 2026, 10 h 00 par Bernard Second" in page
    assert "Statut (Ouvert → Fermé)" in page and "(Non → Oui)" in page


def test_the_list_filters_and_numbers_per_organisation(client, make_client, town):
    client.login(town["admin"].email)
    _record(client, town["org"].id)
    _record(
        client,
        town["org"].id,
        nature="loss",
        serious_harm="yes",
        commission_notified="yes",
        commission_notified_on="2026-11-06",
        discovered_on="2026-11-06",
    )
    _record(
        client,
        town["org"].id,
        serious_harm="",
        discovered_on="2026-11-20",
        nature="access",
        people_notified="no",
        people_notified_on="",
    )
    other = make_client()
    other.login(town["other_admin"].email)
    _record(other, town["other_admin"].memberships[0].organisation_id)
    numbers = db.session.scalars(
        select(ConfidentialityIncident.number).order_by(ConfidentialityIncident.id)
    ).all()
    assert numbers == [1, 2, 3, 1]
    base = f"/admin/orgs/{town['org'].id}/incidents"

    def listed(query: str = "") -> list[str]:
        html = client.get(base + query).get_data(as_text=True)
        return re.findall(r'/incidents/\d+">(\d+)</a>', html)

    assert listed() == ["3", "2", "1"]
    assert listed("?serious=yes") == ["2"]
    assert listed("?serious=unassessed") == ["3"]
    assert listed("?nature=disclosure") == ["1"]
    assert listed("?from=2026-11-06&to=2026-11-19") == ["2"]
    fragment = client.get(base + "?status=closed", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.startswith('<div id="incidents"') and "Aucun incident consigné." in fragment
    assert client.get(base + "?from=hier").status_code == 400
    assert client.get(base + "?status=perdu").status_code == 400


def test_the_exports_read_back_with_french_headers(client, town):
    client.login(town["admin"].email)
    _record(client, town["org"].id, description='=HYPERLINK("http://x")')
    _record(
        client,
        town["org"].id,
        serious_harm="yes",
        commission_notified="yes",
        commission_notified_on="2026-11-06",
        nature="loss",
    )
    base = f"/admin/orgs/{town['org'].id}/incidents"
    answer = client.get(base + ".csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "registre-incidents-ville-a-2026-11-25.csv" in answer.headers["Content-Disposition"]
    body = answer.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    header = rows[0]
    assert header[:4] == ["Nº", "Date de l’incident (ou début)", "Fin de la période", "Date de la découverte"]
    assert "Risque de préjudice sérieux" in header and "Commission avisée" in header
    assert "Consigné au registre par" in header and "Dernière modification le" in header
    by_number = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert by_number["1"]["Description"] == '\'=HYPERLINK("http://x")'
    assert by_number["2"]["Nature"] == "Perte de renseignements personnels"
    assert by_number["2"]["Risque de préjudice sérieux"] == "Oui"
    assert by_number["2"]["Date de l’avis à la Commission"] == "2026-11-06"
    assert by_number["1"]["Nombre de personnes concernées"] == "42"
    assert by_number["1"]["Consigné au registre par"] == "Alice Admin"
    assert by_number["1"]["Consigné le"] == "2026-11-25 10:00"
    # The same selection as the page: a filter applies to the file.
    filtered = client.get(base + ".xlsx?serious=yes")
    assert filtered.status_code == 200
    sheet = load_workbook(io.BytesIO(filtered.get_data())).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:4] == (
        "Nº",
        "Date de l’incident (ou début)",
        "Fin de la période",
        "Date de la découverte",
    )
    assert len(values) == 2 and values[1][0] == 2
    row = dict(zip(values[0], values[1], strict=True))
    assert row["Date de la découverte"].date() == date(2026, 11, 5)
    assert row["Nature"] == "Perte de renseignements personnels" and row["Statut"] == "Ouvert"
    logged = db.session.scalars(select(SecurityEvent.detail).where(SecurityEvent.kind == "export")).all()
    assert logged == [
        {"what": "incidents", "format": "csv", "rows": 2},
        {"what": "incidents", "format": "xlsx", "rows": 1},
    ]


def test_the_english_reader_still_exports_french_headers(client, town):
    client.login(town["admin"].email)
    client.post("/language", data={"locale": "en_CA", "next": "/"})
    _record(client, town["org"].id)
    page = client.get(f"/admin/orgs/{town['org'].id}/incidents").get_data(as_text=True)
    assert "Record an incident" in page
    body = client.get(f"/admin/orgs/{town['org'].id}/incidents.csv").get_data().decode("utf-8-sig")
    assert body.startswith("Nº;Date de l’incident (ou début)")


def test_only_the_organisations_admins_reach_the_register(client, make_client, town):
    client.login(town["admin"].email)
    _record(client, town["org"].id)
    incident = db.session.scalar(select(ConfidentialityIncident))
    org_id = town["org"].id
    paths = [
        f"/admin/orgs/{org_id}/incidents",
        f"/admin/orgs/{org_id}/incidents/new",
        f"/admin/orgs/{org_id}/incidents/{incident.id}",
        f"/admin/orgs/{org_id}/incidents.csv",
        f"/admin/orgs/{org_id}/incidents.xlsx",
        f"/admin/orgs/{org_id}/privacy",
    ]
    for who in ("member", "other_admin"):
        other = make_client()
        other.login(town[who].email)
        for path in paths:
            assert other.get(path).status_code == 404, (who, path)
        assert other.post(paths[2], data={**GOOD, "status": "closed"}).status_code == 404
    # An incident of another organisation is not found through one's own.
    other_org = town["other_admin"].memberships[0].organisation_id
    stranger = make_client()
    stranger.login(town["other_admin"].email)
    assert stranger.get(f"/admin/orgs/{other_org}/incidents/{incident.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(ConfidentialityIncident, incident.id).status == "open"
