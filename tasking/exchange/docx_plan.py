"""A parsed Word plan (:mod:`tasking.exchange.docx_parse`) becomes a new plan:
people named in the document matched with the organisation's members, the
themes given their category and colour, dates turned into the actions'
periods, then the plan built with one history line.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core.permissions import ASSIGNABLE_ROLES
from tasking.exchange.docx_parse import ParsedPlan, ParsedTheme, Row
from tasking.exchange.tasksheet import fold
from tasking.models import Membership, Organisation, Plan, User
from tasking.plans.builder import (
    ActionSpec,
    GeneralSpec,
    History,
    ObjectiveSpec,
    PlanBuilder,
    PlanSpec,
    SpecificSpec,
    TargetSpec,
    ThemeSpec,
)
from tasking.plans.template import category_colours, load_template


@dataclass
class People:
    """The organisation's people who may take part in an action, by name and e-mail."""

    by_key: dict[str, int]

    @classmethod
    def of(cls, session: Session, organisation_id: int) -> People:
        rows = session.execute(
            select(User.id, User.name, User.email)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.organisation_id == organisation_id,
                Membership.role.in_(ASSIGNABLE_ROLES),
                User.active.is_(True),
            )
        )
        by_key: dict[str, int] = {}
        for user_id, name, email in rows:
            by_key[fold(name)] = user_id
            by_key[email.lower()] = user_id
        return cls(by_key)

    def find(self, text: str) -> int | None:
        return self.by_key.get(text.strip().lower()) or self.by_key.get(fold(text))


def unmatched_people(parsed: ParsedPlan, people: People) -> list[str]:
    """Names that are not members: they will be kept as named partners."""
    names: list[str] = []
    for theme in parsed.themes:
        for row in theme.objectives:
            for name in row.owners + row.collaborators:
                if people.find(name) is None and name not in names:
                    names.append(name)
    return names


def create_plan(
    session: Session, *, actor: User, org: Organisation, parsed: ParsedPlan, now: datetime, title: str = ""
) -> Plan:
    """The parsed document as a new plan of ``org``; flushes, the caller commits."""
    spec = plan_spec(parsed, People.of(session, org.id), title)
    history = History(plan="plan:import-docx")
    return PlanBuilder.new_plan(session, organisation=org, spec=spec, actor=actor, now=now, history=history)


def plan_spec(parsed: ParsedPlan, people: People, title: str = "") -> PlanSpec:
    """What the document describes, as the plan to build."""
    template = load_template()
    colours = category_colours(template)
    categories = {fold(t["title"]): t["category"] for t in template["themes"]}
    general = [
        GeneralSpec(
            horizon=g.horizon,
            title=g.title,
            specifics=[
                SpecificSpec(s.number[:10], s.title, "\n".join(s.details), s.precision) for s in g.specifics
            ],
        )
        for g in parsed.general
    ]
    themes = []
    for source in parsed.themes:
        category = categories.get(fold(source.title), "transversal")
        colour = colours.get(category, "#e0b400") if source.colour in (None, "#ffffff") else source.colour
        themes.append(_theme_spec(source, category, colour, people))
    return PlanSpec(
        title=(title or parsed.title or template["title"]).strip()[:300],
        template_key="docx",
        general=general,
        themes=themes,
    )


def _theme_spec(source: ParsedTheme, category: str, colour: str, people: People) -> ThemeSpec:
    return ThemeSpec(
        number=source.number,
        title=source.title[:300],
        subtitle=source.subtitle,
        category=category,
        colour=colour,
        definition=source.definition,
        missions_text=source.missions_text,
        communication_issues="\n".join(source.communication_issues),
        objectives_heading=source.objectives_heading[:200],
        actions_note=source.actions_note,
        objectives=[
            ObjectiveSpec(
                title=row.title,
                description="\n".join(row.description),
                comments="\n".join(row.comments),
                targets=[TargetSpec("\n".join([t.title, *t.description])) for t in row.targets],
                actions=_actions(row, people),
            )
            for row in source.objectives
        ],
    )


def _actions(row: Row, people: People) -> list[ActionSpec]:
    """The row's actions, sharing its people and dates: members named become
    the owner and collaborators, other names partners; the timing cells give
    the periods, the last date the due date."""
    owner_ids = [uid for uid in (people.find(n) for n in row.owners) if uid]
    owner_id = owner_ids[0] if owner_ids else None
    collaborator_ids = sorted(
        {uid for uid in (people.find(n) for n in row.collaborators) if uid} - {owner_id}
    )
    partners = [n[:200] for n in row.owners + row.collaborators if people.find(n) is None]
    short, long = sorted(row.short), sorted(row.long)
    short_end = short[-1] if len(short) > 1 else None
    long_end = long[-1] if len(long) > 1 else None
    return [
        ActionSpec(
            title=action.title,
            description="\n".join(action.description),
            status=action.status,
            blocked_reason=action.blocked_reason,
            owner_id=owner_id,
            collaborator_ids=collaborator_ids,
            partners=partners,
            horizon="short_medium" if short else ("long" if long else None),
            short_start=short[0] if short else None,
            short_end=short_end,
            long_start=long[0] if long else None,
            long_end=long_end,
            due_date=short_end or long_end,
        )
        for action in row.actions
    ]
