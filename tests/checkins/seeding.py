"""Rounds and answers written directly, for the pages and files that show
them (the check-in's own flow is tested through e-mails in the other files)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tasking.extensions import db
from tasking.models import CheckinAnswer, CheckinMessage, CheckinRound, Organisation, Task, User
from tasking.models.checkin import CheckinMessageKind


def a_round(org: Organisation, opens_at: datetime, invited: tuple[User, ...] = ()) -> CheckinRound:
    """A round of ``org`` opened at ``opens_at`` (its ISO week), with invitations."""
    year, week, _day = opens_at.isocalendar()
    checkin = CheckinRound(
        organisation_id=org.id,
        week=f"{year}-W{week:02d}",
        opens_at=opens_at,
        remind_at=opens_at + timedelta(hours=24),
        closes_at=opens_at + timedelta(hours=33),
        created_at=opens_at,
    )
    db.session.add(checkin)
    db.session.flush()
    for user in invited:
        db.session.add(
            CheckinMessage(
                round_id=checkin.id,
                user_id=user.id,
                kind=CheckinMessageKind.INVITATION.value,
                sent_at=opens_at,
            )
        )
    db.session.commit()
    return checkin


def an_answer(
    task: Task,
    user: User,
    health: str | None,
    at: datetime,
    note: str = "",
    checkin: CheckinRound | None = None,
    nothing_new: bool = False,
) -> CheckinAnswer:
    answer = CheckinAnswer(
        round_id=checkin.id if checkin else None,
        task_id=task.id,
        user_id=user.id,
        health=health,
        note=note,
        nothing_new=nothing_new,
        task_version=task.version,
        created_at=at,
    )
    db.session.add(answer)
    db.session.commit()
    return answer
