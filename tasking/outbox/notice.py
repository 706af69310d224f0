"""What a page says after queueing an e-mail: « sent » only when a mail server
is set (``MAIL_SERVER``); otherwise that the message waits in the outbox, with
the way to the outbox page for the admins who may open it."""

from __future__ import annotations

from flask import current_app, flash, url_for
from flask_babel import gettext as _
from markupsafe import Markup


def flash_mail_notice(sent: str, waiting: str, *, outbox_of: int | None = None) -> None:
    """Flash ``sent``, or ``waiting`` when no mail server is set; ``outbox_of``
    names the organisation whose outbox the reader administers (a link then)."""
    if current_app.config.get("MAIL_SERVER"):
        flash(sent, "success")
        return
    if outbox_of is None:
        flash(waiting, "info")
        return
    link = url_for("outbox.outbox", org_id=outbox_of)
    flash(Markup('{} <a href="{}">{}</a>').format(waiting, link, _("Open the outbox")), "info")
