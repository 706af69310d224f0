"""What was last said about actions, for every page and file that shows it:
the board, the plan and its print-out, the dashboards and the exports.

Everything here reads a fixed number of statements whatever the number of
tasks: ``checkin_status`` two, ``health_by_theme`` three, ``response_rates`` two.

An open action is **stale** when three rounds of its organisation have opened
since it was last updated (or since it was created, if it never was).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, Row, Select, Subquery, and_, bindparam, func, or_, select
from sqlalchemy.orm import Session

from tasking.core.batches import Query
from tasking.core.ids import in_ids_param
from tasking.models import (
    CheckinAnswer,
    CheckinMessage,
    CheckinRound,
    OperationalObjective,
    Plan,
    Task,
    TaskStatus,
    Theme,
    User,
)
from tasking.models.checkin import CheckinMessageKind, Health

#: Rounds without an update after which an open action is stale.
STALE_ROUNDS = 3
#: The order of healths in a breakdown; "none" counts actions never reported on.
HEALTH_ORDER = (*(h.value for h in Health), "none")


@dataclass(frozen=True)
class CheckinStatus:
    """An action's latest check-in, and whether it is stale."""

    health: str | None = None
    # The latest note given (a later « Rien de nouveau » keeps it).
    note: str = ""
    at: datetime | None = None
    who: str = ""
    nothing_new: bool = False
    stale: bool = False

    @property
    def answered(self) -> bool:
        return self.at is not None


NO_CHECKIN = CheckinStatus()
# An action never reported on, and stale: the same for every such action.
NEVER_STALE = CheckinStatus(stale=True)


def _latest_ids(tasks: Select, with_note: bool = False) -> Subquery:
    """A subquery: each task's latest answer id (the latest with a note)."""
    query = select(CheckinAnswer.task_id, func.max(CheckinAnswer.id).label("answer_id")).where(
        CheckinAnswer.task_id.in_(tasks)
    )
    if with_note:
        query = query.where(CheckinAnswer.note != "")
    return query.group_by(CheckinAnswer.task_id).subquery()


