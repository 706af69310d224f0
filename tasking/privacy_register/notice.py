"""An organisation's privacy notice: its versions, the person responsible
for the protection of personal information, and who acknowledged which
version, when.

An organisation that has written no notice shows the app's default text as
version 0; every text it publishes is the next version, and people see the
notice again until they acknowledge it. Functions flush, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from tasking.core.errors import ServiceError
from tasking.core.markdown import render_markdown
from tasking.core.validation import clean_text
from tasking.models import (
    Membership,
    Organisation,
    PrivacyAcknowledgement,
    PrivacyNotice,
    PrivacyOfficer,
    User,
)

#: The app's default notice, by language (``{org}``: the organisation's name);
#: kept as Markdown files, one paragraph a line (line breaks are kept).
DEFAULT_NOTICE = {
    language: (Path(__file__).parent / f"default_notice.{language}.md").read_text(encoding="utf-8").strip()
    for language in ("fr", "en")
}
MAX_NOTICE = 50_000


@dataclass(frozen=True)
class Notice:
    """The current notice of an organisation, as people read it."""

    organisation: Organisation
    version: int
    body: str
    published_at: datetime | None
    officer: PrivacyOfficer | None

    @property
    def is_default(self) -> bool:
        return self.version == 0

    @property
    def html(self) -> Markup:
        return render_markdown(self.body)


def default_text(org_name: str, language: str) -> str:
    """The app's default notice for an organisation, in ``language`` (fr or en)."""
    template = DEFAULT_NOTICE["en" if language.startswith("en") else "fr"]
    return template.replace("{org}", org_name)


def latest_version(session: Session, organisation_id: int) -> PrivacyNotice | None:
    return session.scalar(
        select(PrivacyNotice)
        .where(PrivacyNotice.organisation_id == organisation_id)
        .order_by(PrivacyNotice.version.desc())
        .limit(1)
    )


def current_notice(session: Session, organisation: Organisation, language: str) -> Notice:
    """The organisation's notice as it stands (the default text when it wrote none)."""
    latest = latest_version(session, organisation.id)
    officer = session.get(PrivacyOfficer, organisation.id)
    if latest is None:
        return Notice(organisation, 0, default_text(organisation.name, language), None, officer)
    return Notice(organisation, latest.version, latest.body, latest.published_at, officer)


def publish(
    session: Session, *, organisation_id: int, actor: User, body: str, now: datetime
) -> PrivacyNotice | None:
    """The text as the next version, unless it is the current one already
    (None then). Whoever publishes it has read it: their acknowledgement is kept."""
    text = clean_text(body, "body", MAX_NOTICE)
    if not text:
        raise ServiceError(_("Write the notice's text."), "body")
    latest = latest_version(session, organisation_id)
    if latest is not None and latest.body == text:
        return None
    notice = PrivacyNotice(
        organisation_id=organisation_id,
        version=(latest.version if latest else 0) + 1,
        body=text,
        published_at=now,
        published_by_id=actor.id,
    )
    session.add(notice)
    session.flush()
    acknowledge_current(session, user=actor, organisation_ids=[organisation_id], now=now)
    return notice


def set_officer(
    session: Session, *, organisation_id: int, actor: User, name: str, title: str, contact: str, now: datetime
) -> PrivacyOfficer:
    """The person responsible for the protection of personal information, as the notice names them."""
    officer = session.get(PrivacyOfficer, organisation_id) or PrivacyOfficer(organisation_id=organisation_id)
    cleaned = {
        "name": clean_text(" ".join((name or "").split()), "officer_name", 200),
        "title": clean_text(" ".join((title or "").split()), "officer_title", 200),
        "contact": clean_text(contact, "officer_contact", 500),
    }
    if any(cleaned.values()) and not cleaned["name"]:
        raise ServiceError(_("Give the name of the person responsible."), "officer_name")
    if officer.updated_at is not None and all(getattr(officer, k) == v for k, v in cleaned.items()):
        return officer
    for key, value in cleaned.items():
        setattr(officer, key, value)
    officer.updated_at, officer.updated_by_id = now, actor.id
    session.add(officer)
    session.flush()
    return officer


