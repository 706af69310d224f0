"""Security keys (WebAuthn) beside the authenticator app: added by a person
whose two-factor sign-in is on, listed, removed with the password again, and
used at sign-in's second step. The ceremonies are answered by a software key
with real P-256 signatures (tests/soft_key.py); every bad answer is refused
with a sentence and changes nothing."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC

import pyotp
import pytest
from flask import current_app
from sqlalchemy import select

from tasking.auth.security_keys import relying_party
from tasking.extensions import db
from tasking.models import SecurityEvent, SecurityKey, User
from tasking.privacy import retention
from tests.conftest import PASSWORD, app_now
from tests.soft_key import SoftKey


@pytest.fixture
def people(make):
    org = make.org("ville-a", "Ville A")
    admin = make.user(org, role="admin", email="admin@ville-a.qc.ca", name="Anne Admin")
    member = make.user(org, role="member", email="membre@ville-a.qc.ca", name="Marc Membre")
    other = make.user(org, role="member", email="autre@ville-a.qc.ca", name="Odile Autre")
    for user in (member, other):
        user.totp_secret, user.totp_enabled_at = pyotp.random_base32(), app_now()
    db.session.commit()
    return org, admin, member, other


def options(client, url: str = "/account/two-factor/keys/options") -> dict:
    response = client.post(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.headers["Cache-Control"] == "no-store"
    return response.get_json()


def add(client, key: SoftKey, name: str = "Clé bleue", **answer):
    credential = key.create(options(client), **answer)
    return client.post("/account/two-factor/keys", data={"name": name, "credential": credential})


def keys_of(user: User) -> list[SecurityKey]:
    db.session.expire_all()
    return list(db.session.scalars(select(SecurityKey).where(SecurityKey.user_id == user.id)))


def events(kind: str) -> list[SecurityEvent]:
    return list(db.session.scalars(select(SecurityEvent).where(SecurityEvent.kind == kind)))


def password_step(client, email: str):
    client.fetch_csrf("/login")
    response = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": client.csrf})
    assert response.headers["Location"].endswith("/login/code")
    client.fetch_csrf("/login/code")
    return response


def sign_in(client, user: User, remember: bool = False) -> None:
    """Password, then the app's code (of a new 30-second step: a code is good once)."""
    client.fetch_csrf("/login")
    data = {"email": user.email, "password": PASSWORD, "csrf_token": client.csrf}
    if remember:
        data["remember"] = "y"
    assert client.post("/login", data=data).headers["Location"].endswith("/login/code")
    current_app.config["CLOCK"].advance(seconds=30)
    client.fetch_csrf("/login/code")
    assert client.post("/login/code", data={"code": _app_code(user)}).status_code == 303
    client.fetch_csrf("/account")


def test_relying_party_is_the_base_address():
    assert relying_party("https://retablir.ville.qc.ca/").id == "retablir.ville.qc.ca"
    assert relying_party("https://Retablir.ville.qc.ca:443").origin == "https://retablir.ville.qc.ca"
    assert relying_party("http://localhost:5123").origin == "http://localhost:5123"


def test_a_person_adds_lists_and_removes_a_key(client, people):
    member = people[2]
    sign_in(client, member)
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "Clés de sécurité" in page and "Aucune clé de sécurité" in page
    created = options(client)
    assert created["rp"] == {"id": "retablir.test", "name": "Rétablir"}
    assert created["attestation"] == "none" and created["excludeCredentials"] == []

    key = SoftKey()
    added = add(client, key, "Clé bleue")
    assert added.status_code == 303
    [row] = keys_of(member)
    assert (row.credential_id, row.name, row.sign_count, row.transports) == (key.id, "Clé bleue", 0, "usb")
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "La clé de sécurité «\u00a0Clé bleue\u00a0» est ajoutée." in page and "jamais" in page
    # A browser is told which keys the account has: the same key is not offered twice.
    assert [c["id"] for c in options(client)["excludeCredentials"]] == [key.id]
    [event] = events("security_key_added")
    assert (event.subject_user_id, event.detail["name"]) == (member.id, "Clé bleue")

    removed = client.post(f"/account/two-factor/keys/{row.id}/remove")
    assert removed.status_code == 303 and keys_of(member) == []
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "La clé de sécurité «\u00a0Clé bleue\u00a0» est retirée." in page
    assert len(events("security_key_removed")) == 1


