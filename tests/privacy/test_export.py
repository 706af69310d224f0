"""Law 25, access and portability: a person downloads what the app holds
about them (a zip of JSON and CSV), an administrator produces it for a
member of their organisation; nobody else; never a secret inside."""

from __future__ import annotations

import csv
import io
import json
import zipfile

from sqlalchemy import select

from tasking.extensions import db
from tasking.models import ApiToken, Membership, User
from tasking.models.security import SecurityEvent
from tasking.privacy.export import personal_data
from tests import factories
from tests.conftest import PASSWORD, app_now
from tests.privacy.conftest import sign_in


def _read(response) -> tuple[dict, dict[str, list[dict]], bytes]:
    """The JSON document, each CSV as rows, and every file's bytes together."""
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    everything = b"".join(archive.read(name) for name in archive.namelist())
    document = json.loads(archive.read("donnees.json").decode("utf-8"))
    tables = {}
    for name in archive.namelist():
        if name.endswith(".csv"):
            raw = archive.read(name)
            assert raw.startswith(b"\xef\xbb\xbf"), f"{name} has no byte order mark"
            tables[name[:-4]] = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    return document, tables, everything


def test_a_person_downloads_their_data_and_only_theirs(client, world, clock):
    sign_in(client, world.alice.email, totp=world.totp_secret)
    page = client.get("/account/data").get_data(as_text=True)
    assert "Mes données" in page and "/account/data.zip" in page
    response = client.get("/account/data.zip")
    day = app_now().date().isoformat()
    assert (
        f'filename="donnees-personnelles-alice-tremblay-{day}.zip"' in response.headers["Content-Disposition"]
    )
    assert "no-store" in response.headers["Cache-Control"]
    document, tables, everything = _read(response)
    assert document["schema_version"] == 1 and document["scope"] == "all"
    assert document["subject"]["email"] == "alice.tremblay@ville-a.qc.ca"
    account = document["sections"]["account"][0]
    assert account["name"] == "Alice Tremblay" and account["two_factor_enabled"] is True
    assert account["language"] == "fr_CA"
    tasks = {(row["title"], row["relation"]) for row in tables["tasks"]}
    assert tasks == {("Appeler les aînés", "owner"), ("Distribuer les repas", "collaborator")}
    assert [row["body"] for row in tables["comments"]] == ["Commentaire d'Alice sur les appels"]
    assert [row["note"] for row in tables["checkin_answers"]] == ["Réponse d'Alice"]
    assert [row["organisation"] for row in tables["memberships"]] == ["Ville A"]
    assert [row["subject"] for row in tables["emails"]] == ["Une action pour Alice Tremblay"]
    assert [row["name"] for row in tables["api_tokens"]] == ["Rapport Power BI"]
    assert len(tables["notifications"]) == 1
    signed_in = [row for row in tables["security_log"] if row["kind"] == "sign_in"]
    assert len(signed_in) == 1 and signed_in[0]["role"] == "actor"
    assert json.loads(signed_in[0]["detail"])["method"] == "password"
    assert set(document["sections"]) == set(tables)
    logged = db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == "export")).one()
    assert logged.subject_user_id == world.alice.id and logged.detail["what"] == "personal_data"
    for other in ("Commentaire de Bruno", "Réponse de Bruno", "Inventaire des génératrices", "Bonjour Bruno"):
        assert other.encode() not in everything
    token = db.session.query(ApiToken).one()
    alice = db.session.get(User, world.alice.id)
    for secret in (
        world.token_secret,
        token.secret_hash,
        token.prefix,
        alice.password_hash,
        world.totp_secret,
        alice.calendar_token,
        "jeton-secret-du-lien",
    ):
        assert secret.encode() not in everything


def test_an_admin_produces_the_export_of_a_member(client, world):
    client.login(world.admin_a.email)
    members = client.get(f"/admin/orgs/{world.org_a.id}/members").get_data(as_text=True)
    page_url = f"/admin/orgs/{world.org_a.id}/members/{world.alice.id}/data"
    assert page_url in members
    page = client.get(page_url).get_data(as_text=True)
    assert "Données de Alice Tremblay" in page
    document, tables, _everything = _read(client.get(page_url + ".zip"))
    assert document["subject"]["name"] == "Alice Tremblay"
    assert document["produced_by"]["name"] == "Anne Admin"
    assert document["scope"] == {"organisation_ids": [world.org_a.id]}
    assert [row["body"] for row in tables["comments"]] == ["Commentaire d'Alice sur les appels"]
    # The account's own settings and tokens are the person's to ask for.
    assert "api_tokens" not in tables and "notification_preferences" not in tables


def test_another_organisations_admin_or_a_member_gets_nothing(make_client, world):
    for person, org in (
        (world.admin_b, world.org_a),
        (world.admin_b, world.org_b),
        (world.bruno, world.org_a),
    ):
        client = make_client()
        client.login(person.email)
        for suffix in ("", ".zip"):
            url = f"/admin/orgs/{org.id}/members/{world.alice.id}/data{suffix}"
            assert client.get(url).status_code == 404, (person.email, url)


def test_an_admin_export_holds_only_the_organisations_data(world, make):
    """Alice also helps Ville B: Ville A's administrator hands over Ville A's data only."""
    db.session.add(
        Membership(
            user_id=world.alice.id, organisation_id=world.org_b.id, role="member", created_at=app_now()
        )
    )
    plan_b = make.plan_with(world.org_b)
    task_b = factories.add_task(
        db.session, factories.objectives_of(plan_b)[0], "Action de Ville B", owner=world.alice
    )
    factories.comment(db.session, task_b, world.alice, "Commentaire à Ville B")
    db.session.commit()
    alice, admin = db.session.get(User, world.alice.id), db.session.get(User, world.admin_a.id)
    scoped = personal_data(db.session, admin, alice, app_now(), organisation_id=world.org_a.id)
    bodies = [row["body"] for row in scoped["sections"]["comments"]]
    assert bodies == ["Commentaire d'Alice sur les appels"]
    assert [row["organisation"] for row in scoped["sections"]["memberships"]] == ["Ville A"]
    own = personal_data(db.session, alice, alice, app_now())
    assert [row["body"] for row in own["sections"]["comments"]] == [
        "Commentaire d'Alice sur les appels",
        "Commentaire à Ville B",
    ]
    assert "Action de Ville B" in {row["title"] for row in own["sections"]["tasks"]}


def test_the_downloads_ask_the_password_again_in_a_kept_session(make_client, world, clock):
    for person, totp, url in (
        (world.alice, world.totp_secret, "/account/data.zip"),
        (world.admin_a, None, f"/admin/orgs/{world.org_a.id}/members/{world.alice.id}/data.zip"),
    ):
        client = make_client()
        sign_in(client, person.email, totp=totp, remember=True)
        clock.advance(minutes=16)
        asked = client.get(url)
        assert asked.status_code == 302
        assert asked.headers["Location"] == f"/account/confirm?next={url}"
        back = client.post(asked.headers["Location"], data={"password": PASSWORD})
        assert back.headers["Location"] == url
        _read(client.get(url))