def _current_version():
    """The current version of the outer query's organisation (0: the default text)."""
    return (
        select(func.coalesce(func.max(PrivacyNotice.version), 0))
        .where(PrivacyNotice.organisation_id == Organisation.id)
        # The outer query's organisation, even from inside an EXISTS.
        .correlate_except(PrivacyNotice)
        .scalar_subquery()
    )


def _applies():
    """Whether an organisation's notice applies to its members: always, but a
    region's office (its coordinators and the owners of its meetings'
    follow-ups, who joined it through their municipality) only once it has
    published a notice of its own; until then its people read their
    municipality's."""
    published = exists().where(PrivacyNotice.organisation_id == Organisation.id)
    return Organisation.staff_of_region_id.is_(None) | published


def organisations_of(session: Session, user: User) -> list[int]:
    """The organisations whose notice applies to the person (see ``_applies``)."""
    return list(
        session.scalars(
            select(Membership.organisation_id)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == user.id, _applies())
            .order_by(Membership.organisation_id)
        )
    )


def pending(session: Session, user: User) -> dict[int, int]:
    """organisation id → current version, for each notice of the person's
    organisations they have not acknowledged (empty: nothing to show). One
    statement: the gate asks it on every signed-in page."""
    current = _current_version()
    acknowledged = exists().where(
        PrivacyAcknowledgement.user_id == user.id,
        PrivacyAcknowledgement.organisation_id == Organisation.id,
        PrivacyAcknowledgement.version == current,
    )
    rows = session.execute(
        select(Organisation.id, current)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(Membership.user_id == user.id, _applies(), ~acknowledged)
    )
    return dict(rows.all())


def acknowledge(session: Session, *, user: User, seen: dict[int, int], now: datetime) -> dict[int, int]:
    """Record that the person read these versions (organisation id → version)
    where they are still the current ones; returns what is still pending
    (a version published while the person was reading)."""
    waiting = pending(session, user)
    for organisation_id, version in seen.items():
        if waiting.get(organisation_id) == version:
            session.add(
                PrivacyAcknowledgement(
                    user_id=user.id, organisation_id=organisation_id, version=version, acknowledged_at=now
                )
            )
            del waiting[organisation_id]
    session.flush()
    return waiting


def acknowledge_current(session: Session, *, user: User, organisation_ids: list[int], now: datetime) -> None:
    """The person has read the current notice of each of these organisations
    (whoever publishes a version; the people of the demo, weeks into their use
    of the app). Reads no cached roles: callers name the organisations."""
    versions = session.execute(
        select(Organisation.id, _current_version()).where(Organisation.id.in_(organisation_ids))
    )
    for organisation_id, version in versions:
        done = session.scalar(
            select(PrivacyAcknowledgement.id).where(
                PrivacyAcknowledgement.user_id == user.id,
                PrivacyAcknowledgement.organisation_id == organisation_id,
                PrivacyAcknowledgement.version == version,
            )
        )
        if done is None:
            session.add(
                PrivacyAcknowledgement(
                    user_id=user.id, organisation_id=organisation_id, version=version, acknowledged_at=now
                )
            )
    session.flush()


def acknowledge_memberships(session: Session, user: User, now: datetime) -> None:
    """``acknowledge_current`` for every organisation the person is a member of."""
    acknowledge_current(session, user=user, organisation_ids=organisations_of(session, user), now=now)


@dataclass(frozen=True)
class Reader:
    """A member of the organisation and their acknowledgement of the current version."""

    user: User
    acknowledged_at: datetime | None


def readers(session: Session, organisation_id: int, version: int) -> list[Reader]:
    """The organisation's active members, each with when they acknowledged ``version``."""
    rows = session.execute(
        select(User, PrivacyAcknowledgement.acknowledged_at)
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(
            PrivacyAcknowledgement,
            (PrivacyAcknowledgement.user_id == User.id)
            & (PrivacyAcknowledgement.organisation_id == organisation_id)
            & (PrivacyAcknowledgement.version == version),
        )
        .where(Membership.organisation_id == organisation_id, User.active.is_(True))
        .order_by(User.name)
    )
    return [Reader(user, at) for user, at in rows]
