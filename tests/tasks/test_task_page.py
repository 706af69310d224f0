"""The task page: what a French user reads, in-place edits (htmx fragment and
plain form), validation, history and targets."""

from __future__ import annotations

import re
from datetime import date, timedelta

from tasking.core.clock import local_today, now
from tasking.extensions import db
from tasking.models import Activity, Measurement, Task, User
from tests.conftest import app_now

HX = {"HX-Request": "true"}


def reload(task: Task) -> Task:
    db.session.expire_all()
    return db.session.get(Task, task.id)


def version_in(html: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', html).group(1))


def test_page_reads_in_french(world, client):
    client.login(world.owner.email)
    response = client.get(f"/tasks/{world.task.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Appeler les aînés isolés" in html
    assert "Enjeux sociaux" in html and "Soutenir les personnes vulnérables" in html
    assert "Responsable" in html and "Luc Gagnon" in html
    assert "Sophie Roy" in html  # collaborator
    assert "15 déc. 2026" in html  # due date, Québec style
    assert "Court et moyen terme" in html
    assert "À faire" in html
    assert "<strong>CIUSSS</strong>" in html  # description Markdown
    assert "Joindre 80 % des aînés isolés" in html
    assert "Historique" in html and "Commentaires" in html
    assert "HX-Request" in response.headers["Vary"]


def test_an_ended_session_gets_the_sign_in_page_not_the_task(world, client, make_client):
    """The page's reads go with its reader's statement (tasking/core/batches.py):
    a copy of a session signed out since, or the session of a person
    deactivated since, still sees nothing of the task."""
    url = f"/tasks/{world.task.id}"
    owner, viewer = make_client(), make_client()
    owner.login(world.owner.email)
    viewer.login(world.viewer.email)
    copy = make_client()
    copy.set_cookie("session", owner.get_cookie("session").value)
    assert "Appeler les aînés isolés" in copy.get(url).get_data(as_text=True)

    owner.post("/logout")
    db.session.get(User, world.viewer.id).active = False
    db.session.commit()

    for ended in (copy, viewer):
        refused = ended.get(url)
        assert refused.status_code == 302 and refused.location.startswith("/login")
        assert "Appeler les aînés isolés" not in refused.get_data(as_text=True)


def test_htmx_gets_the_self_contained_fragment(world, client):
    client.login(world.viewer.email)
    html = client.get(f"/tasks/{world.task.id}", headers=HX).get_data(as_text=True)
    assert html.lstrip().startswith(f'<article id="task-panel-{world.task.id}"')
    assert "<html" not in html
    assert "Modifier" not in html  # a viewer gets no edit control
    assert "Ajouter un commentaire" not in html


def test_edit_title_in_place(world, client):
    client.login(world.owner.email)
    task_id = world.task.id
    form = client.get(f"/tasks/{task_id}/edit/title", headers=HX).get_data(as_text=True)
    assert form.lstrip().startswith(f'<form id="task-{task_id}-title"')
    assert 'name="version" value="1"' in form
    assert 'value="Appeler les aînés isolés"' in form

    response = client.post(
        f"/tasks/{task_id}/edit/title", data={"title": "Appeler chaque aîné", "version": "1"}, headers=HX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<div id="task-{task_id}-title"')
    assert "Appeler chaque aîné" in html
    # The new version rides along for every open form, and the history is refreshed.
    assert f'value="2" class="task-version-{task_id}" hx-swap-oob="outerHTML:.task-version-{task_id}"' in html
    assert f'id="task-history-{task_id}" class="task-history" hx-swap-oob="true"' in html
    assert "Appeler les aînés isolés" in html and "→" in html
    assert "task-changed" in response.headers["HX-Trigger"]
    assert reload(world.task).title == "Appeler chaque aîné"


def test_each_group_saves_through_htmx(world, client):
    client.login(world.admin.email)
    task_id = world.task.id
    posts = [
        ("description", {"description": "Nouvelle *description*"}),
        ("owner", {"owner_id": str(world.member.id)}),
        ("collaborators", {"collaborators": [str(world.collaborator.id), str(world.owner.id)]}),
        ("partners", {"partners": "CIUSSS\nCentre d’action bénévole\n"}),
        ("horizon", {"horizon": "long", "level": "G"}),
        ("dates", {"short_start": "2026-12-01", "short_end": "2027-01-31", "due_date": "2027-02-01"}),
        ("status", {"status": "blocked", "blocked_reason": "En attente du CIUSSS"}),
    ]
    version = 1
    for group, data in posts:
        response = client.post(
            f"/tasks/{task_id}/edit/{group}", data={**data, "version": version}, headers=HX
        )
        assert response.status_code == 200, (group, response.get_data(as_text=True)[:400])
        version += 1
    task = reload(world.task)
    assert task.description == "Nouvelle *description*"
    assert task.owner_id == world.member.id
    assert {u.id for u in task.collaborators} == {world.collaborator.id, world.owner.id}
    assert [p.name for p in task.partners] == ["CIUSSS", "Centre d’action bénévole"]
    assert (task.horizon, task.level) == ("long", "G")
    assert task.short_end.isoformat() == "2027-01-31" and task.due_date.isoformat() == "2027-02-01"
    assert (task.status, task.blocked_reason) == ("blocked", "En attente du CIUSSS")
    assert task.version == version

    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Bloqué" in html and "En attente du CIUSSS" in html
    assert "Du 1 déc. 2026 au 31 janv. 2027" in html
    assert "Long terme" in html and "Gestionnaires (G)" in html
    assert "Centre d’action bénévole" in html


def test_without_javascript_the_same_forms_post_and_redirect(world, client):
    client.login(world.owner.email)
    task_id = world.task.id
    page = client.get(f"/tasks/{task_id}/edit/title")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html
    assert f'<form id="task-{task_id}-title"' in html and 'name="csrf_token"' in html

    response = client.post(f"/tasks/{task_id}/edit/title", data={"title": "Sans JavaScript", "version": "1"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/tasks/{task_id}#task-{task_id}-title")
    assert reload(world.task).title == "Sans JavaScript"


def test_status_control_is_a_plain_form_for_a_collaborator(world, client):
    client.login(world.collaborator.email)
    task_id = world.task.id
    html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert f'action="/tasks/{task_id}/edit/status"' in html
    assert "Changer le statut" in html
    assert f"/tasks/{task_id}/edit/title" not in html  # collaborators do not edit the title
    response = client.post(f"/tasks/{task_id}/edit/status", data={"status": "in_progress", "version": "1"})
    assert response.status_code == 303
    assert reload(world.task).status == "in_progress"


def test_refused_input_answers_422_and_changes_nothing(world, client):
    client.login(world.owner.email)
    task_id = world.task.id
    cases = [
        ("title", {"title": "   "}, "Le titre ne peut pas être vide."),
        ("dates", {"due_date": "2026-13-45"}, "n’est pas une date"),
        (
            "dates",
            {"short_start": "2027-02-01", "short_end": "2027-01-01"},
            "La date de fin précède la date de début.",
        ),
        ("owner", {"owner_id": str(world.viewer.id)}, "ne peut pas être responsable"),
        ("collaborators", {"collaborators": [str(world.stranger.id)]}, "Seuls les membres"),
    ]
    for group, data, message in cases:
        response = client.post(f"/tasks/{task_id}/edit/{group}", data={**data, "version": "1"}, headers=HX)
        html = response.get_data(as_text=True)
        assert response.status_code == 422, group
        assert message in html, (group, html[:600])
        assert html.lstrip().startswith(f'<form id="task-{task_id}-{group}"')
        assert 'aria-invalid="true"' in html or 'role="alert"' in html
    # The full-page form shows the same message.
    response = client.post(f"/tasks/{task_id}/edit/title", data={"title": "", "version": "1"})
    assert response.status_code == 422 and "Le titre ne peut pas être vide." in response.get_data(
        as_text=True
    )
    task = reload(world.task)
    assert task.version == 1 and task.title == "Appeler les aînés isolés"
    assert db.session.query(Activity).count() == 0


def test_missing_version_is_refused(world, client):
    client.login(world.owner.email)
    response = client.post(f"/tasks/{world.task.id}/edit/title", data={"title": "X"}, headers=HX)
    assert response.status_code == 422
    assert reload(world.task).title == "Appeler les aînés isolés"


def test_history_shows_old_and_new_values_in_words(world, client):
    client.login(world.admin.email)
    task_id = world.task.id
    client.post(f"/tasks/{task_id}/edit/status", data={"status": "in_progress", "version": "1"})
    client.post(f"/tasks/{task_id}/edit/owner", data={"owner_id": str(world.member.id), "version": "2"})
    client.post(f"/tasks/{task_id}/edit/dates", data={"due_date": "2026-11-25", "version": "3"})
    html = client.get(f"/tasks/{task_id}/history", headers=HX).get_data(as_text=True)
    history = html[html.index(f'id="task-history-{task_id}"') :]
    assert "Marie Tremblay" in history
    assert re.search(
        r"Statut</em>\s*:\s*<span class=\"old\">À faire</span> → <span class=\"new\">En cours</span>", history
    )
    assert re.search(r"Luc Gagnon</span> → <span class=\"new\">Anne Autre</span>", history)
    assert re.search(r"15 déc. 2026</span> → <span class=\"new\">25 nov. 2026</span>", history)
    assert "owner_id" not in history and "in_progress" not in history


def test_add_a_measurement(world, client):
    client.login(world.collaborator.email)
    task_id, target_id = world.task.id, world.target.id
    response = client.post(
        f"/tasks/{task_id}/targets/{target_id}/measurements",
        data={"value": "42,5", "measured_on": "2026-11-20", "note": "Premier bilan"},
        headers=HX,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<section id="task-targets-{task_id}"')
    assert "42,5 %" in html and "20 nov. 2026" in html and "Sophie Roy" in html and "Premier bilan" in html

    bad = client.post(
        f"/tasks/{task_id}/targets/{target_id}/measurements",
        data={"value": "beaucoup", "measured_on": "2026-11-20"},
    )
    assert bad.status_code == 422 and "n’est pas un nombre" in bad.get_data(as_text=True)
    assert db.session.query(Measurement).count() == 1


def test_the_pages_dates_follow_the_readers_language(world, client):
    # Dates are formatted once for the process: each language keeps its own.
    client.login(world.collaborator.email)
    task_id, target_id = world.task.id, world.target.id
    client.post(
        f"/tasks/{task_id}/targets/{target_id}/measurements",
        data={"value": "42,5", "measured_on": "2026-11-20"},
        headers=HX,
    )
    for locale, due, measured in (
        ("fr_CA", "15 déc. 2026", "20 nov. 2026"),
        ("en_CA", "Dec 15, 2026", "Nov 20, 2026"),
        ("fr_CA", "15 déc. 2026", "20 nov. 2026"),
    ):
        client.post("/language", data={"locale": locale, "next": "/"})
        html = client.get(f"/tasks/{task_id}").get_data(as_text=True)
        assert due in html and measured in html, locale


def test_measurements_that_cannot_be_true_are_refused(world, client):
    client.login(world.collaborator.email)
    url = f"/tasks/{world.task.id}/targets/{world.target.id}/measurements"
    # Tomorrow in Montréal, whatever the hour in UTC.
    tomorrow = (local_today(now(), "America/Montreal") + timedelta(days=1)).isoformat()
    for data, message in (
        ({"value": "123456789012345678901234567890", "measured_on": "2026-11-20"}, "trop grand"),
        ({"value": "1e300", "measured_on": "2026-11-20"}, "trop grand"),
        ({"value": "12", "measured_on": tomorrow}, "dans le futur"),
        ({"value": "12", "measured_on": ""}, "Indiquez la date de la mesure"),
        ({"value": "12", "measured_on": "1900-01-01"}, "avant le 1 janv. 2000"),
        ({"value": "", "measured_on": "2026-11-20"}, "Indiquez la valeur mesurée"),
    ):
        response = client.post(url, data=data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True).replace("\u00a0", " "), data
    assert db.session.query(Measurement).count() == 0
    assert client.get(f"/tasks/{world.task.id}").status_code == 200


def test_a_huge_figure_stored_before_the_checks_still_displays(world, client):
    from tasking.models import Target

    target = db.session.get(Target, world.target.id)
    target.baseline, target.target_value = 1e300, 1e301
    db.session.add(
        Measurement(
            created_at=app_now(), target=target, value=1e29, measured_on=date(2026, 11, 1), author=world.admin
        )
    )
    db.session.commit()
    client.login(world.admin.email)
    for url in (f"/tasks/{world.task.id}", f"/plans/{world.plan.id}", f"/plans/{world.plan.id}/indicators"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "1e+29" in client.get(f"/tasks/{world.task.id}").get_data(as_text=True)


def test_measurement_on_a_target_of_another_objective_is_404(world, client, make):
    from tasking.models import OperationalObjective, Target

    other = OperationalObjective(theme_id=world.theme.id, title="Autre", position=2)
    db.session.add(other)
    db.session.flush()
    target = Target(objective_id=other.id, text="Autre cible", position=1)
    db.session.add(target)
    db.session.commit()
    client.login(world.admin.email)
    response = client.post(
        f"/tasks/{world.task.id}/targets/{target.id}/measurements",
        data={"value": "1", "measured_on": "2026-11-20"},
    )
    assert response.status_code == 404


def test_unknown_group_is_404(world, client):
    client.login(world.admin.email)
    assert client.get(f"/tasks/{world.task.id}/edit/plan_id").status_code == 404
    assert client.post(f"/tasks/{world.task.id}/edit/version", data={"version": "1"}).status_code == 404


def test_page_queries_do_not_grow_with_comments_and_history(world, client, count_queries):
    client.login(world.admin.email)
    task_id = world.task.id

    def page_queries() -> int:
        with count_queries() as counter:
            assert client.get(f"/tasks/{task_id}").status_code == 200
        return counter.count

    def add_round(n: int) -> None:
        client.post(f"/tasks/{task_id}/comments", data={"body": f"Commentaire {n} @responsable"})
        client.post(f"/tasks/{task_id}/edit/title", data={"title": f"Titre {n}", "version": str(n + 1)})
        client.post(
            f"/tasks/{task_id}/targets/{world.target.id}/measurements",
            data={"value": str(n), "measured_on": "2026-11-20"},
        )

    add_round(0)
    first = page_queries()
    for n in range(1, 6):
        add_round(n)
    assert page_queries() == first


def test_history_lines_from_other_channels_read_in_words(world, client):
    from tests.factories import NOW

    for kind, field, old, new in (
        ("created:import", None, None, "Appeler les aînés isolés"),
        ("field:email", "status", "todo", "done"),
        ("postponed", None, None, None),
    ):
        db.session.add(
            Activity(
                organisation_id=world.plan.organisation_id,
                plan_id=world.plan.id,
                task_id=world.task.id,
                actor_id=world.owner.id,
                kind=kind,
                field=field,
                old_value=old,
                new_value=new,
                created_at=NOW,
            )
        )
    db.session.commit()
    client.login(world.viewer.email)
    html = client.get(f"/tasks/{world.task.id}/history", headers=HX).get_data(as_text=True)
    history = html[html.index(f'id="task-history-{world.task.id}"') :]
    assert "a ajouté l’action au plan" in history
    assert '<span class="old">À faire</span> → <span class="new">Terminé</span>' in history
    assert "a modifié l’action" in history
    assert "postponed" not in history and "created:import" not in history


def test_page_queries_do_not_grow_with_the_plan(world, client, count_queries):
    """Same number of statements with 2 or 500 actions in the plan (and the objective)."""
    client.login(world.admin.email)

    def page_queries() -> int:
        with count_queries() as counter:
            assert client.get(f"/tasks/{world.task.id}").status_code == 200
        return counter.count

    small = page_queries()
    db.session.add_all(
        Task(
            created_at=app_now(),
            updated_at=app_now(),
            plan_id=world.plan.id,
            objective_id=world.objective.id,
            title=f"Action {n}",
            owner_id=world.member.id,
            board_position=float(n),
            plan_position=n + 3,
        )
        for n in range(498)
    )
    db.session.commit()
    assert db.session.query(Task).count() == 500
    assert page_queries() == small, small


def test_a_field_left_out_of_the_post_is_left_as_it_is(world, client):
    client.login(world.owner.email)
    response = client.post(
        f"/tasks/{world.task.id}/edit/dates", data={"short_start": "2026-12-01", "version": "1"}
    )
    assert response.status_code == 303
    task = reload(world.task)
    assert task.short_start.isoformat() == "2026-12-01"
    assert task.due_date.isoformat() == "2026-12-15"  # not cleared


def test_a_title_over_500_characters_or_a_huge_description_is_refused_not_cut(world, client):
    client.login(world.owner.email)
    task_id = world.task.id
    long_title = "x" * 501
    response = client.post(
        f"/tasks/{task_id}/edit/title", data={"title": long_title, "version": "1"}, headers=HX
    )
    assert response.status_code == 422
    assert "Le titre est trop long (500\u00a0caractères au plus)." in response.get_data(as_text=True)
    response = client.post(
        f"/tasks/{task_id}/edit/description", data={"description": "y" * 20_001, "version": "1"}, headers=HX
    )
    assert response.status_code == 422
    assert "Ce texte est trop long (20\u00a0000\u00a0caractères au plus)." in response.get_data(as_text=True)
    db.session.expire_all()
    task = db.session.get(Task, task_id)
    assert (task.title, task.description, task.version) == (
        "Appeler les aînés isolés",
        "Faire la liste avec le **CIUSSS**.",
        1,
    )
    # 500 characters are fine, kept whole.
    ok = client.post(f"/tasks/{task_id}/edit/title", data={"title": "z" * 500, "version": "1"}, headers=HX)
    assert ok.status_code == 200
    db.session.expire_all()
    assert db.session.get(Task, task_id).title == "z" * 500
