"""Sign-in, sign-out, sessions, password reset and invitations."""

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from tasking.auth.services import SignInPaused, authenticate
from tasking.extensions import db
from tasking.models import OutboxMessage, SignInFailure, User
from tests.conftest import PASSWORD, make_app


def test_login_page_is_in_french_with_a_csrf_token(client):
    response = client.get("/login")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<html lang="fr-CA">' in page
    assert "Connexion à Rétablir" in page
    assert "Mot de passe oublié?" in page
    assert 'name="csrf_token"' in page


def test_sign_in_and_out(client, make):
    org = make.org()
    user = make.user(org, email="ami@ville.qc.ca")
    response = client.login(user.email)
    assert response.headers["Location"] == "/me/tasks"  # a member starts from their tasks
    assert client.get("/plans").status_code == 200
    assert client.post("/logout").status_code == 303
    response = client.get("/plans")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_wrong_password_is_refused_with_a_message(client, make):
    user = make.user(make.org(), email="ami@ville.qc.ca")
    client.fetch_csrf()
    response = client.post(
        "/login", data={"email": user.email, "password": "pas-le-bon", "csrf_token": client.csrf}
    )
    assert response.status_code == 422
    assert "Adresse courriel ou mot de passe erroné" in response.get_data(as_text=True)
    assert client.get("/plans").status_code == 302


def test_post_without_csrf_token_is_refused(client, make):
    user = make.user(make.org(), email="ami@ville.qc.ca")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD}, with_csrf=False)
    assert response.status_code == 400
    assert "formulaire a expiré" in response.get_data(as_text=True)


def test_email_is_case_insensitive(client, make):
    make.user(make.org(), email="ami@ville.qc.ca")
    client.login("AMI@Ville.QC.ca")
    assert client.get("/plans").status_code == 200


def test_deactivated_user_cannot_sign_in_and_is_signed_out(client, make_client, make):
    org = make.org()
    admin = make.user(org, role="admin", email="admin@ville.qc.ca")
    other = make.user(org, email="autre@ville.qc.ca")
    other_client = make_client()
    other_client.login(other.email)

    client.login(admin.email)
    response = client.post(f"/admin/orgs/{org.id}/members/{other.id}/active", data={"active": "0"})
    assert response.status_code == 303

    assert other_client.get("/plans").status_code == 302  # the open session ended
    third = make_client()
    third.fetch_csrf()
    refused = third.post(
        "/login", data={"email": other.email, "password": PASSWORD, "csrf_token": third.csrf}
    )
    assert refused.status_code == 422


def test_session_survives_a_server_restart(app, client, make, _schema):
    user = make.user(make.org(), email="ami@ville.qc.ca")
    client.login(user.email)
    cookie = client.get_cookie("session")
    assert cookie is not None

    restarted = make_app(_schema)  # a new process would build the app again, same key
    with restarted.app_context():
        fresh = restarted.test_client()
        fresh.set_cookie("session", cookie.value)
        assert fresh.get("/plans").status_code == 200


def test_generated_secret_key_is_kept_in_instance(tmp_path, monkeypatch):
    from tasking.config import secret_key

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = secret_key(str(tmp_path))
    assert len(first) == 64
    assert secret_key(str(tmp_path)) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_login_redirect_keeps_the_query_string_only_when_there_is_one(client):
    assert client.get("/plans").headers["Location"] == "/login?next=/plans"
    assert client.get("/plans?x=1").headers["Location"] == "/login?next=/plans?x%3D1"


def test_htmx_request_when_signed_out_gets_401_and_a_redirect_header(client):
    response = client.get("/plans", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")


def test_next_parameter_cannot_leave_the_site(client, make):
    user = make.user(make.org(), email="ami@ville.qc.ca")
    client.fetch_csrf()
    response = client.post(
        "/login?next=//evil.example/x",
        data={"email": user.email, "password": PASSWORD, "csrf_token": client.csrf},
    )
    assert response.headers["Location"] == "/me/tasks"


def _reset_link(user_id):
    row = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.user_id == user_id, OutboxMessage.kind == "password_reset")
    )
    assert row is not None
    return row, re.search(r"http://retablir.test(/password/reset/\S+)", row.body_text).group(1)


