"""Signed, expiring tokens for e-mailed links, timed by the app's clock.

itsdangerous stamps and checks a token's age with the machine's clock; here
it reads ``core.clock.now()`` instead, so a link made at ``--now`` (or under a
test's clock) expires counted from that instant.
"""

from __future__ import annotations

import calendar

from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from tasking.core import clock


class ClockSigner(TimestampSigner):
    """A timestamp signer whose "now" is the app's clock (naive UTC)."""

    def get_timestamp(self) -> int:
        return calendar.timegm(clock.now().timetuple())


def timed_serializer(salt: str) -> URLSafeTimedSerializer:
    """The serializer every expiring link uses, keyed by the app's secret."""
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt, signer=ClockSigner)
