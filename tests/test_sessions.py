"""Sessions (ASVS V3): an idle timeout and an absolute lifetime without
« rester connecté »; 14 days with it, but the password again before a
security-sensitive action; no-store on signed-in answers; HSTS over https.
Every timeout reads the app clock, which the tests move."""

from __future__ import annotations

import pytest

from tasking.extensions import db
from tasking.models import Membership, User
from tests.conftest import PASSWORD, make_app

ENDED_IDLE = "Votre session a pris fin après une période d’inactivité."


def _remembered(client, email):
    client.fetch_csrf("/login")
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "remember": "y", "csrf_token": client.csrf}
    )
    assert response.status_code == 303
    client.fetch_csrf("/plans")
    return response


@pytest.fixture
def person(make):
    org = make.org("ville-a", "Ville A")
    admin = make.user(org, role="admin", email="admin@ville-a.qc.ca", name="Anne Admin")
    member = make.user(org, role="member", email="membre@ville-a.qc.ca", name="Marc Membre")
    return admin, member, org


def test_a_session_ends_after_two_idle_hours(client, person, clock):
    client.login(person[0].email)
    for _ in range(3):  # active every 1 h 59: still signed in after six hours
        clock.advance(minutes=119)
        assert client.get("/plans").status_code == 200
    clock.advance(minutes=121)
    response = client.get("/plans")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert ENDED_IDLE in client.get("/login").get_data(as_text=True).replace("\u00a0", " ")
    # Signed out for good: the next request is not signed in either.
    assert client.get("/plans").status_code == 302


def test_a_polling_tab_does_not_keep_the_session_alive(client, person, clock):
    client.login(person[0].email)
    for _ in range(3):
        clock.advance(minutes=50)
        assert client.get("/notifications/bell").status_code == 200
    assert client.get("/plans").status_code == 302


def test_a_session_ends_twelve_hours_after_sign_in_however_active(client, person, clock):
    client.login(person[0].email)
    for _ in range(7):  # 7 × 1 h 40 = 11 h 40
        clock.advance(minutes=100)
        assert client.get("/plans").status_code == 200
    clock.advance(minutes=30)
    assert client.get("/plans").status_code == 302


def test_the_timeouts_are_settings(_schema, make, monkeypatch, tmp_path):
    from tasking.config import from_environment

    monkeypatch.setenv("SESSION_IDLE_MINUTES", "30")
    monkeypatch.setenv("SESSION_MAX_HOURS", "8")
    config = from_environment(str(tmp_path))
    assert (config["SESSION_IDLE_MINUTES"], config["SESSION_MAX_HOURS"]) == (30, 8)
    assert config["SESSION_REMEMBER_DAYS"] == 14 and config["PERMANENT_SESSION_LIFETIME"] == 14 * 86400
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "deux heures")
    with pytest.raises(ValueError, match="SESSION_IDLE_MINUTES"):
        from_environment(str(tmp_path))


def test_a_shorter_idle_timeout_is_applied(_schema, person):
    app = make_app(_schema, SESSION_IDLE_MINUTES=30)
    clock = app.config["CLOCK"]
    from tests.conftest import Client

    app.test_client_class = Client
    with app.app_context():
        client = app.test_client()
        client.login(person[0].email)
        clock.advance(minutes=31)
        assert client.get("/plans").status_code == 302


def test_keep_me_signed_in_lasts_fourteen_days(client, person, clock):
    response = _remembered(client, person[0].email)
    assert "Expires=" in response.headers["Set-Cookie"]
    clock.advance(days=3)
    assert client.get("/plans").status_code == 200
    clock.advance(days=11, hours=1)
    assert client.get("/plans").status_code == 302


def test_a_session_without_it_is_a_browser_session_cookie(client, person):
    response = client.login(person[0].email)
    assert "Expires=" not in response.headers["Set-Cookie"]