def test_password_reset_by_emailed_single_use_link(client, make):
    user = make.user(make.org(), email="ami@ville.qc.ca", name="Ami Fidèle")
    client.fetch_csrf("/password/forgot")
    response = client.post("/password/forgot", data={"email": user.email})
    assert response.status_code == 303
    row, link = _reset_link(user.id)
    assert row.subject == "Rétablir\u00a0: choisir un nouveau mot de passe"
    assert "Bonjour Ami Fidèle" in row.body_text
    assert link in row.body_html

    page = client.get(link)
    assert page.status_code == 200
    assert "ami@ville.qc.ca" in page.get_data(as_text=True)

    weak = client.post(link, data={"password": "abc", "confirm": "abc"})
    assert weak.status_code == 422
    assert "au moins 12" in weak.get_data(as_text=True)

    assert db.session.get(User, user.id).last_login_at is None
    done = client.post(link, data={"password": "Nouveau-Depart-9", "confirm": "Nouveau-Depart-9"})
    assert done.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("Nouveau-Depart-9")
    assert db.session.get(User, user.id).last_login_at is not None  # the link signed them in

    again = client.get(link)
    assert again.status_code == 400
    assert "déjà servi" in again.get_data(as_text=True)


def test_reset_link_expires(app, client, make):
    user = make.user(make.org(), email="ami@ville.qc.ca")
    client.fetch_csrf("/password/forgot")
    client.post("/password/forgot", data={"email": user.email})
    _row, link = _reset_link(user.id)
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    response = client.get(link)
    assert response.status_code == 400
    assert "expiré" in response.get_data(as_text=True)


def test_reset_for_unknown_address_says_the_same_and_sends_nothing(client):
    client.fetch_csrf("/password/forgot")
    response = client.post(
        "/password/forgot", data={"email": "personne@nulle-part.ca"}, follow_redirects=True
    )
    page = response.get_data(as_text=True)
    # No mail server here: the page does not claim the link left.
    assert (
        "Si un compte utilise cette adresse, un lien pour choisir un nouveau mot de passe attend dans la "
        "file d’envoi\u00a0: aucun serveur de courriel n’est configuré." in page
    )
    assert "vient d’être envoyé" not in page
    assert db.session.scalar(select(OutboxMessage.id)) is None


def test_reset_email_is_delivered_over_smtp(mail_app, smtp_server, make):
    user = make.user(make.org(), email="ami@ville.qc.ca")
    client = mail_app.test_client()
    client.fetch_csrf("/password/forgot")
    page = client.post("/password/forgot", data={"email": user.email}, follow_redirects=True)
    assert "un lien pour choisir un nouveau mot de passe vient d’être envoyé" in page.get_data(as_text=True)
    assert len(smtp_server.messages) == 1
    message = smtp_server.messages[0]
    assert message["To"] == "ami@ville.qc.ca"
    assert message["Subject"] == "Rétablir\u00a0: choisir un nouveau mot de passe"
    row = db.session.scalar(select(OutboxMessage))
    assert message["Message-ID"] == row.message_id
    assert row.status == "sent"
    assert message.get_body(("plain",)).get_content().count("/password/reset/") == 1
    assert message.get_body(("html",)) is not None


def _try_password(client, email: str, password: str):
    client.fetch_csrf()
    return client.post("/login", data={"email": email, "password": password, "csrf_token": client.csrf})


def test_five_wrong_passwords_pause_the_account_until_a_reset(client, make):
    user = make.user(make.org(), email="ami@ville.qc.ca")
    for _ in range(4):
        assert _try_password(client, user.email, "pas-le-bon").status_code == 422
    fifth = _try_password(client, user.email, "pas-le-bon")
    assert fifth.status_code == 429
    assert fifth.headers["Retry-After"] == "900"
    assert "connexion avec cette adresse est suspendue pendant 15 minutes" in fifth.get_data(as_text=True)
    # Now even the right password is refused, and nobody is signed in.
    locked = _try_password(client, user.email.upper(), PASSWORD)
    assert locked.status_code == 429
    assert client.get("/plans").status_code == 302

    # The e-mailed reset link proves the mailbox and lifts the pause.
    client.fetch_csrf("/password/forgot")
    client.post("/password/forgot", data={"email": user.email})
    _row, link = _reset_link(user.id)
    client.post(link, data={"password": "Nouveau-Depart-9", "confirm": "Nouveau-Depart-9"})
    client.post("/logout")
    assert _try_password(client, user.email, "Nouveau-Depart-9").status_code == 303


def test_an_address_without_an_account_is_answered_the_same(client, make):
    """Else five guesses would tell which addresses have an account."""
    make.user(make.org(), email="ami@ville.qc.ca")
    answers = {}
    for address in ("ami@ville.qc.ca", "personne@nulle-part.ca"):
        statuses = [_try_password(client, address, "pas-le-bon").status_code for _ in range(5)]
        last = _try_password(client, address, "pas-le-bon")
        page = last.get_data(as_text=True).replace(address, "ADDRESS")
        # CSRF tokens carry the second they were signed in: not part of the answer.
        page = re.sub(r'"X-CSRFToken": "[^"]+"', "", re.sub(r'name="csrf_token"[^>]*>', "", page))
        answers[address] = (statuses, last.status_code, page)
    assert answers["ami@ville.qc.ca"] == answers["personne@nulle-part.ca"]
    assert answers["ami@ville.qc.ca"][:2] == ([422, 422, 422, 422, 429], 429)


