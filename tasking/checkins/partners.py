"""Partners without accounts in the weekly check-in.

A partner contact (an e-mail given on a task's named partner) gets the
round's e-mail for the open actions it partners on in that organisation,
one e-mail per address and round, with a signed link of its own kind. Its
page takes a health opinion and a note on those actions only: never a status,
an owner or a date. Its answers are kept as the partner's opinion (a
``CheckinAnswer`` with ``partner_contact_id``) and written in the task's
history as « <partner> (partenaire) ». A revoked contact's links stop at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tasking.checkins.answers import HEALTHS, MAX_NOTE, AnswerInput, AnswersRefused, NotYourAction
from tasking.checkins.links import LINK_MAX_AGE
from tasking.checkins.rounds import late_first
from tasking.checkins.text import NEEDS_NOTE
from tasking.core import events
from tasking.core.claim import claim
from tasking.core.clock import local_today
from tasking.core.errors import ServiceError
from tasking.core.permissions import is_org_admin
from tasking.core.signing import timed_serializer
from tasking.core.urls import external_url
from tasking.models import (
    CheckinAnswer,
    CheckinMessage,
    CheckinRound,
    PartnerContact,
    Plan,
    Task,
    TaskPartner,
    TaskStatus,
    User,
)
from tasking.models.checkin import CheckinMessageKind
from tasking.outbox.queue import queue
from tasking.tasks.activity import record
from tasking.tasks.editing import EMAIL

SALT = "checkin-partner"


def partner_token(round_id: int, contact: PartnerContact) -> str:
    # The address is in the token: a contact whose e-mail changes loses its old links.
    return timed_serializer(SALT).dumps({"r": round_id, "p": contact.id, "e": contact.email})


def resolve_partner_link(session: Session, token: str, now: datetime) -> tuple[PartnerContact, CheckinRound]:
    """The contact and round of a genuine, unexpired link still usable now;
    ServiceError with the sentence to show otherwise."""
    try:
        data = timed_serializer(SALT).loads(token, max_age=LINK_MAX_AGE)
    except SignatureExpired as exc:
        raise ServiceError(_("This link has expired.")) from exc
    except BadSignature as exc:
        raise ServiceError(_("This link is not valid.")) from exc
    if not isinstance(data, dict) or not isinstance(data.get("r"), int) or not isinstance(data.get("p"), int):
        raise ServiceError(_("This link is not valid."))
    contact = session.get(PartnerContact, data["p"])
    checkin = session.get(CheckinRound, data["r"])
    if contact is None or checkin is None or contact.email != data.get("e"):
        raise ServiceError(_("This link is no longer valid."))
    if not contact.active or contact.organisation_id != checkin.organisation_id:
        raise ServiceError(_("This link is no longer valid."))
    if not checkin.is_open(now):
        raise ServiceError(_("This check-in round is closed."))
    return contact, checkin


def partner_actions(
    session: Session, contact_ids: list[int], organisation_id: int | None = None
) -> list[tuple[int, str, Task]]:
    """(contact id, partner name, task) for the open actions of live plans
    these contacts partner on (of one organisation, if given)."""
    if not contact_ids:
        return []
    query = (
        select(TaskPartner.contact_id, TaskPartner.name, Task)
        .join(Task, Task.id == TaskPartner.task_id)
        .join(Plan, Plan.id == Task.plan_id)
        .where(
            TaskPartner.contact_id.in_(contact_ids),
            Task.archived_at.is_(None),
            Task.status != TaskStatus.DONE.value,
            Plan.archived_at.is_(None),
        )
        .order_by(Task.id)
    )
    if organisation_id is not None:
        query = query.where(Plan.organisation_id == organisation_id)
    return [(contact_id, name, task) for contact_id, name, task in session.execute(query).all()]


def active_contacts(session: Session, organisation_id: int) -> list[PartnerContact]:
    return list(
        session.scalars(
            select(PartnerContact)
            .where(PartnerContact.organisation_id == organisation_id, PartnerContact.revoked_at.is_(None))
            .order_by(PartnerContact.id)
        )
    )


def invite_partners(session: Session, checkin: CheckinRound, now: datetime) -> int:
    """One invitation per active contact with open actions, once per round."""
    contacts = {c.id: c for c in active_contacts(session, checkin.organisation_id)}
    tasks: dict[int, list[Task]] = {}
    for contact_id, _name, task in partner_actions(session, list(contacts), checkin.organisation_id):
        tasks.setdefault(contact_id, []).append(task)
    organisation = checkin.organisation
    today = local_today(now, organisation.timezone)
    sent = 0
    for contact_id, own in tasks.items():
        contact = contacts[contact_id]
        kind = CheckinMessageKind.INVITATION.value
        if not claim(
            session,
            CheckinMessage,
            round_id=checkin.id,
            partner_contact_id=contact.id,
            kind=kind,
            sent_at=now,
        ):
            continue
        row = queue(
            session,
            dedupe_key=f"checkin:{checkin.id}:{kind}:partner{contact.id}",
            kind="checkin",
            recipient=contact.email,
            template="checkin",
            now=now,
            organisation_id=organisation.id,
            variant=kind,
            week=checkin.week,
            partner_name=contact.name,
            organisation=organisation,
            tasks=late_first(own, today),
            today=today,
            link=external_url("checkins.partner_page", token=partner_token(checkin.id, contact)),
            closes_at=checkin.closes_at,
            timezone=organisation.timezone,
        )
        sent += row is not None
    session.flush()
    return sent


@dataclass
class PartnerItem:
    task: Task
    partner_name: str
    last: CheckinAnswer | None


@dataclass
class PartnerPage:
    contact: PartnerContact
    checkin: CheckinRound
    items: list[PartnerItem]

    def item(self, task_id: int) -> PartnerItem | None:
        return next((i for i in self.items if i.task.id == task_id), None)


def partner_page(
    session: Session, contact: PartnerContact, checkin: CheckinRound, now: datetime
) -> PartnerPage:
    """The contact's actions in the round's organisation, with its own last opinion on each."""
    rows = [
        (name, task) for _cid, name, task in partner_actions(session, [contact.id], checkin.organisation_id)
    ]
    newest = (
        select(func.max(CheckinAnswer.id))
        .where(CheckinAnswer.partner_contact_id == contact.id)
        .group_by(CheckinAnswer.task_id)
    )
    last = {a.task_id: a for a in session.scalars(select(CheckinAnswer).where(CheckinAnswer.id.in_(newest)))}
    today = local_today(now, checkin.organisation.timezone)
    names = {task.id: name for name, task in rows}
    ordered = late_first([task for _name, task in rows], today)
    return PartnerPage(contact, checkin, [PartnerItem(t, names[t.id], last.get(t.id)) for t in ordered])


def _refusals(row: AnswerInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not row.health:
        errors["health"] = _("Choose where the action stands.")
    elif row.health not in HEALTHS:
        errors["health"] = _("Unknown health.")
    elif row.health in NEEDS_NOTE and not row.note.strip():
        errors["note"] = _(
            "Say where things stand: a note is required when the action is at risk, late or blocked."
        )
    if len(row.note) > MAX_NOTE:
        errors["note"] = _("The note is too long (2,000 characters at most).")
    return errors


def save_partner_answers(
    session: Session, *, page: PartnerPage, rows: list[AnswerInput], now: datetime
) -> list[CheckinAnswer]:
    """Check every opinion, then keep them all; the task itself is not changed."""
    errors: dict[int, dict[str, str]] = {}
    kept = []
    for row in rows:
        if page.item(row.task_id) is None:
            raise NotYourAction(_("You may only give your opinion on the actions you are a partner on."))
        if not (row.health or row.note.strip()):
            continue
        refused = _refusals(row)
        if refused:
            errors[row.task_id] = refused
        kept.append(row)
    if errors:
        raise AnswersRefused(errors, {})
    if not kept:
        raise ServiceError(_("Nothing to save: give your opinion on at least one action."))
    saved = []
    for row in kept:
        item = page.item(row.task_id)
        answer = CheckinAnswer(
            round_id=page.checkin.id,
            task_id=item.task.id,
            partner_contact_id=page.contact.id,
            health=row.health,
            note=row.note.strip(),
            task_version=item.task.version,
            created_at=now,
        )
        session.add(answer)
        line = record(
            session,
            task=item.task,
            plan_id=item.task.plan_id,
            organisation_id=page.checkin.organisation_id,
            actor=None,
            kind="checkin:partner",
            now=now,
            field="health",
            old=item.last.health if item.last else None,
            new=row.health,
        )
        line.actor_label = _("%(name)s (partner)", name=item.partner_name)
        saved.append(answer)
    session.flush()
    for answer in saved:
        events.checkin_answered.send(
            None, session=session, actor=None, now=now, task=answer.task, answer=answer
        )
    return saved


# --- the administrators' page --------------------------------------------------


@dataclass
class ContactRow:
    contact: PartnerContact
    actions: int
    last_answer: datetime | None


def contacts_of(session: Session, organisation_id: int) -> list[ContactRow]:
    """Every contact of the organisation (revoked ones too), with its open actions."""
    contacts = list(
        session.scalars(
            select(PartnerContact)
            .where(PartnerContact.organisation_id == organisation_id)
            .order_by(PartnerContact.name, PartnerContact.email)
        )
    )
    counts: dict[int, int] = {}
    for contact_id, _name, _task in partner_actions(session, [c.id for c in contacts]):
        counts[contact_id] = counts.get(contact_id, 0) + 1
    last = dict(
        session.execute(
            select(CheckinAnswer.partner_contact_id, func.max(CheckinAnswer.created_at))
            .where(CheckinAnswer.partner_contact_id.in_([c.id for c in contacts]))
            .group_by(CheckinAnswer.partner_contact_id)
        ).all()
    )
    return [ContactRow(c, counts.get(c.id, 0), last.get(c.id)) for c in contacts]


def _admin_contact(session: Session, actor: User, organisation_id: int, contact_id: int) -> PartnerContact:
    if not is_org_admin(session, actor, organisation_id):
        raise ServiceError(_("Only the administrators of the organisation can manage partner contacts."))
    contact = session.get(PartnerContact, contact_id)
    if contact is None or contact.organisation_id != organisation_id:
        raise ServiceError(_("Unknown partner contact."))
    return contact


def revoke_contact(
    session: Session, *, actor: User, organisation_id: int, contact_id: int, now: datetime
) -> PartnerContact:
    """Its links stop working at once; it gets no more e-mails."""
    contact = _admin_contact(session, actor, organisation_id, contact_id)
    if not contact.active:
        raise ServiceError(_("This contact is already revoked."))
    contact.revoked_at = now
    contact.revoked_by_id = actor.id
    session.flush()
    return contact


def change_email(
    session: Session, *, actor: User, organisation_id: int, contact_id: int, email: str
) -> PartnerContact:
    """A new address for the contact: its old links stop working."""
    contact = _admin_contact(session, actor, organisation_id, contact_id)
    email = (email or "").strip().lower()
    if not EMAIL.match(email) or len(email) > 254:
        raise ServiceError(_("“%(value)s” is not an e-mail address.", value=email), "email")
    taken = session.scalar(
        select(PartnerContact.id).where(
            PartnerContact.organisation_id == organisation_id,
            PartnerContact.email == email,
            PartnerContact.id != contact.id,
        )
    )
    if taken:
        raise ServiceError(_("Another partner contact already has this address."), "email")
    contact.email = email
    session.flush()
    return contact