def test_keys_come_beside_the_app_only(client, people):
    admin = people[1]
    client.login(admin.email)
    assert "Clés de sécurité" not in client.get("/account/two-factor").get_data(as_text=True)
    refused = client.post("/account/two-factor/keys/options")
    assert refused.status_code == 409
    assert "Activez d’abord l’application d’authentification" in refused.get_json()["error"]
    answer = SoftKey().create({"challenge": "AAAA", "rp": {"id": "retablir.test"}})
    posted = client.post("/account/two-factor/keys", data={"name": "Clé", "credential": answer})
    assert posted.status_code == 400 and keys_of(admin) == []


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("origin", "La clé de sécurité a répondu pour une autre adresse"),
        ("rp_id", "La clé de sécurité a répondu pour une autre adresse"),
        ("garbage", "La réponse de la clé de sécurité est illisible"),
        ("tampered", "La clé de sécurité est refusée"),
    ],
)
def test_a_bad_new_key_is_refused(client, people, case, expected):
    member = people[2]
    sign_in(client, member)
    key = SoftKey()
    if case == "origin":
        answer = key.create(options(client), origin="https://evil.example")
    elif case == "rp_id":
        answer = key.create(options(client), rp_id="evil.example")
    elif case == "garbage":
        options(client)
        answer = "{not json"
    else:
        parsed = json.loads(key.create(options(client)))
        parsed["response"]["attestationObject"] = parsed["response"]["attestationObject"][:40]
        answer = json.dumps(parsed)
    refused = client.post("/account/two-factor/keys", data={"name": "Clé", "credential": answer})
    assert refused.status_code == 400
    assert expected in refused.get_data(as_text=True)
    assert keys_of(member) == [] and events("security_key_added") == []


def test_a_replayed_or_duplicate_registration_is_refused(client, people):
    member, other = people[2], people[3]
    sign_in(client, member)
    key = SoftKey()
    answer = key.create(options(client))
    assert (
        client.post("/account/two-factor/keys", data={"name": "A", "credential": answer}).status_code == 303
    )
    # The same answer again: its challenge was used.
    again = client.post("/account/two-factor/keys", data={"name": "B", "credential": answer})
    assert again.status_code == 400 and "a expiré" in again.get_data(as_text=True)
    # The same key with a fresh challenge, here or on another account: already registered.
    twice = add(client, key, "C")
    assert twice.status_code == 400 and "déjà enregistrée" in twice.get_data(as_text=True)
    client.post("/logout")
    sign_in(client, other)
    foreign = add(client, key, "D")
    assert foreign.status_code == 400 and "déjà enregistrée" in foreign.get_data(as_text=True)
    assert [k.name for k in keys_of(member)] == ["A"] and keys_of(other) == []


def test_a_key_needs_a_name(client, people):
    member = people[2]
    sign_in(client, member)
    refused = add(client, SoftKey(), "  ")
    assert refused.status_code == 422 and keys_of(member) == []
    too_long = add(client, SoftKey(), "x" * 81)
    assert too_long.status_code == 422 and keys_of(member) == []


