"""The ASCQ recovery plan template, shipped as structured data, and its import."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources

from sqlalchemy.orm import Session

from tasking.models import Organisation
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

TEMPLATE_FILE = "ascq_covid19.json"


@cache
def load_template() -> dict:
    """The ASCQ template as transcribed from the seed document (read once)."""
    text = resources.files("tasking.plans.data").joinpath(TEMPLATE_FILE).read_text("utf-8")
    return json.loads(text)


def category_colours(template: dict) -> dict[str, str]:
    return {entry["category"]: entry["colour"] for entry in template["legend"]}


@dataclass
class ImportSummary:
    plan_id: int
    themes: int = 0
    objectives: int = 0
    actions: int = 0
    targets: int = 0
    general_objectives: int = 0
    specific_objectives: int = 0
    actions_per_theme: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def template_spec(data: dict, title: str | None = None) -> PlanSpec:
    """The template as a plan description for the builder."""
    colours = category_colours(data)
    return PlanSpec(
        title=(title or "").strip() or data["title"],
        event=data["event"],
        template_key=data["key"],
        source=data["source"],
        timing_note=data["timing_note"],
        general=[
            GeneralSpec(
                horizon=general["horizon"],
                title=general["title"],
                specifics=[
                    SpecificSpec(s["number"], s["title"], s["details"], s["precision"])
                    for s in general["specific_objectives"]
                ],
            )
            for general in data["general_objectives"]
        ],
        themes=[_theme_spec(source, colours) for source in data["themes"]],
    )


def _theme_spec(source: dict, colours: dict[str, str]) -> ThemeSpec:
    return ThemeSpec(
        number=source["number"],
        title=source["title"],
        subtitle=source["subtitle"],
        category=source["category"],
        colour=colours.get(source["category"], "#e0b400"),
        definition=source["definition"],
        missions_text=source["missions_text"],
        missions_internal="\n".join(source["missions_internal"]),
        missions_external="\n".join(source["missions_external"]),
        communication_issues="\n".join(source["communication_issues"]),
        objectives_heading=source["objectives_heading"],
        actions_note=source["actions_note"],
        objectives=[
            ObjectiveSpec(
                title=row["title"],
                description=row["description"],
                targets=[TargetSpec(text) for text in row["targets"]],
                actions=[ActionSpec(a["title"], a["description"]) for a in row["actions"]],
            )
            for row in source["objectives"]
        ],
    )


def import_template(
    session: Session, org: Organisation, now: datetime, title: str | None = None
) -> ImportSummary:
    """Create the template as a new plan of ``org`` (no history lines: the
    plan is the template as shipped); the caller commits."""
    spec = template_spec(load_template(), title)
    plan = PlanBuilder.new_plan(session, organisation=org, spec=spec, actor=None, now=now, history=History())
    objectives = [o for theme in spec.themes for o in theme.objectives]
    actions_per_theme = [sum(len(o.actions) for o in theme.objectives) for theme in spec.themes]
    return ImportSummary(
        plan_id=plan.id,
        themes=len(spec.themes),
        objectives=len(objectives),
        actions=sum(actions_per_theme),
        targets=sum(len(o.targets) for o in objectives),
        general_objectives=len(spec.general),
        specific_objectives=sum(len(g.specifics) for g in spec.general),
        actions_per_theme=actions_per_theme,
    )
