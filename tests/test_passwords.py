"""Passwords (ASVS V2): at least 12 characters, not among the passwords
most often leaked nor easy to guess (zxcvbn), no composition rules, a clear
French sentence; the demo's password still passes."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale

from tasking.auth.services import RESET_SALT, make_token
from tasking.core.errors import ServiceError
from tasking.core.validation import check_password_strength
from tasking.demo.services import DEMO_PASSWORD
from tasking.extensions import db
from tasking.models import User

MARIE = {"email": "marie.tremblay@ville.qc.ca", "name": "Marie Tremblay"}
LEAKED = "parmi les mots de passe les plus souvent trouvés dans des fuites"
GUESSABLE = "trop facile à deviner"


def refusal(password: str) -> str | None:
    with force_locale("fr_CA"):
        try:
            check_password_strength(password, **MARIE)
        except ServiceError as exc:
            return exc.message.replace("\u00a0", " ")
    return None


@pytest.mark.parametrize(
    ("password", "said"),
    [
        ("Court-2026!", "au moins 12 caractères"),
        ("x" * 129, "au plus 128 caractères"),
        ("password1234", LEAKED),
        ("sunshine1234", LEAKED),
        ("azertyuiop123", LEAKED),
        ("qwertyuiop12", LEAKED),
        ("aaaaaaaaaaaaaaaa", GUESSABLE),
        ("Tremblay2026!", GUESSABLE),  # her own name
        ("motdepasse2026", GUESSABLE),  # French is looked for too
        ("abcdefghijklmnop", GUESSABLE),
    ],
)
def test_weak_and_leaked_passwords_are_refused_with_a_reason(app, password, said):
    message = refusal(password)
    assert message is not None and said in message


@pytest.mark.parametrize(
    "password",
    [
        DEMO_PASSWORD,
        "Correct-Horse-42",
        "la tortue traverse lentement",  # letters and spaces only: no composition rule
        "739218465027",  # digits only
        "x" * 5 + "Kp9#vQ2m!zR7",
        "Un long mot de passe fait de plusieurs mots tout simples et pourtant sûr " * 1,
    ],
)
def test_strong_passwords_pass_whatever_they_are_made_of(app, password):
    assert refusal(password) is None


def test_the_reset_page_says_why_in_french(client, make):
    user = make.user(make.org(), **MARIE)
    with client.application.test_request_context():
        link = "/password/reset/" + make_token(user, RESET_SALT)
    client.fetch_csrf(link)
    response = client.post(link, data={"password": "password1234", "confirm": "password1234"})
    html = response.get_data(as_text=True).replace("\u00a0", " ")
    assert response.status_code == 422 and LEAKED in html
    assert re.search(r"Au moins 12 caractères.*Aucune autre règle", html)
    assert (
        client.post(link, data={"password": "Sept-Iles-2026", "confirm": "Sept-Iles-2026"}).status_code == 303
    )
    db.session.expire_all()
    assert db.session.get(User, user.id).check_password("Sept-Iles-2026")


def test_the_cli_refuses_a_leaked_password(runner, make):
    make.org("ville-a", "Ville A")
    result = runner.invoke(
        args=["users", "create", "x@ville-a.qc.ca", "--name", "X Y", "--password", "iloveyou2026",
              "--org", "ville-a", "--role", "member"]
    )  # fmt: skip
    assert result.exit_code != 0 and "fuites" in result.output
    assert db.session.query(User).count() == 0