def test_removing_asks_the_password_again_in_a_kept_session(client, people, clock):
    member, other = people[2], people[3]
    # In a session kept with « rester connecté ».
    sign_in(client, member, remember=True)
    assert add(client, SoftKey()).status_code == 303
    [row] = keys_of(member)
    clock.advance(minutes=20)
    # The browser's script follows where the options request is sent: the password page.
    again = client.post(
        "/account/two-factor/keys/options", headers={"Referer": "http://localhost/account/two-factor"}
    )
    assert again.status_code == 302 and "/account/confirm" in again.headers["Location"]
    asked = client.post(f"/account/two-factor/keys/{row.id}/remove")
    assert asked.status_code == 302 and "/account/confirm" in asked.headers["Location"]
    assert len(keys_of(member)) == 1
    client.post("/account/confirm", data={"password": PASSWORD})
    # Another person's key is not found; one's own goes.
    theirs = SecurityKey(
        user_id=other.id, credential_id="b3RoZXI", public_key=b"x", name="autre", created_at=app_now()
    )
    db.session.add(theirs)
    db.session.commit()
    assert client.post(f"/account/two-factor/keys/{theirs.id}/remove").status_code == 404
    assert client.post(f"/account/two-factor/keys/{row.id}/remove").status_code == 303
    assert keys_of(member) == [] and len(keys_of(other)) == 1


def _app_code(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).at(int(app_now().replace(tzinfo=UTC).timestamp()))


def enrolled(client, user: User) -> SoftKey:
    sign_in(client, user)
    key = SoftKey()
    assert add(client, key).status_code == 303
    client.post("/logout")
    return key


def test_signing_in_with_a_key(client, people, clock):
    member = people[2]
    key = enrolled(client, member)
    password_step(client, member.email)
    page = client.get("/login/code").get_data(as_text=True)
    assert "Utiliser ma clé de sécurité" in page and 'name="code"' in page
    asked = options(client, "/login/key/options")
    assert [c["id"] for c in asked["allowCredentials"]] == [key.id] and asked["rpId"] == "retablir.test"
    clock.advance(minutes=1)
    done = client.post("/login/key", data={"credential": key.get(asked)})
    assert done.status_code == 303 and "/login" not in done.headers["Location"]
    assert client.get("/account").status_code == 200
    [row] = keys_of(member)
    assert row.sign_count == 1 and row.last_used_at == app_now()
    sign_in = events("sign_in")[-1]
    assert sign_in.detail["second_factor"] == "security_key"


def test_without_keys_the_code_page_offers_none(client, people):
    member = people[2]
    password_step(client, member.email)
    assert "Utiliser ma clé de sécurité" not in client.get("/login/code").get_data(as_text=True)
    refused = client.post("/login/key/options")
    assert (
        refused.status_code == 409 and "Ce compte n’a pas de clé de sécurité" in refused.get_json()["error"]
    )


@pytest.mark.parametrize("case", ["replayed", "counter", "origin", "foreign", "signature", "no_challenge"])
def test_a_bad_key_answer_at_sign_in_is_refused(client, people, case):
    member, other = people[2], people[3]
    key = enrolled(client, member)
    other_key = enrolled(client, other)
    password_step(client, member.email)
    asked = options(client, "/login/key/options")
    answer = key.get(asked)
    if case == "replayed":
        assert client.post("/login/key", data={"credential": answer}).status_code == 303
        client.post("/logout")
        password_step(client, member.email)
        options(client, "/login/key/options")
    elif case == "counter":
        key.sign_count = 0
        first = client.post("/login/key", data={"credential": answer})
        assert first.status_code == 303
        client.post("/logout")
        password_step(client, member.email)
        answer = key.get(options(client, "/login/key/options"))  # the counter says 1 again
    elif case == "origin":
        answer = key.get(asked, origin="http://evil.example")
    elif case == "foreign":
        answer = other_key.get(asked)
    elif case == "signature":
        parsed = json.loads(answer)
        parsed["response"]["signature"] = json.loads(key.get(asked))["response"]["signature"]
        answer = json.dumps(parsed)
    else:
        # A first, unreadable answer uses the challenge up.
        assert client.post("/login/key", data={"credential": "{}"}).status_code == 400
    before = keys_of(member)[0].sign_count
    refused = client.post("/login/key", data={"credential": answer})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Utiliser ma clé de sécurité" in text and 'class="error webauthn-error" role="alert">' in text
    message = {
        "replayed": "a expiré",
        "counter": "sa signature ou son compteur",
        "origin": "pour une autre adresse",
        "foreign": "pas une des clés de ce compte",
        "signature": "sa signature ou son compteur",
        "no_challenge": "a expiré",
    }[case]
    assert message in text
    assert keys_of(member)[0].sign_count == before
    assert client.get("/account").status_code == 302
    failed = events("sign_in_failed")[-1]
    assert (failed.subject_user_id, failed.detail["reason"]) == (member.id, "wrong_key")
    # The app's code still signs in.
    assert client.post("/login/code", data={"code": _app_code(member)}).status_code == 303


