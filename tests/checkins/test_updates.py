"""The update page: from the e-mailed link without a password, only for the
link's person; every answer saved in one transaction or none; conflicts
shown, not overwritten; the rules on notes and dates; signed in too."""

from __future__ import annotations

import re
from datetime import date

from tasking.extensions import db
from tasking.models import Activity, CheckinAnswer, Task
from tasking.tasks.editing import update_task

from .conftest import AFTER_CLOSE, at, link_of, open_round

NBSP = "\u00a0"


def _csrf(response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def _opened(cli, clock, smtp_server, web, address="responsable@ville-a.ca"):
    """Open the round, deliver, follow the owner's link: (link, page)."""
    open_round(cli, clock)
    cli("outbox", "send")
    [mail] = smtp_server.by_recipient(address)
    clock.set(at("2026-11-24T10:00:00-05:00"))
    link = link_of(mail)
    return link, web.get(link)


def _form(page, *tasks, **fields) -> dict:
    data = {"csrf_token": _csrf(page), "task": [t.id for t in tasks]}
    data.update({f"version-{t.id}": t.version for t in tasks})
    data.update(fields)
    return data


def test_link_opens_the_page_without_password_for_that_person_only(
    world, actions, cli, clock, smtp_server, web
):
    link, page = _opened(cli, clock, smtp_server, web)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Mes mises à jour" in html and "Rémi Responsable" in html
    assert "Inventaire des besoins" in html and "Plan de communication" in html
    assert html.index("Inventaire des besoins") < html.index("Plan de communication")  # late first
    assert "Banque alimentaire" not in html and "Tâche terminée" not in html
    # Nobody is signed in: the rest of the app still asks for a password.
    assert web.get("/me/updates").status_code == 302


def test_another_persons_action_is_refused(world, actions, cli, clock, smtp_server, web):
    link, page = _opened(cli, clock, smtp_server, web)
    theirs = actions["helper"]
    data = _form(page, actions["late"], theirs)
    data.update({f"health-{actions['late'].id}": "on_track", f"health-{theirs.id}": "done"})
    response = web.post(link, data=data)
    assert response.status_code == 403
    assert "vos propres actions" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.query(CheckinAnswer).count() == 0
    assert db.session.get(Task, theirs.id).status == "todo"


def test_expired_or_tampered_links_are_refused(world, actions, cli, clock, smtp_server, web):
    link, page = _opened(cli, clock, smtp_server, web)
    tampered = link[:-3] + ("abc" if not link.endswith("abc") else "xyz")
    response = web.get(tampered)
    assert response.status_code == 400 and "Ce lien n’est pas valide." in response.get_data(as_text=True)
    clock.set(at(AFTER_CLOSE))
    response = web.get(link)
    assert response.status_code == 400
    assert "Cette tournée de mises à jour est close." in response.get_data(as_text=True)
    clock.advance(days=10)
    response = web.get(link)
    assert response.status_code == 400 and "Ce lien est expiré." in response.get_data(as_text=True)
    assert db.session.query(CheckinAnswer).count() == 0


def test_one_bad_answer_saves_nothing_then_all_are_saved(world, actions, cli, clock, smtp_server, web):
    link, page = _opened(cli, clock, smtp_server, web)
    late, later = actions["late"], actions["later"]
    data = _form(page, late, later)
    data.update({f"health-{late.id}": "blocked", f"note-{late.id}": "Attente du CIUSSS"})
    data.update({f"health-{later.id}": "at_risk", f"due-{later.id}": "2027-01-15"})
    response = web.post(link, data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Rien n’a été enregistré" in html
    assert "une note est requise" in html and "Pourquoi la date change" in html
    assert "Attente du CIUSSS" in html  # what was typed is kept
    db.session.expire_all()
    assert db.session.query(CheckinAnswer).count() == 0
    assert db.session.get(Task, late.id).status == "todo"

    data.update({f"note-{later.id}": "Fournisseur en retard", f"reason-{later.id}": "Budget reporté"})
    response = web.post(link, data=data)
    assert response.status_code == 303
    db.session.expire_all()
    blocked, moved = db.session.get(Task, late.id), db.session.get(Task, later.id)
    assert (blocked.status, blocked.blocked_reason) == ("blocked", "Attente du CIUSSS")
    assert moved.due_date == date(2027, 1, 15)
    answers = db.session.query(CheckinAnswer).order_by(CheckinAnswer.task_id).all()
    assert [(a.task_id, a.health, a.round_id is not None) for a in answers] == [
        (later.id, "at_risk", True),
        (late.id, "blocked", True),
    ]
    history = {(a.task_id, a.kind, a.field) for a in db.session.query(Activity)}
    assert (late.id, "checkin", "health") in history and (late.id, "field:checkin", "status") in history
    assert (later.id, "field:checkin", "due_date") in history
    # The task page shows the latest check-in.
    web.login("responsable@ville-a.ca")
    html = web.get(f"/tasks/{late.id}").get_data(as_text=True)
    assert "Dernière mise à jour" in html and "Attente du CIUSSS" in html and ">Bloquée<" in html


def test_a_conflict_with_an_edit_on_the_board_is_shown_not_overwritten(
    world, actions, cli, clock, smtp_server, web
):
    link, page = _opened(cli, clock, smtp_server, web)
    late = actions["late"]
    data = _form(page, late)
    # Meanwhile the coordinator moves the card on the board.
    update_task(
        db.session,
        actor=world.admin,
        task=db.session.get(Task, late.id),
        changes={"status": "in_progress"},
        version=late.version,
        now=at("2026-11-24T10:05:00-05:00"),
    )
    db.session.commit()
    data.update({f"health-{late.id}": "done"})
    response = web.post(link, data=data)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Quelqu’un a modifié cette action" in html and "Claire Coordination" in html
    db.session.expire_all()
    assert db.session.get(Task, late.id).status == "in_progress"
    assert db.session.query(CheckinAnswer).count() == 0
    # Sent again from the refreshed form (current version), it is saved.
    data[f"version-{late.id}"] = re.search(rf'name="version-{late.id}" value="(\d+)"', html).group(1)
    assert web.post(link, data=data).status_code == 303
    db.session.expire_all()
    assert db.session.get(Task, late.id).status == "done"


def test_rules_on_notes_dates_and_nothing_new(world, actions, cli, clock, smtp_server, web):
    link, page = _opened(cli, clock, smtp_server, web)
    late, later = actions["late"], actions["later"]
    cases = [
        ({f"health-{late.id}": "late"}, "une note est requise"),
        (
            {f"health-{late.id}": "on_track", f"due-{late.id}": "2026-11-01", f"reason-{late.id}": "x"},
            "passé",
        ),
        ({f"health-{late.id}": "bof"}, "État inconnu."),
        ({f"note-{late.id}": "Avance bien"}, "Indiquez où en est l’action."),
        ({f"nothing-{late.id}": "1", f"note-{late.id}": "Avance"}, "pas les deux"),
        ({}, "Rien à enregistrer"),
    ]
    for fields, sentence in cases:
        response = web.post(link, data=_form(page, late, later, **fields))
        assert response.status_code == 422, fields
        assert sentence in response.get_data(as_text=True), fields
    assert db.session.query(CheckinAnswer).count() == 0

    # « Rien de nouveau » for all, except one action given an update.
    data = _form(page, late, later, nothing_all="1", **{f"health-{later.id}": "on_track"})
    assert web.post(link, data=data).status_code == 303
    answers = {a.task_id: a for a in db.session.query(CheckinAnswer)}
    assert answers[late.id].nothing_new and answers[late.id].health is None
    assert not answers[later.id].nothing_new and answers[later.id].health == "on_track"


def test_signed_in_page_is_my_updates(world, actions, cli, clock, smtp_server, web):
    open_round(cli, clock)
    web.login("aide@ville-a.ca")
    page = web.get("/me/updates")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Banque alimentaire" in html and "Inventaire" not in html
    helper = actions["helper"]
    response = web.post(
        "/me/updates",
        data=_form(page, helper, **{f"health-{helper.id}": "on_track"}),
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "Votre mise à jour est enregistrée (1 action)." in response.get_data(as_text=True)
    assert db.session.query(CheckinAnswer).one().round_id is not None
