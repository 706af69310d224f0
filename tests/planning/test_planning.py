"""Planning the plan: admins add, edit, reorder, archive and restore themes,
objectives and actions, and add measurable targets; every change is in the history."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from tasking.extensions import db
from tasking.models import Activity, OperationalObjective, Plan, Target, Task, Theme


def fresh(model, item_id):
    db.session.expire_all()
    return db.session.get(model, item_id)


def post(client, url, data=None):
    return client.post(url, data=data or {})


def test_editor_page_in_french_for_an_admin(world, client):
    client.login(world.admin.email)
    plan_page = client.get(f"/plans/{world.plan.id}").get_data(as_text=True)
    assert f'href="/plans/{world.plan.id}/edit">Modifier le plan</a>' in plan_page
    assert f'<a class="action-title" href="/tasks/{world.task.id}">Appeler les aînés isolés</a>' in plan_page

    response = client.get(f"/plans/{world.plan.id}/edit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Modifier le plan</h1>" in html
    assert "Enjeux sociaux" in html and "Soutenir les personnes vulnérables" in html
    assert "Ajouter un enjeu" in html and "Ajouter une action" in html and "Ajouter une cible" in html
    assert "Monter : Appeler les aînés isolés".replace(" :", "\u00a0:") in html
    assert "Archiver" in html


def test_plan_page_offers_no_editor_to_others(world, make_client):
    for user in (world.owner, world.viewer, world.regional):
        client = make_client()
        client.login(user.email)
        assert "Modifier le plan" not in client.get(f"/plans/{world.plan.id}").get_data(as_text=True)


def test_add_and_edit_a_theme(world, client):
    client.login(world.admin.email)
    url = f"/plans/{world.plan.id}/edit/themes/new"
    assert "Nouvel enjeu" in client.get(url).get_data(as_text=True)
    response = post(
        client,
        url,
        {
            "title": "Enjeux agricoles",
            "category": "economic",
            "colour": "#7B3FA0",
            "definition": "Les fermes.",
        },
    )
    assert response.status_code == 303
    theme = db.session.scalars(select(Theme).where(Theme.title == "Enjeux agricoles")).one()
    assert response.headers["Location"].endswith(f"/plans/{world.plan.id}/edit#edit-theme-{theme.id}")
    assert (theme.colour, theme.category, theme.number, theme.position) == ("#7b3fa0", "economic", 4, 2)

    response = post(
        client,
        f"/plans/{world.plan.id}/edit/themes/{theme.id}",
        {
            "title": "Enjeux agroalimentaires",
            "category": "economic",
            "colour": "#7b3fa0",
            "definition": "Les fermes.",
        },
    )
    assert response.status_code == 303
    assert fresh(Theme, theme.id).title == "Enjeux agroalimentaires"
    lines = db.session.scalars(select(Activity).order_by(Activity.id)).all()
    assert [(a.kind, a.old_value, a.new_value) for a in lines] == [
        ("theme_added", None, "Enjeux agricoles"),
        ("theme_changed", "Enjeux agricoles", "Enjeux agroalimentaires"),
    ]
    assert all(a.actor_id == world.admin.id and a.plan_id == world.plan.id for a in lines)
    assert "Enjeux agroalimentaires" in client.get(f"/plans/{world.plan.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "", "category": "social", "colour": "#000000"}, "Le titre ne peut pas être vide."),
        ({"title": "X", "category": "social", "colour": "rouge"}, "La couleur s’écrit #rrvvbb."),
        ({"title": "X", "category": "martien", "colour": "#000000"}, "Catégorie inconnue."),
        ({"title": "T" * 301, "category": "social", "colour": "#000000"}, "Le titre est trop long (300"),
    ],
)
def test_refused_theme_input_is_422_and_changes_nothing(world, client, data, message):
    client.login(world.admin.email)
    response = post(client, f"/plans/{world.plan.id}/edit/themes/new", data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Theme.id))) == 1
    assert db.session.scalar(select(func.count(Activity.id))) == 0


def test_add_an_objective_and_an_action(world, client):
    client.login(world.admin.email)
    response = post(
        client,
        f"/plans/{world.plan.id}/edit/themes/{world.theme.id}/objectives/new",
        {"title": "Loger les sinistrés"},
    )
    assert response.status_code == 303
    objective = db.session.scalars(
        select(OperationalObjective).where(OperationalObjective.title == "Loger les sinistrés")
    ).one()
    assert objective.position == 2

    # The new action: last of its objective, at the bottom of "To do".
    todo_bottom = db.session.scalar(select(func.max(Task.board_position)).where(Task.status == "todo"))
    response = post(
        client,
        f"/plans/{world.plan.id}/edit/objectives/{world.objective.id}/actions/new",
        {
            "title": "Ouvrir un centre d’hébergement",
            "description": "Avec la Croix-Rouge",
            "owner_id": str(world.owner.id),
        },
    )
    assert response.status_code == 303
    task = db.session.scalars(select(Task).where(Task.title == "Ouvrir un centre d’hébergement")).one()
    assert (task.status, task.plan_position, task.owner_id, task.plan_id) == (
        "todo",
        3,
        world.owner.id,
        world.plan.id,
    )
    assert task.board_position > todo_bottom
    created = db.session.scalars(select(Activity).where(Activity.task_id == task.id)).one()
    assert created.kind == "created"
    page = client.get(f"/tasks/{task.id}/history", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "a ajouté l’action au plan" in page

    refused = post(
        client,
        f"/plans/{world.plan.id}/edit/objectives/{world.objective.id}/actions/new",
        {"title": "X", "owner_id": str(world.viewer.id)},
    )
    assert refused.status_code == 422 and "ne peut pas être responsable" in refused.get_data(as_text=True)
    # A title too long for a card is refused, not cut.
    refused = post(
        client,
        f"/plans/{world.plan.id}/edit/objectives/{world.objective.id}/actions/new",
        {"title": "x" * 501},
    )
    assert refused.status_code == 422 and "Le titre est trop long (500" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Task.id)).where(Task.title.startswith("xxx"))) == 0


def test_reorder_actions_with_up_and_down(world, client):
    client.login(world.admin.email)
    base = f"/plans/{world.plan.id}/edit/actions"
    response = post(client, f"{base}/{world.other_task.id}/up")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"?focus=actions-{world.other_task.id}-up")
    # Back on the editor, the keyboard focus is on the same item's buttons again
    # (its "up" button is now disabled, so "down").
    editor = client.get(response.headers["Location"]).get_data(as_text=True)
    assert re.search(r'<button autofocus aria-label="Descendre\u00a0: Organiser', editor)
    plan_page = client.get(f"/plans/{world.plan.id}").get_data(as_text=True)
    assert plan_page.index("Organiser la livraison de repas") < plan_page.index("Appeler les aînés isolés")
    moved = db.session.scalars(select(Activity).where(Activity.kind == "plan_moved")).one()
    assert moved.task_id == world.other_task.id
    # Already first: nothing moves; the editor disables the button.
    assert post(client, f"{base}/{world.other_task.id}/up").status_code == 303
    assert fresh(Task, world.other_task.id).plan_position == 1
    editor = client.get(f"/plans/{world.plan.id}/edit").get_data(as_text=True)
    assert re.search(r"<button disabled aria-label=\"Monter\u00a0: Organiser", editor)
    assert post(client, f"{base}/{world.other_task.id}/down").status_code == 303
    assert fresh(Task, world.task.id).plan_position == 1


def test_reorder_themes_and_objectives(world, client):
    client.login(world.admin.email)
    post(
        client,
        f"/plans/{world.plan.id}/edit/themes/new",
        {"title": "Deuxième", "category": "social", "colour": "#000000"},
    )
    second = db.session.scalars(select(Theme).where(Theme.title == "Deuxième")).one()
    assert post(client, f"/plans/{world.plan.id}/edit/themes/{second.id}/up").status_code == 303
    assert [t.title for t in fresh(Plan, world.plan.id).themes] == ["Deuxième", "Enjeux sociaux"]

    post(
        client,
        f"/plans/{world.plan.id}/edit/themes/{world.theme.id}/objectives/new",
        {"title": "Deuxième objectif"},
    )
    objective = db.session.scalars(
        select(OperationalObjective).where(OperationalObjective.title == "Deuxième objectif")
    ).one()
    assert post(client, f"/plans/{world.plan.id}/edit/objectives/{objective.id}/up").status_code == 303
    assert [o.title for o in fresh(Theme, world.theme.id).objectives][0] == "Deuxième objectif"


def test_archive_and_restore_an_action(world, client):
    client.login(world.admin.email)
    url = f"/plans/{world.plan.id}/edit/actions/{world.task.id}"
    assert post(client, f"{url}/archive").status_code == 303
    assert fresh(Task, world.task.id).archived_at is not None
    plan_page = client.get(f"/plans/{world.plan.id}").get_data(as_text=True)
    assert "Appeler les aînés isolés" not in plan_page
    assert client.get(f"/tasks/{world.task.id}").status_code == 404
    editor = client.get(f"/plans/{world.plan.id}/edit").get_data(as_text=True)
    assert "Restaurer" in editor and "Archivé" in editor
    assert post(client, f"{url}/archive").status_code == 422  # already archived: said, not crashed

    assert post(client, f"{url}/restore").status_code == 303
    assert fresh(Task, world.task.id).archived_at is None
    page = client.get(f"/tasks/{world.task.id}/history", headers={"HX-Request": "true"}).get_data(
        as_text=True
    )
    assert "a archivé l’action" in page and "a restauré l’action" in page


def test_archiving_an_objective_hides_its_actions_and_restoring_brings_back_only_those(world, client, clock):
    client.login(world.admin.email)
    plan = world.plan.id
    post(client, f"/plans/{plan}/edit/actions/{world.other_task.id}/archive")  # archived on its own, earlier
    clock.advance(minutes=5)
    assert post(client, f"/plans/{plan}/edit/objectives/{world.objective.id}/archive").status_code == 303
    assert fresh(OperationalObjective, world.objective.id).archived_at is not None
    assert fresh(Task, world.task.id).archived_at is not None
    # An action cannot come back while its objective is archived.
    refused = post(client, f"/plans/{plan}/edit/actions/{world.task.id}/restore")
    assert refused.status_code == 422 and "Restaurez d’abord son objectif." in refused.get_data(as_text=True)

    assert post(client, f"/plans/{plan}/edit/objectives/{world.objective.id}/restore").status_code == 303
    assert fresh(Task, world.task.id).archived_at is None
    assert fresh(Task, world.other_task.id).archived_at is not None


def test_archiving_a_theme_hides_everything_under_it(world, client):
    client.login(world.admin.email)
    plan = world.plan.id
    assert post(client, f"/plans/{plan}/edit/themes/{world.theme.id}/archive").status_code == 303
    page = client.get(f"/plans/{plan}").get_data(as_text=True)
    assert f'id="theme-{world.theme.id}"' not in page and "Appeler les aînés isolés" not in page
    assert db.session.scalar(select(func.count(Task.id)).where(Task.archived_at.is_(None))) == 0
    assert post(client, f"/plans/{plan}/edit/themes/{world.theme.id}/restore").status_code == 303
    assert db.session.scalar(select(func.count(Task.id)).where(Task.archived_at.is_(None))) == 2
    assert "Appeler les aînés isolés" in client.get(f"/plans/{plan}").get_data(as_text=True)
    kinds = db.session.scalars(select(Activity.kind).order_by(Activity.id)).all()
    assert kinds.count("theme_archived") == 1 and kinds.count("objective_archived") == 1
    assert kinds.count("archived") == 2 and kinds.count("restored") == 2


def test_a_target_with_an_impossible_figure_or_a_long_unit_is_refused(world, client):
    client.login(world.admin.email)
    url = f"/plans/{world.plan.id}/edit/objectives/{world.objective.id}/targets/new"
    for data, message in (
        ({"text": "Cible", "baseline": "1e300", "direction": "up"}, "trop grand"),
        ({"text": "Cible", "target_value": "9" * 13, "direction": "up"}, "trop grand"),
        ({"text": "Cible", "unit": "u" * 41, "direction": "up"}, "40 caractères au plus"),
    ):
        response = post(client, url, data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalars(select(Target).where(Target.text == "Cible")).first() is None


def test_add_a_measurable_target_and_edit_it(world, client):
    client.login(world.admin.email)
    response = post(
        client,
        f"/plans/{world.plan.id}/edit/objectives/{world.objective.id}/targets/new",
        {
            "text": "Réduire l’attente à 2 jours",
            "unit": "jours",
            "baseline": "12,5",
            "target_value": "2",
            "direction": "down",
        },
    )
    assert response.status_code == 303
    target = db.session.scalars(select(Target).where(Target.text == "Réduire l’attente à 2 jours")).one()
    assert (target.unit, target.baseline, target.target_value, target.direction) == (
        "jours",
        12.5,
        2.0,
        "down",
    )
    assert target.is_measurable and target.position == 2

    page = client.get(f"/tasks/{world.task.id}").get_data(as_text=True)
    assert "Réduire l’attente à 2 jours" in page
    # The target's figures show when it is opened to add a measurement.
    opened = client.get(f"/tasks/{world.task.id}/targets/{target.id}/measurements").get_data(as_text=True)
    assert "plus bas, c’est mieux" in opened

    response = post(
        client,
        f"/plans/{world.plan.id}/edit/targets/{target.id}",
        {
            "text": "Réduire l’attente à 3 jours",
            "unit": "jours",
            "baseline": "12,5",
            "target_value": "3",
            "direction": "down",
        },
    )
    assert response.status_code == 303
    assert fresh(Target, target.id).target_value == 3.0
    refused = post(
        client,
        f"/plans/{world.plan.id}/edit/targets/{target.id}",
        {"text": "x", "target_value": "beaucoup", "direction": "up"},
    )
    assert refused.status_code == 422 and "n’est pas un nombre" in refused.get_data(as_text=True)
    assert fresh(Target, target.id).text == "Réduire l’attente à 3 jours"