def test_a_kept_session_asks_the_password_again_before_a_token(client, person, clock):
    _remembered(client, person[1].email)
    assert client.post("/account/calendar", data={"action": "create"}).status_code == 303  # just typed
    clock.advance(hours=5)
    asked = client.post("/account/calendar", data={"action": "create"}, headers={"Referer": "/account"})
    assert asked.status_code == 302
    assert asked.headers["Location"] == "/account/confirm?next=/account"
    page = client.get("/account/confirm?next=/account").get_data(as_text=True)
    assert "tapez de nouveau votre mot de passe" in page
    wrong = client.post("/account/confirm?next=/account", data={"password": "pas-le-bon-mot"})
    assert wrong.status_code == 422 and "Ce n’est pas votre mot de passe." in wrong.get_data(as_text=True)
    right = client.post("/account/confirm?next=/account", data={"password": PASSWORD})
    assert right.status_code == 303 and right.headers["Location"] == "/account"
    assert client.post("/account/calendar", data={"action": "create"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(User, person[1].id).calendar_token


def test_htmx_is_sent_to_the_password_page_whole(client, person, clock):
    _remembered(client, person[1].email)
    clock.advance(hours=1)
    asked = client.post("/account/calendar", data={"action": "create"}, headers={"HX-Request": "true"})
    assert asked.status_code == 401 and asked.headers["HX-Redirect"].startswith("/account/confirm")


def test_a_kept_session_asks_the_password_again_before_a_role_change_or_an_export(
    client, person, clock, make
):
    admin, member, org = person
    plan = make.plan(org)
    _remembered(client, admin.email)
    clock.advance(minutes=16)
    role_url = f"/admin/orgs/{org.id}/members/{member.id}/role"
    asked = client.post(role_url, data={"role": "admin"})
    assert asked.status_code == 302 and "/account/confirm" in asked.headers["Location"]
    db.session.expire_all()
    assert db.session.query(Membership).filter_by(user_id=member.id).one().role == "member"
    export = f"/plans/{plan.id}/export.csv"
    asked = client.get(export)
    assert asked.headers["Location"] == f"/account/confirm?next={export}"
    back = client.post(asked.headers["Location"], data={"password": PASSWORD})
    assert back.headers["Location"] == export
    assert client.get(export).status_code == 200
    assert client.post(role_url, data={"role": "admin"}).status_code == 303
    db.session.expire_all()
    assert db.session.query(Membership).filter_by(user_id=member.id).one().role == "admin"


def test_a_short_session_needs_no_password_again(client, person, clock):
    client.login(person[1].email)
    clock.advance(minutes=90)
    assert client.post("/account/calendar", data={"action": "create"}).status_code == 303


def test_signed_in_pages_and_fragments_are_not_stored(client, person):
    assert "no-store" not in client.get("/login").headers.get("Cache-Control", "")
    client.login(person[0].email)
    for path, headers in (("/plans", {}), ("/account", {}), ("/notifications", {"HX-Request": "true"})):
        response = client.get(path, headers=headers)
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store", path
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_hsts_only_over_https(client, _schema):
    assert "Strict-Transport-Security" not in client.get("/login").headers
    secure = client.get("/login", base_url="https://retablir.test")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # Behind the proxy: trusted only when told how many proxies stand in front.
    forwarded = {"X-Forwarded-Proto": "https"}
    assert "Strict-Transport-Security" not in client.get("/login", headers=forwarded).headers
    proxied = make_app(_schema, TRUSTED_PROXIES=1)
    with proxied.app_context():
        response = proxied.test_client().get("/login", headers=forwarded)
        assert "Strict-Transport-Security" in response.headers


def test_changing_the_password_needs_the_current_one_and_ends_other_sessions(client, make_client, person):
    member = person[1]
    client.login(member.email)
    other = make_client()
    other.login(member.email)
    page = client.get("/account").get_data(as_text=True)
    assert 'href="/account/password"' in page
    new = {"password": "Une-Autre-Phrase-99", "confirm": "Une-Autre-Phrase-99"}
    wrong = client.post("/account/password", data={"current": "pas-le-bon-mot", **new})
    assert wrong.status_code == 422
    done = client.post("/account/password", data={"current": PASSWORD, **new})
    assert done.status_code == 303
    assert client.get("/plans").status_code == 200  # this session goes on
    assert other.get("/plans").status_code == 302  # the other one is signed out
    db.session.expire_all()
    assert db.session.get(User, member.id).check_password("Une-Autre-Phrase-99")


def test_a_session_started_before_these_rules_must_sign_in_again(client, person):
    client.login(person[0].email)
    with client.session_transaction() as cookie:
        del cookie["auth_at"]
    assert client.get("/plans").status_code == 302


def test_wrong_passwords_on_the_confirmation_page_count_towards_the_pause(client, person, clock):
    _remembered(client, person[0].email)
    clock.advance(hours=1)
    statuses = [client.post("/account/confirm", data={"password": f"faux-{n}"}).status_code for n in range(6)]
    assert statuses == [422, 422, 422, 422, 422, 422]
    refused = client.post("/account/confirm", data={"password": PASSWORD})
    assert refused.status_code == 422 and "est suspendue" in refused.get_data(as_text=True)
    clock.advance(minutes=16)  # the pause is over; the session is kept 14 days
    assert client.post("/account/confirm", data={"password": PASSWORD}).status_code == 303


def test_a_kept_session_asks_the_password_again_before_an_api_token(client, person, clock):
    _remembered(client, person[1].email)
    assert client.get("/account/tokens").status_code == 200  # just typed
    clock.advance(hours=5)
    asked = client.get("/account/tokens")
    assert asked.status_code == 302
    assert asked.headers["Location"] == "/account/confirm?next=/account/tokens"
    data = {"name": "Rapport", "scope": "read", "expires_on": "2027-02-01", "csrf_token": client.csrf}
    refused = client.post("/account/tokens", data=data, headers={"Referer": "/account/tokens"})
    assert refused.status_code == 302
    assert (
        client.post("/account/confirm?next=/account/tokens", data={"password": PASSWORD}).status_code == 303
    )
    assert client.post("/account/tokens", data=data).status_code == 201


def test_a_new_secret_key_signs_out_unless_the_old_one_is_a_fallback(app, client, person):
    # The session cookie's serializer is built once per set of keys: a change of keys is seen.
    client.login(person[0].email)
    assert client.get("/plans").status_code == 200
    old = app.secret_key
    app.secret_key = old + "-renouvelée"
    assert client.get("/plans").status_code == 302
    client.login(person[0].email)
    app.config["SECRET_KEY_FALLBACKS"] = ["clé-ancienne"]
    app.secret_key = "clé-nouvelle"
    assert client.get("/plans").status_code == 302
    client.login(person[0].email)
    app.config["SECRET_KEY_FALLBACKS"] = ["clé-nouvelle"]
    app.secret_key = "clé-suivante"
    assert client.get("/plans").status_code == 200
