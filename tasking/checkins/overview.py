"""The coordinator's view of a round: who answered, the response rate by
theme, and what the round changed (health worsened, dates moved, new blockers)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from tasking.checkins.rounds import invited_user_ids, open_actions
from tasking.checkins.text import SEVERITY
from tasking.models import (
    CheckinAnswer,
    CheckinMessage,
    CheckinRound,
    OperationalObjective,
    PartnerContact,
    Task,
    Theme,
    User,
)
from tasking.models.checkin import CheckinMessageKind, Health


@dataclass
class Respondent:
    user: User
    actions: int
    answered: int
    nudged: bool
    reminded: bool

    @property
    def has_answered(self) -> bool:
        return self.answered > 0


@dataclass
class ThemeRate:
    title: str
    colour: str
    answered: int = 0
    total: int = 0

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.total) if self.total else 0


@dataclass
class Overview:
    checkin: CheckinRound
    people: list[Respondent]
    themes: list[ThemeRate]
    # Partner contacts e-mailed in the round: (name, e-mail, answered).
    partners: list[tuple[str, str, bool]] = field(default_factory=list)
    worsened: list[tuple[CheckinAnswer, str | None]] = field(default_factory=list)
    moved: list[CheckinAnswer] = field(default_factory=list)
    blockers: list[CheckinAnswer] = field(default_factory=list)

    @property
    def answered(self) -> list[Respondent]:
        return [p for p in self.people if p.has_answered]

    @property
    def waiting(self) -> list[Respondent]:
        return [p for p in self.people if not p.has_answered]

    @property
    def rate(self) -> int:
        return round(100 * len(self.answered) / len(self.people)) if self.people else 0


def rounds_of(session: Session, organisation_id: int, limit: int = 20) -> list[CheckinRound]:
    """The organisation's rounds, newest first."""
    return list(
        session.scalars(
            select(CheckinRound)
            .where(CheckinRound.organisation_id == organisation_id)
            .order_by(CheckinRound.opens_at.desc())
            .limit(limit)
        )
    )


def _round_answers(session: Session, round_id: int) -> dict[int, CheckinAnswer]:
    """Each task's latest answer of the round, with its task and author."""
    answers = session.scalars(
        select(CheckinAnswer)
        .where(CheckinAnswer.round_id == round_id, CheckinAnswer.partner_contact_id.is_(None))
        .options(selectinload(CheckinAnswer.task), selectinload(CheckinAnswer.user))
        .order_by(CheckinAnswer.id)
    )
    return {answer.task_id: answer for answer in answers}


def _previous_health(session: Session, checkin: CheckinRound, task_ids: list[int]) -> dict[int, str | None]:
    """What each task's health was before the round opened."""
    rows = session.execute(
        select(CheckinAnswer.task_id, CheckinAnswer.health)
        .where(CheckinAnswer.task_id.in_(task_ids), CheckinAnswer.created_at < checkin.opens_at)
        .order_by(CheckinAnswer.id)
    )
    return dict(rows.all())


def _themes(session: Session, tasks: dict[int, Task], answered: set[int]) -> list[ThemeRate]:
    rows = session.execute(
        select(Task.id, Theme.id, Theme.title, Theme.colour, Theme.position)
        .join(OperationalObjective, OperationalObjective.id == Task.objective_id)
        .join(Theme, Theme.id == OperationalObjective.theme_id)
        .where(Task.id.in_(list(tasks)))
        .order_by(Theme.position, Theme.id)
    ).all()
    themes: dict[int, ThemeRate] = {}
    for task_id, theme_id, title, colour, _position in rows:
        rate = themes.setdefault(theme_id, ThemeRate(title, colour))
        rate.total += 1
        rate.answered += task_id in answered
    return list(themes.values())


def _partners(session: Session, round_id: int) -> list[tuple[str, str, bool]]:
    """The partner contacts invited in the round, and whether each answered."""
    answered = set(
        session.scalars(
            select(CheckinAnswer.partner_contact_id).where(
                CheckinAnswer.round_id == round_id, CheckinAnswer.partner_contact_id.is_not(None)
            )
        )
    )
    contacts = session.scalars(
        select(PartnerContact)
        .join(CheckinMessage, CheckinMessage.partner_contact_id == PartnerContact.id)
        .where(CheckinMessage.round_id == round_id)
        .order_by(PartnerContact.name)
        .distinct()
    )
    return [(c.name, c.email, c.id in answered) for c in contacts]


def round_overview(session: Session, checkin: CheckinRound, now: datetime) -> Overview:
    """Everything the coordinator's page shows about one round."""
    answers = _round_answers(session, checkin.id)
    invited = invited_user_ids(session, checkin.id)
    # The actions asked about: those still open now, and those answered (maybe done since).
    tasks = {t.id: t for t in open_actions(session, checkin.organisation_id, sorted(invited))}
    tasks.update((a.task_id, a.task) for a in answers.values())
    sent = set(
        session.execute(
            select(CheckinMessage.user_id, CheckinMessage.kind).where(
                CheckinMessage.round_id == checkin.id, CheckinMessage.user_id.is_not(None)
            )
        ).all()
    )
    people = []
    for user in session.scalars(select(User).where(User.id.in_(invited)).order_by(User.name)):
        own = [t for t in tasks.values() if t.owner_id == user.id]
        people.append(
            Respondent(
                user,
                len(own),
                sum(1 for a in answers.values() if a.user_id == user.id),
                (user.id, CheckinMessageKind.NUDGE.value) in sent,
                (user.id, CheckinMessageKind.LATE.value) in sent,
            )
        )
    overview = Overview(checkin, people, _themes(session, tasks, set(answers)))
    overview.partners = _partners(session, checkin.id)
    before = _previous_health(session, checkin, list(answers))
    for task_id, answer in answers.items():
        old = before.get(task_id)
        if answer.new_due_date is not None:
            overview.moved.append(answer)
        if answer.health == Health.BLOCKED.value and old != Health.BLOCKED.value:
            overview.blockers.append(answer)
        elif SEVERITY.get(answer.health or "", -1) > SEVERITY.get(old or "", 0):
            overview.worsened.append((answer, old))
    return overview
