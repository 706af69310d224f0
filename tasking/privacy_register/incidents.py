"""The confidentiality incident register (Law 25, A-2.1 s. 63.8 and the
Commission d'accès à l'information's incident form): recording, editing,
listing, with every change kept.

Functions flush but never commit; they take ``now`` (naive UTC) and
``today`` (the organisation's calendar day) from their caller.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from tasking.core.errors import ServiceError
from tasking.core.validation import clean_text
from tasking.models import ConfidentialityIncident, IncidentChange, User

#: Law 25's kinds of confidentiality incident (A-2.1 s. 63.9).
NATURES = {
    "access": _l("Access not authorised by law"),
    "use": _l("Use not authorised by law"),
    "disclosure": _l("Disclosure not authorised by law"),
    "loss": _l("Loss of personal information"),
    "other": _l("Other breach of the protection of personal information"),
}
LEVELS = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High")}
# "incident": an incident is « ouvert » where a round or a form is « Ouvrir ».
STATUSES = {"open": _lp("incident", "Open"), "closed": _lp("incident", "Closed")}
SHORT_TEXT = 200
LONG_TEXT = 10_000
MAX_PEOPLE = 100_000_000
#: The fields of an incident a person fills, in the form's order.
FIELDS = (
    "occurred_on",
    "occurred_until",
    "discovered_on",
    "discovered_by",
    "nature",
    "description",
    "information_concerned",
    "people_concerned",
    "sensitivity",
    "consequences",
    "probability",
    "serious_harm",
    "measures",
    "commission_notified",
    "commission_notified_on",
    "people_notified",
    "people_notified_on",
    "people_not_notified_reason",
    "other_bodies",
    "status",
)


class IncidentRefused(ServiceError):
    """Refused values: ``errors`` maps each wrong field to its sentence."""

    def __init__(self, errors: dict[str, str]):
        field, message = next(iter(errors.items()))
        super().__init__(message, field)
        self.errors = errors


def parse_day(value: object) -> date | None:
    """A date typed as YYYY-MM-DD (what a date input sends); None when blank."""
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ServiceError(_("“%(value)s” is not a date (YYYY-MM-DD).", value=text)) from exc


def _answer(value: object) -> bool | None:
    """A yes / no / not yet answer."""
    return {"yes": True, "no": False}.get(str(value or "").strip())


class _Cleaner:
    """Collects every refused field instead of stopping at the first."""

    def __init__(self, values: Mapping[str, object], today: date):
        self.values, self.today = values, today
        self.errors: dict[str, str] = {}
        self.clean: dict[str, object] = {}

    def take(self, field: str, parse: Callable[[object], object]) -> object:
        try:
            self.clean[field] = parse(self.values.get(field))
        except ServiceError as exc:
            self.errors.setdefault(field, exc.message)
            self.clean[field] = None
        return self.clean[field]

    def refuse(self, field: str, message: str) -> None:
        self.errors.setdefault(field, message)

    def day(self, field: str) -> date | None:
        day = self.take(field, parse_day)
        if day is not None and day > self.today:
            self.refuse(field, _("This date is in the future."))
        return day

    def text(self, field: str, limit: int = LONG_TEXT, required: str | None = None) -> str:
        text = self.take(field, lambda value: clean_text(value, field, limit)) or ""
        if required and not text and field not in self.errors:
            self.refuse(field, required)
        return text

    def choice(self, field: str, choices: Mapping[str, object], required: str | None = None) -> str | None:
        value = str(self.values.get(field) or "").strip() or None
        if value is not None and value not in choices:
            self.refuse(field, _("Choose one of the proposed values."))
            value = None
        if value is None and required:
            self.refuse(field, required)
        self.clean[field] = value
        return value


def _people_count(value: object) -> int | None:
    text = "".join(str(value or "").split())
    if not text:
        return None
    if not text.isdigit() or int(text) > MAX_PEOPLE:
        raise ServiceError(_("“%(value)s” is not a number of people.", value=value))
    return int(text)


def clean_incident(values: Mapping[str, object], today: date) -> dict[str, object]:
    """The values of an incident, checked together (dates in order, answers
    consistent); raises IncidentRefused naming every wrong field."""
    c = _Cleaner(values, today)
    _clean_facts(c)
    _clean_assessment(c)
    _clean_notifications(c)
    if c.errors:
        raise IncidentRefused(c.errors)
    return c.clean


def _clean_facts(c: _Cleaner) -> None:
    started, ended, found = c.day("occurred_on"), c.day("occurred_until"), c.day("discovered_on")
    if found is None and "discovered_on" not in c.errors:
        c.refuse("discovered_on", _("Give the date the incident was discovered."))
    if ended is not None and started is None:
        c.refuse("occurred_on", _("Give the start of the period too."))
    if started and ended and ended < started:
        c.refuse("occurred_until", _("The end of the period cannot be before its start."))
    if started and found and found < started:
        c.refuse("discovered_on", _("The incident cannot have been discovered before it happened."))
    name = " ".join(str(c.values.get("discovered_by") or "").split())
    c.values = {**c.values, "discovered_by": name}
    c.text("discovered_by", SHORT_TEXT, _("Say who discovered the incident."))
    c.choice("nature", NATURES, _("Choose the nature of the incident."))
    c.text("description", required=_("Describe what happened."))
    c.text("information_concerned", required=_("Say which personal information is concerned."))
    c.take("people_concerned", _people_count)


def _clean_assessment(c: _Cleaner) -> None:
    c.choice("sensitivity", LEVELS)
    c.text("consequences")
    c.choice("probability", LEVELS)
    c.clean["serious_harm"] = _answer(c.values.get("serious_harm"))
    c.text("measures")
    status = c.choice("status", STATUSES) or "open"
    c.clean["status"] = status
    if status == "closed" and c.clean["serious_harm"] is None:
        c.refuse("serious_harm", _("Assess the risk of serious harm before closing the incident."))


def _clean_notifications(c: _Cleaner) -> None:
    found = c.clean.get("discovered_on")
    labels = {
        "commission": _("The Commission cannot have been notified before the incident was discovered."),
        "people": _("The people cannot have been notified before the incident was discovered."),
    }
    for who in ("commission", "people"):
        notified = _answer(c.values.get(f"{who}_notified")) is True
        c.clean[f"{who}_notified"] = notified
        day = c.day(f"{who}_notified_on")
        if notified and day is None and f"{who}_notified_on" not in c.errors:
            c.refuse(f"{who}_notified_on", _("Give the date of the notification."))
        if not notified and day is not None:
            c.refuse(f"{who}_notified_on", _("Answer « yes » to give a date, or leave the date empty."))
        if day and found and day < found:
            c.refuse(f"{who}_notified_on", labels[who])
    reason = c.text("people_not_notified_reason")
    if c.clean["people_notified"] and reason:
        c.refuse("people_not_notified_reason", _("The people were notified: leave the reason empty."))
    if not c.clean["people_notified"] and c.clean["serious_harm"] and not reason:
        c.refuse(
            "people_not_notified_reason",
            _("The risk of serious harm is retained: say why the people concerned are not notified."),
        )
    c.text("other_bodies")


def _as_json(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def record_incident(
    session: Session,
    *,
    organisation_id: int,
    actor: User,
    values: Mapping[str, object],
    now: datetime,
    today: date,
) -> ConfidentialityIncident:
    """A new entry of the register, numbered after the organisation's last."""
    clean = clean_incident(values, today)
    last = session.scalar(
        select(func.max(ConfidentialityIncident.number)).where(
            ConfidentialityIncident.organisation_id == organisation_id
        )
    )
    incident = ConfidentialityIncident(
        organisation_id=organisation_id,
        number=(last or 0) + 1,
        created_at=now,
        created_by_id=actor.id,
        updated_at=now,
        updated_by_id=actor.id,
        **clean,
    )
    session.add(incident)
    session.flush()
    return incident


