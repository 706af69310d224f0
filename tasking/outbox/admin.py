"""What an organisation's admins see of the outbox: its messages, with the
recipients' personal links cut out."""

from __future__ import annotations

import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.models import Membership, OutboxMessage

# A regional digest speaks of every municipality of the region: not for the
# eyes of one municipality's admins.
BEYOND_ONE_ORGANISATION = ("regional_digest",)
# Signed links that act as their recipient (one-click task actions, password
# reset, invitation, unsubscribe): an admin reading the outbox must not get them.
PERSONAL_LINK_RE = re.compile(r"(/(?:m|unsubscribe|password/reset|invitation|checkins/u)/)[A-Za-z0-9._~-]+")


def without_personal_links(text: str) -> str:
    """The message as an admin may read it: personal links cut after their path."""
    return PERSONAL_LINK_RE.sub(r"\1…", text or "")


def outbox_rows(
    session: Session, organisation_id: int, status: str | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[OutboxMessage], int]:
    """Outbox messages of an organisation (by the row's organisation, or the
    recipient's membership), newest first; (rows, total)."""
    members = select(Membership.user_id).where(Membership.organisation_id == organisation_id)
    # A message tied to no organisation (a digest, a password reset) may speak
    # of another one the person belongs to: shown only for people of this one alone.
    elsewhere = select(Membership.user_id).where(Membership.organisation_id != organisation_id)
    scope = (OutboxMessage.organisation_id == organisation_id) | (
        OutboxMessage.organisation_id.is_(None)
        & OutboxMessage.user_id.in_(members)
        & OutboxMessage.user_id.not_in(elsewhere)
        & OutboxMessage.kind.not_in(BEYOND_ONE_ORGANISATION)
    )
    query = select(OutboxMessage).where(scope)
    count = select(func.count(OutboxMessage.id)).where(scope)
    if status:
        query = query.where(OutboxMessage.status == status)
        count = count.where(OutboxMessage.status == status)
    page = max(int(page or 1), 1)
    rows = session.scalars(
        query.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    return list(rows), session.scalar(count)


def outbox_row(session: Session, organisation_id: int, message_id: int) -> OutboxMessage | None:
    """One message, if it belongs to the organisation's scope."""
    row = session.get(OutboxMessage, message_id)
    if row is None:
        return None
    if row.organisation_id == organisation_id:
        return row
    if row.organisation_id is None and row.user_id is not None and row.kind not in BEYOND_ONE_ORGANISATION:
        # As in outbox_rows: for a person of this organisation alone.
        memberships = set(
            session.scalars(select(Membership.organisation_id).where(Membership.user_id == row.user_id))
        )
        if memberships == {organisation_id}:
            return row
    return None
