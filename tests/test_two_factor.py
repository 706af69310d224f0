"""Two-factor sign-in: enrolment from the account page, the code after the
password (once each), recovery codes (single use), the sign-in pause, and
an organisation that requires it of its administrators."""

from __future__ import annotations

import re
from datetime import UTC

import pyotp
import pytest
from sqlalchemy import select

from tasking.auth import two_factor
from tasking.auth.services import RESET_SALT, make_token
from tasking.extensions import db
from tasking.models import Organisation, RecoveryCode, User
from tests.conftest import PASSWORD, app_now


def code_at(secret: str, offset_seconds: int = 0) -> str:
    instant = app_now().replace(tzinfo=UTC).timestamp() + offset_seconds
    return pyotp.TOTP(secret).at(int(instant))


def enrol(client) -> tuple[str, list[str]]:
    """Set it up through the pages: (secret, recovery codes)."""
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    done = client.post("/account/two-factor/setup", data={"code": code_at(secret)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.get_data(as_text=True))
    return secret, codes


def password_step(client, email: str):
    client.fetch_csrf("/login")
    return client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": client.csrf})


@pytest.fixture
def people(make):
    org = make.org("ville-a", "Ville A")
    admin = make.user(org, role="admin", email="admin@ville-a.qc.ca", name="Anne Admin")
    member = make.user(org, role="member", email="membre@ville-a.qc.ca", name="Marc Membre")
    return org, admin, member


def test_a_person_sets_it_up_from_the_account_page(client, people, clock):
    member = people[2]
    client.login(member.email)
    assert "Connexion à deux facteurs" in client.get("/account").get_data(as_text=True)
    assert "Désactivée" in client.get("/account/two-factor").get_data(as_text=True)
    page = client.get("/account/two-factor/setup").get_data(as_text=True)
    assert "<svg" in page and "Code QR de la clé secrète" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    wrong = client.post("/account/two-factor/setup", data={"code": "000000"})
    assert wrong.status_code == 422 and "Vérifiez l’heure du téléphone" in wrong.get_data(as_text=True)
    # The secret stays the same until it is confirmed (the QR code was scanned once).
    assert secret in client.get("/account/two-factor/setup").get_data(as_text=True)
    done = client.post("/account/two-factor/setup", data={"code": code_at(secret)})
    html = done.get_data(as_text=True)
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", html)
    assert done.status_code == 200 and len(codes) == 10 and len(set(codes)) == 10
    db.session.expire_all()
    user = db.session.get(User, member.id)
    assert user.has_two_factor and user.totp_secret == secret
    stored = db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    assert "10 codes de récupération inutilisés" in client.get("/account/two-factor").get_data(as_text=True)


def test_sign_in_asks_the_code_after_the_password_and_a_code_works_once(client, make_client, people, clock):
    member = people[2]
    client.login(member.email)
    secret, _codes = enrol(client)
    client.post("/logout")

    first = make_client()
    asked = password_step(first, member.email)
    assert asked.status_code == 303 and asked.headers["Location"] == "/login/code"
    assert first.get("/plans").status_code == 302  # not signed in yet
    page = first.get("/login/code").get_data(as_text=True)
    assert "code à 6 chiffres" in page
    clock.advance(seconds=31)
    code = code_at(secret)
    assert first.post("/login/code", data={"code": "123 456"}).status_code == 422
    signed = first.post("/login/code", data={"code": code})
    # Signed in, to the page a member starts from.
    assert signed.status_code == 303 and signed.headers["Location"] == "/me/tasks"
    assert first.get("/plans").status_code == 200

    # Someone who saw that code (and knows the password) cannot use it again.
    second = make_client()
    password_step(second, member.email)
    replay = second.post("/login/code", data={"code": code})
    assert replay.status_code == 422 and "il a déjà servi" in replay.get_data(as_text=True)
    clock.advance(seconds=30)
    assert second.post("/login/code", data={"code": code_at(secret)}).status_code == 303


def test_a_recovery_code_signs_in_once(client, make_client, people):
    member = people[2]
    client.login(member.email)
    _secret, codes = enrol(client)
    first = make_client()
    password_step(first, member.email)
    assert first.post("/login/code", data={"code": codes[3].upper()}).status_code == 303
    again = make_client()
    password_step(again, member.email)
    assert again.post("/login/code", data={"code": codes[3]}).status_code == 422
    assert again.post("/login/code", data={"code": codes[4].replace("-", "")}).status_code == 303
    assert two_factor.recovery_codes_left(db.session, db.session.get(User, member.id)) == 8
    # New codes replace the old ones.
    fresh = client.post("/account/two-factor/recovery-codes")
    assert fresh.status_code == 200 and "Vos anciens codes de récupération ne fonctionnent plus" in (
        fresh.get_data(as_text=True)
    )
    late = make_client()
    password_step(late, member.email)
    assert late.post("/login/code", data={"code": codes[5]}).status_code == 422


def test_wrong_codes_pause_sign_in_like_wrong_passwords(client, make_client, people, clock):
    member = people[2]
    client.login(member.email)
    secret, _codes = enrol(client)
    guesser = make_client()
    password_step(guesser, member.email)
    statuses = [guesser.post("/login/code", data={"code": f"{n:06d}"}).status_code for n in range(5)]
    assert statuses == [422, 422, 422, 422, 429]
    clock.advance(seconds=30)
    paused = guesser.post("/login/code", data={"code": code_at(secret)})
    assert paused.status_code == 429 and "suspendue" in paused.get_data(as_text=True)


def test_typing_the_password_again_buys_no_more_guesses_at_the_code(client, make_client, people):
    member = people[2]
    client.login(member.email)
    enrol(client)
    guesser = make_client()
    password_step(guesser, member.email)
    assert [guesser.post("/login/code", data={"code": f"{n:06d}"}).status_code for n in range(4)] == [422] * 4
    assert password_step(guesser, member.email).headers["Location"] == "/login/code"
    assert guesser.post("/login/code", data={"code": "999999"}).status_code == 429


def test_the_code_must_follow_the_password_within_five_minutes(client, make_client, people, clock):
    member = people[2]
    client.login(member.email)
    secret, _codes = enrol(client)
    slow = make_client()
    password_step(slow, member.email)
    clock.advance(minutes=6)
    late = slow.post("/login/code", data={"code": code_at(secret)})
    assert late.status_code == 303 and late.headers["Location"] == "/login"
    assert slow.get("/plans").status_code == 302


def test_a_password_reset_still_asks_the_code(client, people):
    member = people[2]
    client.login(member.email)
    enrol(client)
    client.post("/logout")
    db.session.expire_all()
    with client.application.test_request_context():
        link = "/password/reset/" + make_token(db.session.get(User, member.id), RESET_SALT)
    client.fetch_csrf(link)
    done = client.post(link, data={"password": "Une-Autre-Phrase-99", "confirm": "Une-Autre-Phrase-99"})
    assert done.status_code == 303 and done.headers["Location"] == "/login/code"
    assert client.get("/plans").status_code == 302


def test_it_can_be_turned_off_when_not_required(client, make_client, people):
    member = people[2]
    client.login(member.email)
    enrol(client)
    assert client.post("/account/two-factor/disable").status_code == 303
    db.session.expire_all()
    assert not db.session.get(User, member.id).has_two_factor
    assert db.session.scalar(select(RecoveryCode.id)) is None
    other = make_client()
    assert password_step(other, member.email).headers["Location"] == "/me/tasks"


def test_an_organisation_requires_it_of_its_administrators(client, make_client, people):
    org, admin, member = people
    client.login(admin.email)
    settings = client.get(f"/admin/orgs/{org.id}/settings").get_data(as_text=True)
    assert "Connexion à deux facteurs pour les administrateurs" in settings
    saved = client.post(f"/admin/orgs/{org.id}/settings", data={"admins_need_2fa": "1"})
    assert saved.status_code == 303
    db.session.expire_all()
    assert db.session.get(Organisation, org.id).admins_need_2fa

    # At the next sign-in the administrator is sent to set it up, and sees nothing else first.
    admin_client = make_client()
    arrived = password_step(admin_client, admin.email)
    assert arrived.headers["Location"] == "/account/two-factor/setup"
    assert admin_client.get("/plans").headers["Location"] == "/account/two-factor/setup"
    blocked = admin_client.get("/plans", headers={"HX-Request": "true"})
    assert blocked.status_code == 401 and blocked.headers["HX-Redirect"] == "/account/two-factor/setup"
    admin_client.fetch_csrf("/account/two-factor/setup")
    secret, _codes = enrol(admin_client)
    assert admin_client.get("/plans").status_code == 200
    refused = admin_client.post("/account/two-factor/disable")
    assert refused.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, admin.id).has_two_factor
    # A member of the same organisation is not asked.
    member_client = make_client()
    assert password_step(member_client, member.email).headers["Location"] == "/me/tasks"