def test_wrong_keys_count_towards_the_pause(client, people, app):
    member = people[2]
    key = enrolled(client, member)
    password_step(client, member.email)
    statuses = []
    for _n in range(app.config["LOGIN_MAX_FAILURES"]):
        asked = options(client, "/login/key/options")
        statuses.append(
            client.post("/login/key", data={"credential": key.get(asked, origin="http://x")}).status_code
        )
    assert statuses[-1] == 429 and set(statuses[:-1]) == {400}
    asked = options(client, "/login/key/options")
    paused = client.post("/login/key", data={"credential": key.get(asked)})
    assert paused.status_code == 429 and client.get("/account").status_code == 302


def test_sign_in_options_need_the_password_first(client, people):
    refused = client.post("/login/key/options", headers={"X-CSRFToken": client.fetch_csrf()})
    assert refused.status_code == 401 and refused.get_json()["redirect"] == "/login"
    assert client.post("/login/key", data={"credential": "{}"}).status_code == 303


def test_turning_two_factor_off_removes_the_keys(client, people):
    member = people[2]
    sign_in(client, member)
    assert add(client, SoftKey()).status_code == 303
    assert client.post("/account/two-factor/disable").status_code == 303
    assert keys_of(member) == []


def test_the_security_log_names_the_key(client, people):
    admin, member = people[1], people[2]
    key = enrolled(client, member)
    password_step(client, member.email)
    client.post("/login/key", data={"credential": key.get(options(client, "/login/key/options"))})
    client.post("/logout")
    client.login(admin.email)
    page = client.get(f"/admin/orgs/{people[0].id}/security-log").get_data(as_text=True)
    assert "Clé de sécurité ajoutée" in page and "clé «\u00a0Clé bleue\u00a0»" in page
    assert "clé de sécurité" in page


def test_a_challenge_is_good_for_five_minutes(client, people, clock):
    member = people[2]
    sign_in(client, member)
    answer = SoftKey().create(options(client))
    clock.advance(minutes=5, seconds=1)
    late = client.post("/account/two-factor/keys", data={"name": "Clé", "credential": answer})
    assert late.status_code == 400 and "a expiré" in late.get_data(as_text=True)
    assert keys_of(member) == []


def test_the_personal_data_export_lists_keys_without_secrets(client, people):
    member = people[2]
    key = enrolled(client, member)
    sign_in(client, member)
    response = client.get("/account/data.zip")
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    document = json.loads(archive.read("donnees.json").decode("utf-8"))
    [row] = document["sections"]["security_keys"]
    assert row["name"] == "Clé bleue" and row["transports"] == "usb"
    everything = b"".join(archive.read(name) for name in archive.namelist())
    assert key.id.encode() not in everything


def test_pseudonymisation_removes_the_keys(client, people):
    org, member = people[0], people[2]
    enrolled(client, member)
    member.active = False
    db.session.commit()
    retention.pseudonymise(db.session, retention.Due(member, app_now(), org.id, 30), app_now())
    db.session.commit()
    assert keys_of(member) == []
