"""The signed link of a round's e-mail: one person, one round.

It opens that person's update page without signing in, for their actions
of the round's organisation only. It expires after ``LINK_MAX_AGE`` and, in
any case, stops working when the round closes (checked by the page).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired

from tasking.core.errors import ServiceError
from tasking.core.signing import timed_serializer
from tasking.core.urls import external_url

SALT = "checkin-update"
#: A round lasts a few days; a week and a day covers the longest one.
LINK_MAX_AGE = 8 * 24 * 3600


@dataclass(frozen=True)
class UpdateLink:
    round_id: int
    user_id: int


def update_token(round_id: int, user_id: int) -> str:
    return timed_serializer(SALT).dumps({"r": round_id, "u": user_id})


def update_url(round_id: int, user_id: int) -> str:
    """The absolute link of the update page (the CLI and the scheduler have no request)."""
    return external_url("checkins.by_link", token=update_token(round_id, user_id))


def read_update_token(token: str) -> UpdateLink:
    """Who and which round a genuine, unexpired token is for; ServiceError otherwise."""
    try:
        data = timed_serializer(SALT).loads(token, max_age=LINK_MAX_AGE)
    except SignatureExpired as exc:
        raise ServiceError(_("This link has expired. Sign in to Rétablir to update your actions.")) from exc
    except BadSignature as exc:
        raise ServiceError(_("This link is not valid.")) from exc
    if not isinstance(data, dict) or not isinstance(data.get("r"), int) or not isinstance(data.get("u"), int):
        raise ServiceError(_("This link is not valid."))
    return UpdateLink(data["r"], data["u"])
