"""The imports' services, without HTTP: preview decides, apply writes, the
Word plan is built; each asserted on the rows and their history."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlalchemy import select

from tasking.exchange import docx_plan, import_plan, import_write
from tasking.exchange.docx_parse import parse_docx
from tasking.exchange.parse_sheet import ImportFailed
from tasking.extensions import db
from tasking.models import Activity, Plan, Task
from tests import factories as f
from tests.exchange.seed_docx import seed_docx

NOW = datetime(2026, 11, 20, 15, 0)
HEADER = "ID;Enjeu;Objectif opérationnel;Action;Statut;Courriel du responsable;Échéance;Version"


@pytest.fixture
def town(app):
    org = f.organisation(db.session)
    admin = f.user(db.session, org, role="admin", email="coordination@ville.qc.ca")
    member = f.user(db.session, org, email="responsable@ville.qc.ca", name="Rémi Responsable")
    viewer = f.user(db.session, org, role="viewer", email="elu@ville.qc.ca")
    plan = f.plan(
        db.session,
        org,
        themes=[
            f.theme(objectives=[f.objective("Aider", actions=[f.action("Appeler"), f.action("Livrer")])])
        ],
    )
    return org, admin, member, viewer, plan


def csv_of(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode("utf-8")


def apply(plan: Plan, admin, preview) -> import_write.Applied:  # noqa: ANN001
    done = import_write.Applied()
    for _rows in import_write.apply_in_steps(
        db.session, actor=admin, plan_id=plan.id, result=preview, now=NOW, done=done, step=2
    ):
        pass
    return done


def test_preview_decides_then_apply_writes_with_history(town):
    _org, admin, member, _viewer, plan = town
    call, deliver = db.session.scalars(select(Task).order_by(Task.plan_position)).all()
    content = csv_of(
        f"{call.id};Enjeux sociaux;Aider;Appeler;En cours;responsable@ville.qc.ca;2026-12-31;1",
        f"{deliver.id};Enjeux sociaux;Aider;Livrer;À faire;;;1",
        ";Enjeux sociaux;Aider;Visiter;Terminé;;31/01/2027;",
    )
    preview = import_plan.preview(db.session, plan_id=plan.id, content=content, kind="csv")
    assert (preview.rows, preview.unchanged, preview.warnings) == (3, 1, [])
    [update] = preview.updates
    assert update.values == {"status": "in_progress", "owner_id": member.id, "due_date": date(2026, 12, 31)}
    [creation] = preview.creations
    assert (creation.title, creation.values["status"]) == ("Visiter", "done")
    assert db.session.scalar(select(Activity.id)) is None  # a preview writes nothing

    done = apply(plan, admin, preview)
    assert (done.updated, done.created) == (1, 1)
    assert (call.status, call.owner_id, call.due_date) == ("in_progress", member.id, date(2026, 12, 31))
    visit = db.session.scalars(select(Task).where(Task.title == "Visiter")).one()
    assert (visit.plan_position, visit.completed_at, visit.due_date) == (2, NOW, date(2027, 1, 31))
    history = db.session.scalars(select(Activity).order_by(Activity.id)).all()
    assert [(a.kind, a.field, a.new_value, a.actor_id, a.created_at) for a in history] == [
        ("field:import", "status", "in_progress", admin.id, NOW),
        ("field:import", "due_date", "2026-12-31", admin.id, NOW),
        ("field:import", "owner_id", str(member.id), admin.id, NOW),
        ("created:import", None, "Visiter", admin.id, NOW),
    ]


def test_every_problem_is_listed_and_nothing_is_written(town):
    _org, _admin, _member, _viewer, plan = town
    call = db.session.scalars(select(Task).order_by(Task.plan_position)).first()
    content = csv_of(
        f"{call.id};Enjeux sociaux;Aider;Appeler;En cours;elu@ville.qc.ca;;1",
        "9999;Enjeux sociaux;Aider;Fantôme;;;;",
        ";Enjeux sociaux;Inconnu;Nouvelle;;;;",
    )
    with pytest.raises(ImportFailed) as failure:
        import_plan.preview(db.session, plan_id=plan.id, content=content, kind="csv")
    assert len(failure.value.problems) == 3
    assert "elu@ville.qc.ca" in failure.value.problems[0]
    assert db.session.scalar(select(Activity.id)) is None


def test_a_word_document_becomes_a_plan_with_one_history_line(town):
    org, admin, member, _viewer, _plan = town
    content = seed_docx(
        owner_cells={0: ["Rémi Responsable", "Service des loisirs"]}, dates={0: "2026-12-01 au 2027-01-31"}
    )
    parsed = parse_docx(content)
    plan = docx_plan.create_plan(
        db.session, actor=admin, org=org, parsed=parsed, now=NOW, title="Plan importé"
    )
    tasks = db.session.scalars(select(Task).where(Task.plan_id == plan.id)).all()
    assert len(tasks) == 145
    first = min(tasks, key=lambda t: (t.objective.theme.position, t.objective.position, t.plan_position))
    assert (first.owner_id, [p.name for p in first.partners]) == (member.id, ["Service des loisirs"])
    assert (first.short_start, first.due_date, first.horizon) == (
        date(2026, 12, 1),
        date(2027, 1, 31),
        "short_medium",
    )
    history = db.session.scalars(select(Activity).where(Activity.plan_id == plan.id)).all()
    assert [(a.kind, a.new_value, a.actor_id, a.created_at) for a in history] == [
        ("plan:import-docx", "Plan importé", admin.id, NOW)
    ]
