"""Measurements of a plan's targets: who may add one, and adding it with its
history line and event.

Functions flush but never commit; the caller commits once.
"""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core import events
from tasking.core.clock import local_today
from tasking.core.errors import ServiceError
from tasking.core.permissions import can_measure
from tasking.core.templating import qc_date
from tasking.core.validation import parse_number
from tasking.models import Measurement, OperationalObjective, Organisation, Plan, Target, Theme, User
from tasking.tasks.activity import record

EARLIEST_MEASUREMENT = date(2000, 1, 1)


def organisation_of_target(session: Session, target: Target) -> Organisation:
    """The organisation whose plan holds the target (through its objective and theme)."""
    return session.scalars(
        select(Organisation)
        .join(Plan, Plan.organisation_id == Organisation.id)
        .join(Theme, Theme.plan_id == Plan.id)
        .join(OperationalObjective, OperationalObjective.theme_id == Theme.id)
        .where(OperationalObjective.id == target.objective_id)
    ).one()


def add_measurement(
    session: Session,
    *,
    actor: User,
    target: Target,
    value: float | str,
    measured_on: date | str,
    now: datetime,
    note: str = "",
) -> Measurement:
    if not can_measure(session, actor, target):
        raise ServiceError(_("You may not add a measurement to this target."))
    number = parse_number(value, "value")
    if number is None:
        raise ServiceError(_("Enter the measured value."), "value")
    if not isinstance(measured_on, date):
        if not str(measured_on or "").strip():
            raise ServiceError(_("Enter the date of the measurement."), "measured_on")
        try:
            measured_on = date.fromisoformat(str(measured_on).strip())
        except ValueError as exc:
            raise ServiceError(_("“%(value)s” is not a date.", value=measured_on), "measured_on") from exc
    timezone = organisation_of_target(session, target).timezone
    if measured_on > local_today(now, timezone):
        raise ServiceError(_("A measurement cannot be dated in the future."), "measured_on")
    if measured_on < EARLIEST_MEASUREMENT:
        raise ServiceError(
            _("A measurement cannot be dated before %(date)s.", date=qc_date(EARLIEST_MEASUREMENT)),
            "measured_on",
        )
    measurement = Measurement(
        target=target,
        value=number,
        measured_on=measured_on,
        note=(note or "").strip()[:2000],
        author=actor,
        created_at=now,
    )
    session.add(measurement)
    session.flush()
    objective = session.get(OperationalObjective, target.objective_id)
    plan = session.get(Plan, session.get(Theme, objective.theme_id).plan_id)
    record(
        session,
        task=None,
        plan_id=plan.id,
        organisation_id=plan.organisation_id,
        actor=actor,
        kind="measurement",
        now=now,
        field=f"target:{target.id}",
        new=number,
    )
    events.measurement_added.send(
        None, session=session, actor=actor, now=now, target=target, measurement=measurement
    )
    return measurement
