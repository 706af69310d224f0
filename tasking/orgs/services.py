"""Creating and managing regions, organisations and users.

Functions flush but never commit: the caller (route, CLI) commits once.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.core.errors import ServiceError
from tasking.core.validation import (
    check_password_strength,
    clean_email,
    clean_name,
    clean_slug,
)
from tasking.models import AccountDeactivation, Membership, Organisation, Region, Role, User

ROLES = tuple(role.value for role in Role)


def region_by_slug(session: Session, slug: str) -> Region:
    region = session.scalar(select(Region).where(Region.slug == (slug or "").strip()))
    if region is None:
        raise ServiceError(_("Unknown region “%(slug)s”.", slug=slug), "region")
    return region


def org_by_slug(session: Session, slug: str) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.slug == (slug or "").strip()))
    if org is None:
        raise ServiceError(_("Unknown organisation “%(slug)s”.", slug=slug), "org")
    return org


def create_region(session: Session, slug: str, name: str, *, now: datetime) -> Region:
    slug = clean_slug(slug)
    name = clean_name(name)
    if session.scalar(select(Region.id).where(Region.slug == slug)):
        raise ServiceError(_("A region “%(slug)s” already exists.", slug=slug), "slug")
    region = Region(slug=slug, name=name, created_at=now)
    session.add(region)
    session.flush()
    return region


def create_organisation(
    session: Session, slug: str, name: str, region_slug: str | None = None, *, now: datetime
) -> Organisation:
    slug = clean_slug(slug)
    name = clean_name(name)
    region = region_by_slug(session, region_slug) if region_slug else None
    if session.scalar(select(Organisation.id).where(Organisation.slug == slug)):
        raise ServiceError(_("An organisation “%(slug)s” already exists.", slug=slug), "slug")
    org = Organisation(slug=slug, name=name, region=region, created_at=now)
    session.add(org)
    session.flush()
    return org


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(func.lower(User.email) == (email or "").strip().lower()))


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str | None,
    org: Organisation,
    role: str,
    now: datetime,
    regional_region: Region | None = None,
    locale: str = "fr_CA",
) -> User:
    """A new account with its role in ``org``. ``password`` None means the
    person sets it from an invitation link."""
    email = clean_email(email)
    name = clean_name(name)
    if role not in ROLES:
        raise ServiceError(_("Unknown role “%(role)s”: choose admin, member or viewer.", role=role), "role")
    if user_by_email(session, email):
        raise ServiceError(_("A user with the address %(email)s already exists.", email=email), "email")
    user = User(
        email=email,
        name=name,
        locale=locale,
        regional_region=regional_region,
        session_epoch=0,
        created_at=now,
    )
    if password is not None:
        check_password_strength(password, email=email, name=name)
        user.set_password(password)
    session.add(user)
    session.add(Membership(user=user, organisation=org, role=role, created_at=now))
    session.flush()
    return user


def set_role(session: Session, *, actor: User, user: User, org: Organisation, role: str) -> str:
    """Give ``user`` the ``role`` in ``org``; returns the role they had."""
    if role not in ROLES:
        raise ServiceError(_("Unknown role “%(role)s”.", role=role), "role")
    membership = session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == org.id)
    )
    if membership is None:
        raise ServiceError(_("This person is not a member of the organisation."))
    if user.id == actor.id and role != Role.ADMIN.value:
        raise ServiceError(_("You cannot remove your own administrator role."), "role")
    before, membership.role = membership.role, role
    return before


def set_active(session: Session, *, actor: User, user: User, active: bool, now: datetime) -> None:
    """Deactivate or reactivate the account. The day of a deactivation is
    kept (``now``): an organisation's retention period runs from it."""
    if user.id == actor.id and not active:
        raise ServiceError(_("You cannot deactivate your own account."))
    # The account is the person's everywhere: one organisation's admin must
    # not lock them out of another organisation or of the region.
    elsewhere = len(user.memberships) > 1 or user.regional_region_id is not None
    if not active and elsewhere:
        raise ServiceError(
            _(
                "%(name)s also works with another organisation or the region: the account stays "
                "active. Make them a viewer here to take their rights away.",
                name=user.name,
            )
        )
    if user.active != active:
        user.active = active
        # Ends the sessions the person has open elsewhere.
        user.session_epoch += 1
        _remember_deactivation(session, user, active, now)


def _remember_deactivation(session: Session, user: User, active: bool, now: datetime) -> None:
    record = session.get(AccountDeactivation, user.id)
    if active and record is not None:
        session.delete(record)
    elif not active:
        if record is None:
            session.add(AccountDeactivation(user_id=user.id, deactivated_at=now))
        else:
            record.deactivated_at = now


def org_members(session: Session, org_id: int) -> list[tuple[User, str]]:
    rows = session.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == org_id)
        .order_by(User.name)
    )
    return [(user, role) for user, role in rows]


def touch_login(user: User, now: datetime) -> None:
    user.last_login_at = now