def test_the_pause_ends_by_itself_and_a_success_clears_the_count(app, make):
    user = make.user(make.org(), email="ami@ville.qc.ca")
    now = datetime(2026, 11, 25, 14, 0)
    rules = {"max_failures": 3, "lock": timedelta(minutes=15)}

    def failures() -> int | None:
        row = db.session.get(SignInFailure, "ami@ville.qc.ca")
        return row.failures if row else None

    assert authenticate(db.session, user.email, "non", now, **rules) is None
    assert authenticate(db.session, user.email, "non", now, **rules) is None
    assert failures() == 2
    assert authenticate(db.session, user.email, PASSWORD, now, **rules) == user
    assert failures() is None  # a success starts the count again
    for _ in range(2):
        assert authenticate(db.session, user.email, "non", now, **rules) is None
    with pytest.raises(SignInPaused):
        authenticate(db.session, user.email, "non", now, **rules)
    db.session.commit()
    with pytest.raises(SignInPaused, match="14 minutes"):
        authenticate(db.session, user.email, PASSWORD, now + timedelta(minutes=1), **rules)
    later = now + timedelta(minutes=15)
    assert authenticate(db.session, user.email, PASSWORD, later, **rules) == user
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, user.id).last_login_at == later
    assert db.session.query(SignInFailure).count() == 0


def test_reset_links_are_sent_at_most_every_ten_minutes_per_address(app, make):
    from tasking.auth.services import request_password_reset

    user = make.user(make.org(), email="ami@ville.qc.ca")
    now = datetime(2026, 11, 25, 14, 0)
    with app.test_request_context():  # the e-mail builds its link with url_for
        assert request_password_reset(db.session, user.email, now) is not None
        db.session.commit()
        for minutes in (1, 5, 9):
            assert request_password_reset(db.session, user.email, now + timedelta(minutes=minutes)) is None
        assert request_password_reset(db.session, user.email, now + timedelta(minutes=11)) is not None
        db.session.commit()
    assert db.session.query(OutboxMessage).filter_by(kind="password_reset").count() == 2


def test_signing_out_ends_every_copy_of_the_session(client, make_client, make):
    user = make.user(make.org(), email="ami@ville.qc.ca")
    page = client.get("/login").get_data(as_text=True)
    assert re.search(r'<input id="remember" name="remember" type="checkbox" value="y">', page)  # off
    client.login(user.email)
    copy = make_client()
    cookie = client.get_cookie("session")
    copy.set_cookie("session", cookie.value)
    assert copy.get("/plans").status_code == 200  # a copied cookie works…
    client.post("/logout")
    assert copy.get("/plans").status_code == 302  # …until its owner signs out


def test_cookies_are_secure_when_the_site_is_served_over_https(monkeypatch, tmp_path):
    from tasking.config import from_environment

    monkeypatch.setenv("APP_BASE_URL", "https://retablir.ville.qc.ca")
    config = from_environment(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] and config["REMEMBER_COOKIE_SECURE"]
    monkeypatch.setenv("APP_BASE_URL", "http://127.0.0.1:5000")
    assert not from_environment(str(tmp_path))["SESSION_COOKIE_SECURE"]


def test_a_nul_character_or_an_oversized_body_is_refused_in_french(client, make):
    user = make.user(make.org(), email="ami@ville.qc.ca")
    client.fetch_csrf()
    response = client.post("/login", data={"email": "ami\x00@ville.qc.ca", "password": "x"})
    assert response.status_code == 400
    assert "La requête contient un caractère invalide." in response.get_data(as_text=True)
    client.login(user.email)
    assert client.get("/plans?q=%00").status_code == 400
    big = client.post("/login", data={"email": "x" * (7 * 1024 * 1024)})
    assert big.status_code == 413 and "trop volumineux" in big.get_data(as_text=True)


def test_guesses_sent_all_at_once_are_checked_five_at_most(app, make):
    import threading

    from sqlalchemy.orm import Session

    email = make.user(make.org(), email="ami@ville.qc.ca").email
    now = datetime(2026, 11, 25, 14, 0)
    results, lock = [], threading.Lock()
    start = threading.Barrier(12)

    def guess() -> None:
        # Each guess in its own connection and transaction, as parallel requests.
        with app.app_context(), Session(db.engine) as session:
            start.wait()
            try:
                outcome = authenticate(session, email, "non", now, max_failures=5, lock=timedelta(minutes=15))
            except SignInPaused:
                outcome = "paused"
            session.commit()
            with lock:
                results.append(outcome)

    threads = [threading.Thread(target=guess) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # Four wrong answers, then the fifth attempt pauses the address; the
    # seven others are refused without their password being looked at.
    assert sorted(map(str, results)) == ["None"] * 4 + ["paused"] * 8
