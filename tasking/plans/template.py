"""The ASCQ recovery plan template, shipped as structured data, and its import."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources

from sqlalchemy.orm import Session

from tasking.models import (
    GeneralObjective,
    OperationalObjective,
    Organisation,
    Plan,
    SpecificObjective,
    Target,
    Task,
    Theme,
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


def import_template(
    session: Session, org: Organisation, now: datetime, title: str | None = None
) -> ImportSummary:
    """Create the template as a new plan of ``org``; the caller commits."""
    data = load_template()
    colours = category_colours(data)
    plan = Plan(
        organisation=org,
        title=(title or "").strip() or data["title"],
        event=data["event"],
        template_key=data["key"],
        source=data["source"],
        timing_note=data["timing_note"],
        created_at=now,
    )
    session.add(plan)
    session.flush()
    summary = ImportSummary(plan_id=plan.id)

    for g_pos, general in enumerate(data["general_objectives"]):
        objective = GeneralObjective(
            plan=plan, horizon=general["horizon"], title=general["title"], position=g_pos
        )
        session.add(objective)
        summary.general_objectives += 1
        for s_pos, specific in enumerate(general["specific_objectives"]):
            objective.specific_objectives.append(
                SpecificObjective(
                    number=specific["number"],
                    title=specific["title"],
                    details=specific["details"],
                    precision=specific["precision"],
                    position=s_pos,
                )
            )
            summary.specific_objectives += 1

    board_position = 0.0
    tasks: list[Task] = []
    for t_pos, source in enumerate(data["themes"]):
        theme = Theme(
            plan=plan,
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
            position=t_pos,
        )
        session.add(theme)
        summary.themes += 1
        theme_actions = 0
        for o_pos, row in enumerate(source["objectives"]):
            objective = OperationalObjective(
                theme=theme, title=row["title"], description=row["description"], position=o_pos
            )
            session.add(objective)
            summary.objectives += 1
            for position, text in enumerate(row["targets"]):
                objective.targets.append(Target(text=text, position=position))
                summary.targets += 1
            for position, action in enumerate(row["actions"]):
                board_position += 1.0
                task = Task(
                    plan=plan,
                    objective=objective,
                    title=action["title"],
                    description=action["description"],
                    plan_position=position,
                    board_position=board_position,
                    created_at=now,
                    updated_at=now,
                )
                objective.tasks.append(task)
                tasks.append(task)
                theme_actions += 1
        summary.actions += theme_actions
        summary.actions_per_theme.append(theme_actions)
    session.flush()
    return summary
