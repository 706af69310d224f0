"""Signed, expiring tokens for e-mailed links, timed by the app's clock.

itsdangerous stamps and checks a token's age with the machine's clock; here
it reads ``core.clock.now()`` instead, so a link made at ``--now`` (or under a
test's clock) expires counted from that instant.
"""

from __future__ import annotations

import calendar

from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import base64_encode
from itsdangerous.serializer import Serializer

from tasking.core import clock


class ClockSigner(TimestampSigner):
    """A timestamp signer whose "now" is the app's clock (naive UTC)."""

    def get_timestamp(self) -> int:
        return calendar.timegm(clock.now().timetuple())

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        # The same key for every token this signer makes: derived once.
        if secret_key is not None:
            return super().derive_key(secret_key)
        if getattr(self, "_derived", None) is None:
            self._derived = super().derive_key()
        return self._derived


class UncompressedTimedSerializer(URLSafeTimedSerializer):
    """Tokens without the zlib attempt: a link's payload (a few ids) never
    shrinks, and trying took half the cost of signing (a job signs thousands).
    ``loads`` reads compressed and uncompressed tokens alike. One signer
    serves every token of the serializer's salt."""

    def dump_payload(self, obj) -> bytes:  # noqa: ANN001
        return base64_encode(Serializer.dump_payload(self, obj))

    def make_signer(self, salt: str | bytes | None = None) -> TimestampSigner:
        if salt is not None and salt != self.salt:
            return super().make_signer(salt)
        if getattr(self, "_signer", None) is None:
            self._signer = super().make_signer()
        return self._signer


def timed_serializer(salt: str) -> URLSafeTimedSerializer:
    """The serializer every expiring link uses, keyed by the app's secret."""
    return UncompressedTimedSerializer(current_app.config["SECRET_KEY"], salt=salt, signer=ClockSigner)
