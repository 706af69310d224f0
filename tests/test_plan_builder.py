"""The plan builder, without HTTP: descriptions become rows, placed and with
the history lines the caller asks for."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tasking.extensions import db
from tasking.models import Activity, OperationalObjective, Target, Task, Theme
from tasking.plans.builder import ActionSpec, History, PlanBuilder, PlanSpec, TargetSpec, ThemeSpec
from tests import factories as f
from tests.factories import NOW


def history(plan_id: int) -> list[tuple]:
    rows = db.session.scalars(select(Activity).where(Activity.plan_id == plan_id).order_by(Activity.id))
    return [(a.kind, a.field, a.new_value, a.task_id is not None, a.actor_id) for a in rows]


def test_a_new_plan_is_built_whole_with_one_history_line(app):
    org = f.organisation(db.session)
    admin = f.user(db.session, org, role="admin")
    helper = f.user(db.session, org)
    spec = PlanSpec(
        title="Plan des inondations",
        themes=[
            f.theme(
                objectives=[
                    f.objective(
                        actions=[
                            f.action(
                                "Appeler",
                                owner_id=admin.id,
                                collaborator_ids=[helper.id],
                                partners=["CIUSSS"],
                            ),
                            f.action("Livrer", status="done", due_date=date(2026, 12, 1)),
                            f.action("Visiter"),
                        ],
                        targets=[f.target("Joindre 80 %"), f.target("Livrer 200 repas")],
                    )
                ]
            ),
            f.theme("Enjeux économiques", number=4, objectives=[]),
        ],
    )
    plan = PlanBuilder.new_plan(
        db.session,
        organisation=org,
        spec=spec,
        actor=admin,
        now=NOW,
        history=History(plan="plan:import-docx"),
    )
    themes = db.session.scalars(select(Theme).where(Theme.plan_id == plan.id).order_by(Theme.position)).all()
    assert [(t.title, t.number, t.position) for t in themes] == [
        ("Enjeux sociaux", 3, 0),
        ("Enjeux économiques", 4, 1),
    ]
    [objective] = themes[0].objectives
    assert [(t.text, t.position) for t in objective.targets] == [("Joindre 80 %", 0), ("Livrer 200 repas", 1)]
    tasks = sorted(objective.tasks, key=lambda t: t.plan_position)
    assert [(t.title, t.plan_position, t.status, t.board_position) for t in tasks] == [
        ("Appeler", 0, "todo", 1.0),
        ("Livrer", 1, "done", 1.0),
        ("Visiter", 2, "todo", 2.0),
    ]
    assert (
        tasks[0].owner_id,
        [u.id for u in tasks[0].collaborators],
        [p.name for p in tasks[0].partners],
    ) == (
        admin.id,
        [helper.id],
        ["CIUSSS"],
    )
    assert (tasks[1].completed_at, tasks[1].due_date, tasks[0].completed_at) == (NOW, date(2026, 12, 1), None)
    assert {t.created_at for t in tasks} == {NOW}
    assert history(plan.id) == [("plan:import-docx", None, "Plan des inondations", False, admin.id)]


def test_actions_added_to_a_plan_go_last_and_to_the_bottom_of_their_column(app, count_queries):
    org = f.organisation(db.session)
    admin = f.user(db.session, org, role="admin")
    plan = f.plan(db.session, org, themes=[f.theme(objectives=[f.objective(actions=[f.action("Déjà là")])])])
    objective = db.session.scalars(select(OperationalObjective)).one()
    builder = PlanBuilder(
        db.session, plan=plan, actor=admin, now=NOW, history=History(actions="created:import")
    )
    specs = [
        (objective.id, ActionSpec(f"Nouvelle {n}", status="done" if n % 2 else "todo")) for n in range(40)
    ]
    with count_queries() as counter:
        created = builder.add_actions(specs)
    # Placed from two reads for the whole batch, not one per action.
    assert sum(s.startswith("SELECT") for s in counter.statements) == 2
    assert [t.plan_position for t in created[:3]] == [1, 2, 3]
    assert [t.board_position for t in created[:4]] == [2.0, 1.0, 3.0, 2.0]
    lines = history(plan.id)
    assert len(lines) == 40
    assert lines[0] == ("created:import", None, "Nouvelle 0", True, admin.id)


def test_the_editor_adds_numbered_items_each_with_its_line(app):
    org = f.organisation(db.session)
    admin = f.user(db.session, org, role="admin")
    plan = f.plan(db.session, org)
    builder = PlanBuilder(
        db.session, plan=plan, actor=admin, now=NOW, history=History(items=True, actions="created")
    )
    theme = builder.add_theme(ThemeSpec("Enjeux transversaux", objectives=[]))
    objective = builder.add_objective(theme, f.objective("Informer", actions=[], targets=[]))
    target = builder.add_target(objective, TargetSpec("Trois bulletins", target_value=3))
    [task] = builder.add_actions([(objective.id, ActionSpec("Publier un bulletin"))])
    assert (theme.number, theme.position, objective.position, target.position, task.plan_position) == (
        4,
        1,
        1,
        1,
        1,
    )
    assert history(plan.id) == [
        ("theme_added", f"theme:{theme.id}", "Enjeux transversaux", False, admin.id),
        ("objective_added", f"objective:{objective.id}", "Informer", False, admin.id),
        ("target_added", f"target:{target.id}", "Trois bulletins", False, admin.id),
        ("created", None, "Publier un bulletin", True, admin.id),
    ]
    assert db.session.scalar(select(func.count(Target.id))) == 2
    assert db.session.scalar(select(func.count(Task.id))) == 2
