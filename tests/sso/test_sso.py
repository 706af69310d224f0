"""Single sign-on against a real OpenID Connect provider on loopback
(tests/sso/provider.py): the app discovers it, sends the browser to it,
exchanges the code over HTTP and checks the ID token against its JWKS."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import pyotp
import pytest
from sqlalchemy import select

from tasking.auth.two_factor import enable
from tasking.extensions import db
from tasking.models import OrgSso, SecurityEvent, User
from tests.conftest import app_now
from tests.sso.conftest import CLIENT_ID, provider_answer, sso_sign_in
from tests.sso.provider import Account

NBSP = "\u00a0"
MEMBER = "membre@ville-a.qc.ca"


def _login_page(client) -> str:
    return client.get("/login").get_data(as_text=True)


def _signed_in_as(client) -> str | None:
    page = client.get("/account")
    if page.status_code != 200:
        return None
    match = re.search(r"[\w.+-]+@[\w.-]+", page.get_data(as_text=True))
    return match.group(0) if match else None


def test_sign_in_page_offers_the_organisations_provider(client, town):
    page = _login_page(client)
    assert "Se connecter avec Microsoft 365 — Ville A" in page
    assert 'href="/login/with/ville-a"' in page


def test_a_member_signs_in_through_the_provider(client, town, clock):
    answer = sso_sign_in(client)
    assert answer.status_code == 303
    assert "/login" not in answer.headers["Location"]
    # The provider's address differs in case from the stored one.
    assert _signed_in_as(client) == "membre@ville-a.qc.ca"
    db.session.expire_all()
    assert db.session.get(User, town.member.id).last_login_at == app_now()
    logged = db.session.scalars(select(SecurityEvent)).one()
    assert (logged.kind, logged.actor_user_id, logged.detail["method"]) == ("sign_in", town.member.id, "sso")
    # The session of a password sign-in: no « rester connecté », idle timeout.
    with client.session_transaction() as session:
        assert session["remember"] is False
        assert "sso_pending" not in session
    clock.advance(hours=2, minutes=1)
    assert client.get("/account").status_code == 302


def test_next_link_is_followed_after_the_provider(client, town):
    answer = sso_sign_in(client, query="?next=/notifications")
    assert answer.headers["Location"] == "/notifications"


def test_a_next_link_leaving_the_site_is_ignored(client, town):
    answer = sso_sign_in(client, query="?next=//evil.example/")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/me/tasks"


def test_the_authorization_request_carries_state_nonce_and_pkce(client, town, provider):
    start = client.get("/login/with/ville-a")
    query = dict(parse_qsl(urlsplit(start.headers["Location"]).query))
    assert query["client_id"] == CLIENT_ID
    assert query["redirect_uri"] == "http://retablir.test/login/sso/callback"
    assert query["code_challenge_method"] == "S256"
    assert {"state", "nonce", "code_challenge"} <= set(query)
    assert set(query["scope"].split()) == {"openid", "email", "profile"}


@pytest.mark.parametrize(
    ("account", "message"),
    [
        (Account("sub-x", "inconnu@ville-a.qc.ca"), "Aucun membre de cette organisation n’utilise l’adresse"),
        (Account("sub-y", None), "Le fournisseur n’a pas transmis votre adresse courriel"),
        (
            Account("sub-z", "membre@ville-a.qc.ca", email_verified=False),
            "Selon le fournisseur, votre adresse courriel membre@ville-a.qc.ca n’est pas vérifiée",
        ),
    ],
)
def test_unknown_or_unusable_accounts_are_refused(client, town, provider, account, message):
    provider.account = account
    answer = sso_sign_in(client)
    assert answer.status_code == 303 and answer.headers["Location"] == "/login"
    assert message in _login_page(client)
    assert _signed_in_as(client) is None


def test_a_deactivated_member_is_refused(client, town):
    town.member.active = False
    db.session.commit()
    sso_sign_in(client)
    assert "Le compte membre@ville-a.qc.ca est désactivé dans Rétablir" in _login_page(client)
    assert _signed_in_as(client) is None
    refused = db.session.scalars(select(SecurityEvent)).one()
    assert (refused.kind, refused.subject_user_id, refused.organisation_id) == (
        "sign_in_failed",
        town.member.id,
        town.org.id,
    )
    assert refused.detail["reason"] == "sso_refused" and "désactivé" in refused.detail["message"]


def test_the_provider_cannot_vouch_for_a_person_of_another_organisation(client, town, make, provider):
    other = make.org("ville-b", "Ville B")
    make.user(other, role="admin", email="admin@ville-b.qc.ca")
    provider.account = Account("sub-b", "admin@ville-b.qc.ca")
    sso_sign_in(client)
    assert "Aucun membre de cette organisation n’utilise l’adresse admin@ville-b.qc.ca" in _login_page(client)
    assert _signed_in_as(client) is None


def _with_query(path: str, **changes: str) -> str:
    parts = urlsplit(path)
    query = dict(parse_qsl(parts.query))
    query.update(changes)
    return f"{parts.path}?{urlencode(query)}"


def test_a_wrong_state_is_refused(client, town):
    back = provider_answer(client)
    answer = client.get(_with_query(back, state="forged"))
    assert answer.headers["Location"] == "/login"
    assert "La réponse du fournisseur ne correspond pas à cette connexion" in _login_page(client)
    assert _signed_in_as(client) is None
    # The sign-in under way is spent: the genuine answer no longer works either.
    client.get(back)
    assert "Cette connexion a expiré ou n’a pas été commencée dans ce navigateur" in _login_page(client)
    assert _signed_in_as(client) is None


def test_an_answer_from_another_browser_is_refused(client, make_client, town):
    back = provider_answer(client)
    stranger = make_client()
    stranger.get(back)
    assert "n’a pas été commencée dans ce navigateur" in _login_page(stranger)
    assert _signed_in_as(stranger) is None


def test_a_late_answer_is_refused(client, town, clock):
    back = provider_answer(client)
    clock.advance(minutes=11)
    client.get(back)
    assert "Cette connexion a expiré" in _login_page(client)
    assert _signed_in_as(client) is None


@pytest.mark.parametrize(
    "misbehaviour",
    [
        {"audience": "another-application"},
        {"shift": timedelta(hours=-1)},
        {"shift": timedelta(hours=1)},
        {"foreign_key": True},
        {"altered": True},
    ],
    ids=["wrong-audience", "expired", "issued-in-the-future", "foreign-signature", "altered"],
)
def test_an_id_token_that_does_not_verify_is_refused(client, town, provider, misbehaviour):
    for name, value in misbehaviour.items():
        setattr(provider.misbehave, name, value)
    answer = sso_sign_in(client)
    assert answer.status_code == 303 and answer.headers["Location"] == "/login"
    assert "La connexion n’a pas pu être vérifiée" in _login_page(client)
    assert _signed_in_as(client) is None


def test_a_token_for_another_issuer_is_refused(client, town):
    config = db.session.get(OrgSso, town.org.id)
    config.issuer = config.issuer.replace("127.0.0.1", "localhost")
    db.session.commit()
    sso_sign_in(client)
    assert "La connexion n’a pas pu être vérifiée" in _login_page(client)
    assert _signed_in_as(client) is None


def test_the_provider_refusing_is_said(client, town):
    back = provider_answer(client)
    parts = urlsplit(back)
    state = dict(parse_qsl(parts.query))["state"]
    query = urlencode(
        {"error": "access_denied", "error_description": "L'utilisateur a refusé", "state": state}
    )
    client.get(f"{parts.path}?{query}")
    assert f"Le fournisseur ne vous a pas connecté{NBSP}: L&#39;utilisateur a refusé" in _login_page(client)


def test_a_code_is_exchanged_once(client, make_client, town):
    back = provider_answer(client)
    with client.session_transaction() as session:
        pending = dict(session["sso_pending"])
    assert client.get(back).status_code == 303
    assert _signed_in_as(client) == "membre@ville-a.qc.ca"
    # The same answer replayed with the same pending sign-in: the provider refuses the spent code.
    thief = make_client()
    with thief.session_transaction() as session:
        session["sso_pending"] = pending
    thief.get(back)
    assert "Le fournisseur a refusé de terminer la connexion (invalid_grant)" in _login_page(thief)
    assert _signed_in_as(thief) is None


def test_provider_down_is_said_without_a_server_error(client, town, provider):
    provider.stop()
    answer = client.get("/login/with/ville-a")
    assert answer.status_code == 303 and answer.headers["Location"] == "/login"
    assert "Le fournisseur de connexion de votre organisation ne répond pas" in _login_page(client)


def test_provider_down_before_the_answer_comes_back(client, town, provider):
    back = provider_answer(client)
    provider.stop()
    answer = client.get(back)
    assert answer.status_code == 303
    assert "Le fournisseur de connexion de votre organisation ne répond pas" in _login_page(client)
    assert _signed_in_as(client) is None


def test_unknown_organisation_is_not_found(client, town):
    assert client.get("/login/with/ville-z").status_code == 404


def test_password_sign_in_off_refuses_the_password_but_not_the_provider(client, make_client, town):
    db.session.get(OrgSso, town.org.id).password_allowed = False
    db.session.commit()
    client.fetch_csrf()
    refused = client.post(
        "/login",
        data={"email": "membre@ville-a.qc.ca", "password": "Correct-Horse-42", "csrf_token": client.csrf},
    )
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Votre organisation se connecte avec son propre fournisseur de comptes" in page
    assert _signed_in_as(client) is None
    # A wrong password is still only a wrong password (nothing told).
    wrong = client.post(
        "/login", data={"email": "membre@ville-a.qc.ca", "password": "pas-le-bon", "csrf_token": client.csrf}
    )
    assert "propre fournisseur" not in wrong.get_data(as_text=True)
    assert sso_sign_in(make_client()).status_code == 303


def test_password_sign_in_off_refuses_the_reset_link(client, town):
    from tasking.auth.services import RESET_SALT, make_token

    db.session.get(OrgSso, town.org.id).password_allowed = False
    db.session.commit()
    token = make_token(town.member, RESET_SALT)
    page = client.get(f"/password/reset/{token}")
    assert page.status_code == 403
    text = page.get_data(as_text=True)
    assert "propre fournisseur de comptes" in text
    assert 'href="/login">Aller à la page de connexion</a>' in text


def test_a_member_with_two_factors_gives_the_code_after_the_provider(client, town, clock):
    secret = pyotp.random_base32()
    code = pyotp.TOTP(secret).at(_stamp(app_now()))
    enable(db.session, user=town.member, secret=secret, code=code, now=app_now())
    db.session.commit()
    clock.advance(seconds=30)
    answer = sso_sign_in(client)
    assert answer.headers["Location"] == "/login/code"
    assert _signed_in_as(client) is None
    client.fetch_csrf("/login/code")
    done = client.post(
        "/login/code", data={"code": pyotp.TOTP(secret).at(_stamp(app_now())), "csrf_token": client.csrf}
    )
    assert done.status_code == 303
    assert _signed_in_as(client) == "membre@ville-a.qc.ca"


def _stamp(instant: datetime) -> int:
    return int(instant.replace(tzinfo=UTC).timestamp())


def test_an_admin_required_to_use_two_factors_is_sent_to_set_it_up(client, town, provider):
    town.org.admins_need_2fa = True
    db.session.commit()
    provider.account = Account("sub-alice", "admin@ville-a.qc.ca")
    answer = sso_sign_in(client)
    assert answer.headers["Location"] == "/account/two-factor/setup"
    # No password is asked first: the session is a fresh, short one.
    setup = client.get("/account/two-factor/setup")
    assert setup.status_code == 200
    assert "qr-code" in setup.get_data(as_text=True)


def test_sso_success_lifts_a_password_pause(client, make_client, town):
    client.fetch_csrf()
    for _n in range(5):
        client.post(
            "/login", data={"email": "membre@ville-a.qc.ca", "password": "faux", "csrf_token": client.csrf}
        )
    paused = client.post(
        "/login",
        data={"email": "membre@ville-a.qc.ca", "password": "Correct-Horse-42", "csrf_token": client.csrf},
    )
    assert paused.status_code == 429
    browser = make_client()
    assert sso_sign_in(browser).status_code == 303
    assert _signed_in_as(browser) == "membre@ville-a.qc.ca"
    client.login("membre@ville-a.qc.ca")


def test_nothing_of_the_flow_is_a_server_error_on_junk(client, town):
    for path in (
        "/login/sso/callback",
        "/login/sso/callback?state=x&code=y",
        "/login/sso/callback?error=x",
    ):
        answer = client.get(path)
        assert answer.status_code == 303 and answer.headers["Location"] == "/login"
