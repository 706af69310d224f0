"""Checks shared by forms, the CLI and services."""

from __future__ import annotations

import re

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from zxcvbn import zxcvbn

from tasking.core.errors import ServiceError

# The largest id a database row can have (32-bit integer columns).
MAX_ID = 2**31 - 1
SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
# ASVS V2.1: at least 12 characters, up to 128 (a passphrase fits), and no
# composition rules: what is refused is what is easy to guess.
MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 128
#: zxcvbn's score (0–4) below which a password is refused: under 10^8 guesses.
MIN_PASSWORD_SCORE = 3
#: zxcvbn's dictionaries are English: the French words people reach for first
#: are given as more words to look for (with the person's name and address).
FRENCH_WORDS = (
    "motdepasse",
    "bonjour",
    "soleil",
    "quebec",
    "montreal",
    "retablir",
    "rétablir",
    "azerty",
    "municipalite",
    "ville",
    "printemps",
    "automne",
    "chocolat",
    "amour",
)


def clean_email(value: str) -> str:
    """A normalised, syntactically valid address (no DNS lookup)."""
    try:
        result = validate_email((value or "").strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        raise ServiceError(_("“%(email)s” is not a valid e-mail address.", email=value), "email") from exc
    return result.normalized.lower()


def clean_slug(value: str) -> str:
    slug = (value or "").strip()
    if not SLUG_RE.match(slug):
        raise ServiceError(
            _(
                "“%(slug)s” is not a valid identifier: use lowercase letters, digits and hyphens.",
                slug=value,
            ),
            "slug",
        )
    return slug


def check_password_strength(password: str, *, email: str = "", name: str = "") -> None:
    """Refuse a short password, or one easy to guess, with a sentence that says why.

    Guessability is zxcvbn's estimate (PyPI ``zxcvbn``, MIT): its dictionaries
    hold the 30,000 most common passwords of the leaked sets and common words,
    names and patterns (keyboard rows, dates, repeats, l33t); the person's own
    name and address count as guessable too."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ServiceError(
            _("The password must have at least %(n)d characters.", n=MIN_PASSWORD_LENGTH), "password"
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ServiceError(
            _("The password may have at most %(n)d characters.", n=MAX_PASSWORD_LENGTH), "password"
        )
    personal = [email, email.split("@")[0], name, *name.replace("-", " ").split()]
    # Past zxcvbn's 72 characters the rest can only add strength.
    estimate = zxcvbn(password[:72], user_inputs=[w for w in personal if w] + list(FRENCH_WORDS))
    if estimate["score"] >= MIN_PASSWORD_SCORE:
        return
    if any(m.get("dictionary_name") == "passwords" for m in estimate["sequence"]):
        raise ServiceError(
            _(
                "This password is among the passwords most often found in leaks, or too close to one. "
                "Choose another: a few words that go together only for you make a good one."
            ),
            "password",
        )
    raise ServiceError(
        _(
            "This password is too easy to guess (a common word, a name, a date, a keyboard row "
            "or a repeat). Choose another: a few words that go together only for you make a good one."
        ),
        "password",
    )


def clean_name(value: str, field: str = "name") -> str:
    name = " ".join((value or "").split())
    if not name:
        raise ServiceError(_("A name is required."), field)
    if len(name) > 200:
        raise ServiceError(_("The name is too long (200 characters at most)."), field)
    return name


# A title is read on a card: a sentence, not a page.
MAX_TITLE = 500
MAX_TEXT = 20_000


def clean_title(value: object, field: str = "title", limit: int = MAX_TITLE) -> str:
    """A one-line title, spaces collapsed; refused when empty or too long (never cut)."""
    title = " ".join(str(value or "").split())
    if not title:
        raise ServiceError(_("The title cannot be empty."), field)
    if len(title) > limit:
        raise ServiceError(
            _("The title is too long (%(num)d characters at most).", num=limit),
            field,
        )
    return title


def clean_text(value: object, field: str, limit: int = MAX_TEXT) -> str:
    """A long text (description, comments…); refused when too long (never cut)."""
    text = str(value or "").strip()
    if len(text) > limit:
        raise ServiceError(
            _("This text is too long (%(num)s characters at most).", num=f"{limit:,}".replace(",", "\u00a0")),
            field,
        )
    return text


# Indicators are counts, percentages, dollars: twelve digits is far beyond any
# of them, and keeps every figure printable.
MAX_FIGURE = 1e12


def parse_number(value: object, field: str) -> float | None:
    """A figure typed the Québec way ("1 234,5") or the English way; None when blank."""
    raw = str(value if value is not None else "").strip()
    for space in ("\u00a0", "\u202f", " "):
        raw = raw.replace(space, "")
    raw = raw.replace(",", ".")
    if not raw:
        return None
    try:
        number = float(raw)
    except ValueError as exc:
        raise ServiceError(_("“%(value)s” is not a number.", value=value), field) from exc
    if number != number or number in (float("inf"), float("-inf")):
        raise ServiceError(_("“%(value)s” is not a number.", value=value), field)
    if abs(number) >= MAX_FIGURE:
        raise ServiceError(_("“%(value)s” is too large: at most 12 digits.", value=value), field)
    return number


def parse_id(value: object) -> int | None:
    """An id given in a query string, or None when it cannot be one."""
    text = str(value or "").strip()
    if not text.isdigit() or not 0 < int(text) <= MAX_ID:
        return None
    return int(text)