def stale_since(session: Session, organisation_ids: Iterable[int], now: datetime) -> dict[int, datetime]:
    """Organisation id → when the STALE_ROUNDS-th latest round opened (by
    ``now``): an open action not updated since then is stale."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    rows = session.execute(_stale_since(postgresql), {"organisations": list(organisation_ids), "now": now})
    return dict(rows.all())


@functools.cache
def _stale_since(postgresql: bool) -> Select:
    """Built once, the organisations and the instant as parameters."""
    newest = (
        func.row_number()
        .over(partition_by=CheckinRound.organisation_id, order_by=CheckinRound.opens_at.desc())
        .label("rank")
    )
    ranked = (
        select(CheckinRound.organisation_id, CheckinRound.opens_at, newest)
        .where(
            in_ids_param(CheckinRound.organisation_id, "organisations", postgresql),
            CheckinRound.opens_at <= bindparam("now"),
        )
        .subquery()
    )
    return select(ranked.c.organisation_id, ranked.c.opens_at).where(ranked.c.rank == STALE_ROUNDS)


def checkin_status(session: Session, task_ids: Iterable[int], now: datetime) -> dict[int, CheckinStatus]:
    """Task id → its latest check-in (health, note, date, who) and staleness.
    Tasks never reported on and not stale are left out (see ``NO_CHECKIN``)."""
    ids = list(task_ids)
    if not ids:
        return {}
    postgresql = session.get_bind().dialect.name == "postgresql"
    return _status(session, _by_ids(postgresql), now, {"ids": ids})


def plan_checkin_status(session: Session, plan_id: int, now: datetime) -> dict[int, CheckinStatus]:
    """``checkin_status`` of every action of a plan."""
    return _status(session, _rows(Task.plan_id == plan_id), now)


def checkin_status_in(
    session: Session, organisation_id: int, task_ids: Iterable[int], now: datetime
) -> dict[int, CheckinStatus]:
    """``checkin_status`` of tasks of one organisation (the board's cards), in
    one statement: the organisation's stale threshold is a subquery, so that
    staleness is decided in SQL and only the tasks with something to show
    come back (a page of 200 cards read and parsed 200 rows for a few)."""
    ids = list(task_ids)
    if not ids:
        return {}
    return checkin_status_of(session.execute(*checkin_status_read(session, organisation_id, ids, now)))


def checkin_status_read(session: Session, organisation_id: int, task_ids: list[int], now: datetime) -> Query:
    """The statement of ``checkin_status_in`` (some tasks) and its parameters,
    to be read beside others (``core.batches``); ``checkin_status_of`` reads its rows.

    One task (a moved card) has a statement of its own. PostgreSQL keeps one
    plan per prepared statement and chooses it from the calls it has seen:
    for a list of ids it estimates ten, so a connection that had seen mostly
    single cards planned the statement anew at every call, board pages
    included (0.5 ms each, about ten times its execution; bench/README.md)."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    values = {"organisation": organisation_id, "now": now}
    if len(task_ids) == 1:
        return _shown_by_ids(postgresql, one=True), {**values, "id": task_ids[0]}
    return _shown_by_ids(postgresql, one=False), {**values, "ids": task_ids}


def checkin_status_of(rows: Iterable[Row]) -> dict[int, CheckinStatus]:
    return {
        row.id: CheckinStatus(
            health=row.health,
            note=row.note or "",
            at=row.answered_at,
            who=row.name or "",
            nothing_new=bool(row.nothing_new),
            stale=bool(row.stale),
        )
        if row.answered_at is not None
        else NEVER_STALE
        for row in rows
    }


@functools.cache
def _shown_by_ids(postgresql: bool, one: bool) -> Select:
    """The latest answer of the tasks among ``ids`` (``one``: the task ``id``)
    that were answered or are stale (the rule of ``_status`` and
    ``stale_since``, in SQL: no answer or creation since the STALE_ROUNDS-th
    latest round of ``organisation`` opened by ``now``; fewer rounds, nothing
    is stale). Built once."""
    which = Task.id == bindparam("id") if one else in_ids_param(Task.id, "ids", postgresql)
    tasks = select(Task.id).where(which)
    latest, noted = _latest_ids(tasks), _latest_ids(tasks, with_note=True)
    answer, with_note = CheckinAnswer, CheckinAnswer.__table__.alias("noted_answer")
    threshold = (
        select(CheckinRound.opens_at)
        .where(
            CheckinRound.organisation_id == bindparam("organisation"),
            CheckinRound.opens_at <= bindparam("now"),
        )
        .order_by(CheckinRound.opens_at.desc())
        .limit(1)
        .offset(STALE_ROUNDS - 1)
        .scalar_subquery()
    )
    stale = and_(
        Task.status != TaskStatus.DONE.value,
        Task.archived_at.is_(None),
        func.coalesce(answer.created_at, Task.created_at) < threshold,
    )
    return (
        select(
            Task.id,
            answer.health,
            answer.created_at.label("answered_at"),
            answer.nothing_new,
            User.name,
            with_note.c.note,
            stale.label("stale"),
        )
        .outerjoin(latest, latest.c.task_id == Task.id)
        .outerjoin(answer, answer.id == latest.c.answer_id)
        .outerjoin(User, User.id == answer.user_id)
        .outerjoin(noted, noted.c.task_id == Task.id)
        .outerjoin(with_note, with_note.c.id == noted.c.answer_id)
        .where(which, or_(latest.c.answer_id.is_not(None), stale))
    )


@functools.cache
def _by_ids(postgresql: bool) -> Select:
    """The board asks this for every page of cards: built once (building it
    cost more than running it), with its ids as one parameter."""
    return _rows(in_ids_param(Task.id, "ids", postgresql))


def _rows(which: ColumnElement[bool]) -> Select:
    tasks = select(Task.id).where(which)
    latest, noted = _latest_ids(tasks), _latest_ids(tasks, with_note=True)
    answer, with_note = CheckinAnswer, CheckinAnswer.__table__.alias("noted_answer")
    return (
        select(
            Task.id,
            Task.status,
            Task.archived_at,
            Task.created_at,
            Plan.organisation_id,
            answer.health,
            answer.created_at.label("answered_at"),
            answer.nothing_new,
            User.name,
            with_note.c.note,
        )
        .join(Plan, Plan.id == Task.plan_id)
        .outerjoin(latest, latest.c.task_id == Task.id)
        .outerjoin(answer, answer.id == latest.c.answer_id)
        .outerjoin(User, User.id == answer.user_id)
        .outerjoin(noted, noted.c.task_id == Task.id)
        .outerjoin(with_note, with_note.c.id == noted.c.answer_id)
        .where(which)
    )


def _status(
    session: Session, rows_of: Select, now: datetime, params: dict | None = None
) -> dict[int, CheckinStatus]:
    rows = session.execute(rows_of, params or {}).all()
    since = stale_since(session, {row.organisation_id for row in rows}, now)
    result = {}
    for row in rows:
        threshold = since.get(row.organisation_id)
        last = row.answered_at or row.created_at
        stale = (
            threshold is not None
            and row.status != TaskStatus.DONE.value
            and row.archived_at is None
            and last < threshold
        )
        if row.answered_at is None and not stale:
            continue
        result[row.id] = CheckinStatus(
            health=row.health,
            note=row.note or "",
            at=row.answered_at,
            who=row.name or "",
            nothing_new=bool(row.nothing_new),
            stale=stale,
        )
    return result


def health_by_theme(session: Session, plan_id: int, now: datetime) -> list[tuple[Theme, dict[str, int]]]:
    """For each live theme of the plan: its live actions counted by latest
    health ("none": never reported on), and "stale" among them."""
    rows = session.execute(
        select(Theme, Task.id)
        .join(OperationalObjective, OperationalObjective.theme_id == Theme.id)
        .join(Task, Task.objective_id == OperationalObjective.id)
        .where(
            Theme.plan_id == plan_id,
            Theme.archived_at.is_(None),
            OperationalObjective.archived_at.is_(None),
            Task.archived_at.is_(None),
        )
        .order_by(Theme.position, Theme.id)
    ).all()
    status = checkin_status(session, [task_id for _theme, task_id in rows], now)
    themes: dict[int, tuple[Theme, dict[str, int]]] = {}
    for theme, task_id in rows:
        counts = themes.setdefault(theme.id, (theme, dict.fromkeys((*HEALTH_ORDER, "stale"), 0)))[1]
        found = status.get(task_id, NO_CHECKIN)
        counts[found.health or "none"] += 1
        counts["stale"] += found.stale
    return list(themes.values())


@dataclass(frozen=True)
class WeekRate:
    """One round: how many people were asked and how many answered."""

    week: str
    opens_at: datetime
    invited: int
    answered: int

    @property
    def share(self) -> float | None:
        return self.answered / self.invited if self.invited else None


def response_rates(session: Session, organisation_id: int, now: datetime, weeks: int = 12) -> list[WeekRate]:
    """The response rate of the organisation's last ``weeks`` rounds opened by ``now``, oldest first."""
    rounds = session.execute(
        select(CheckinRound.id, CheckinRound.week, CheckinRound.opens_at)
        .where(CheckinRound.organisation_id == organisation_id, CheckinRound.opens_at <= now)
        .order_by(CheckinRound.opens_at.desc())
        .limit(weeks)
    ).all()
    if not rounds:
        return []
    invited = select(CheckinMessage.round_id, CheckinMessage.user_id).where(
        CheckinMessage.round_id.in_([r.id for r in rounds]),
        CheckinMessage.kind == CheckinMessageKind.INVITATION.value,
    )
    invited = invited.subquery()
    answered = (
        select(CheckinAnswer.round_id, CheckinAnswer.user_id)
        .where(CheckinAnswer.round_id.in_([r.id for r in rounds]))
        .distinct()
        .subquery()
    )
    counts = {
        round_id: (total, done)
        for round_id, total, done in session.execute(
            select(invited.c.round_id, func.count(), func.count(answered.c.user_id))
            .outerjoin(
                answered,
                and_(answered.c.round_id == invited.c.round_id, answered.c.user_id == invited.c.user_id),
            )
            .group_by(invited.c.round_id)
        )
    }
    return [WeekRate(r.week, r.opens_at, *counts.get(r.id, (0, 0))) for r in reversed(rounds)]