def edit_incident(
    session: Session,
    *,
    incident: ConfidentialityIncident,
    actor: User,
    values: Mapping[str, object],
    now: datetime,
    today: date,
) -> IncidentChange | None:
    """Apply the values; what changed is kept with who and when (None: nothing changed)."""
    clean = clean_incident(values, today)
    changed = {
        field: [_as_json(getattr(incident, field)), _as_json(value)]
        for field, value in clean.items()
        if getattr(incident, field) != value
    }
    if not changed:
        return None
    for field, value in clean.items():
        setattr(incident, field, value)
    incident.updated_at, incident.updated_by_id = now, actor.id
    change = IncidentChange(
        incident=incident,
        changed_at=now,
        changed_by_id=actor.id,
        changes=json.dumps(changed, ensure_ascii=False),
    )
    session.add(change)
    session.flush()
    return change


@dataclass(frozen=True)
class IncidentFilters:
    """What the register's list and exports show; None: any."""

    status: str | None = None
    nature: str | None = None
    serious: str | None = None  # "yes", "no" or "unassessed"
    discovered_from: date | None = None
    discovered_to: date | None = None


def parse_filters(args: Mapping[str, str]) -> IncidentFilters:
    """The filters of a query string; a wrong value is refused with a sentence."""

    def pick(name: str, allowed) -> str | None:  # noqa: ANN001
        value = (args.get(name) or "").strip() or None
        if value is not None and value not in allowed:
            raise ServiceError(_("Unknown filter value “%(value)s”.", value=value), name)
        return value

    try:
        start, end = parse_day(args.get("from")), parse_day(args.get("to"))
    except ServiceError as exc:
        raise ServiceError(exc.message, "from") from exc
    return IncidentFilters(
        status=pick("status", STATUSES),
        nature=pick("nature", NATURES),
        serious=pick("serious", ("yes", "no", "unassessed")),
        discovered_from=start,
        discovered_to=end,
    )


def list_incidents(
    session: Session, organisation_id: int, filters: IncidentFilters = IncidentFilters()
) -> list[ConfidentialityIncident]:
    """The organisation's incidents, newest discovery first."""
    model = ConfidentialityIncident
    query = select(model).where(model.organisation_id == organisation_id)
    if filters.status:
        query = query.where(model.status == filters.status)
    if filters.nature:
        query = query.where(model.nature == filters.nature)
    if filters.serious:
        harm = {"yes": model.serious_harm.is_(True), "no": model.serious_harm.is_(False)}
        query = query.where(harm.get(filters.serious, model.serious_harm.is_(None)))
    if filters.discovered_from:
        query = query.where(model.discovered_on >= filters.discovered_from)
    if filters.discovered_to:
        query = query.where(model.discovered_on <= filters.discovered_to)
    query = query.options(selectinload(model.created_by), selectinload(model.updated_by))
    return list(session.scalars(query.order_by(model.discovered_on.desc(), model.number.desc())))


def incident_of(session: Session, organisation_id: int, incident_id: int) -> ConfidentialityIncident | None:
    """The incident, if it belongs to that organisation."""
    incident = session.get(ConfidentialityIncident, incident_id)
    if incident is None or incident.organisation_id != organisation_id:
        return None
    return incident


def change_lines(change: IncidentChange) -> dict[str, list[str]]:
    """field → [before, after] of a recorded change, as people read them."""
    return {
        field: [shown(field, old), shown(field, new)]
        for field, (old, new) in json.loads(change.changes).items()
    }


def shown(field: str, value: object) -> str:
    """A stored value in words: labels for choices, « Yes »/« No », « — » when empty."""
    labels = {"nature": NATURES, "sensitivity": LEVELS, "probability": LEVELS, "status": STATUSES}
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field in labels and value in labels[field]:
        return str(labels[field][value])
    return str(value)


def form_values(incident: ConfidentialityIncident) -> dict[str, str]:
    """An incident as the form shows it (the strings it would send back)."""
    values = {}
    for field in FIELDS:
        value = getattr(incident, field)
        if isinstance(value, bool):
            value = "yes" if value else "no"
        values[field] = "" if value is None else str(_as_json(value))
    return values
