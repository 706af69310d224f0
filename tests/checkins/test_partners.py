"""Partners without accounts: a contact e-mail on a task's partner gets the
round's e-mail (one per address), a page for its actions only, where its
opinion is kept without changing the action; an administrator revokes it."""

from __future__ import annotations

import re

from sqlalchemy import select

from tasking.core.clock import now
from tasking.extensions import db
from tasking.models import Activity, CheckinAnswer, CheckinMessage, PartnerContact, Task
from tasking.tasks.editing import set_partners

from .conftest import at, open_round

PARTNER_LINK = re.compile(r"http://retablir\.test(/checkins/p/[A-Za-z0-9._-]+)")
MARIE = "marie@ciusss.qc.ca"
NEXT_WEEK = "2026-12-01T08:00:00-05:00"


def _csrf(response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def _partners(world, actions):
    """The CIUSSS (Marie) partners on both of the owner's actions; a group without e-mail on the helper's."""
    for key in ("late", "later"):
        task = db.session.get(Task, actions[key].id)
        set_partners(
            db.session,
            actor=world.admin,
            task=task,
            names=[f"CIUSSS de l’Estrie <{MARIE.upper()}>"],
            version=None,
            now=now(),
        )
    set_partners(
        db.session,
        actor=world.admin,
        task=db.session.get(Task, actions["helper"].id),
        names=["Comptoir alimentaire"],
        version=None,
        now=now(),
    )
    db.session.commit()


def _partner_link(cli, clock, smtp_server, instant=None):
    if instant:
        open_round(cli, clock, instant)
    else:
        open_round(cli, clock)
    cli("outbox", "send")
    mails = smtp_server.by_recipient(MARIE)
    return mails, [PARTNER_LINK.search(m.get_body(("plain",)).get_content()).group(1) for m in mails]


def test_a_partner_gets_one_email_and_a_page_for_its_actions_only(
    world, actions, cli, clock, smtp_server, web, mail_app
):
    _partners(world, actions)
    mails, [link] = _partner_link(cli, clock, smtp_server)
    body = mails[0].get_body(("plain",)).get_content()
    assert "Votre mise à jour de la semaine" in mails[0]["Subject"] and "Ville A" in mails[0]["Subject"]
    assert "Inventaire des besoins" in body and "Plan de communication" in body
    assert "Banque alimentaire" not in body
    # The owners got theirs as before: the partner's is one more, to its address only.
    assert len(smtp_server.by_recipient("responsable@ville-a.ca")) == 1

    clock.set(at("2026-11-24T10:00:00-05:00"))
    page = web.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Inventaire des besoins" in html and "Plan de communication" in html
    assert "Banque alimentaire" not in html and "Tâche terminée" not in html
    # Nothing of the app: no owners' names or e-mails, no menu, no dates or statuses to change.
    assert "responsable@ville-a.ca" not in html and "Rémi Responsable" not in html
    assert 'class="mainnav"' not in html and "/tasks/" not in html and 'name="due-' not in html

    late, later, theirs = actions["late"], actions["later"], actions["helper"]
    other = web.post(
        link,
        data={"csrf_token": _csrf(page), "task": [late.id, theirs.id], f"health-{theirs.id}": "late"},
    )
    assert other.status_code == 403
    refused = web.post(
        link, data={"csrf_token": _csrf(page), "task": [late.id, later.id], f"health-{late.id}": "at_risk"}
    )
    assert refused.status_code == 422 and "une note est requise" in refused.get_data(as_text=True)
    assert db.session.scalar(select(CheckinAnswer.id)) is None

    saved = web.post(
        link,
        data={
            "csrf_token": _csrf(page),
            "task": [late.id, later.id],
            f"health-{late.id}": "blocked",
            f"note-{late.id}": "Nous attendons la liste des bénévoles.",
            # A status or a date posted anyway changes nothing.
            f"due-{later.id}": "2027-03-01",
            "status": "done",
        },
    )
    assert saved.status_code == 200 and "Votre avis est enregistré (1 action)" in saved.get_data(as_text=True)
    db.session.expire_all()
    [answer] = db.session.scalars(select(CheckinAnswer)).all()
    assert (answer.task_id, answer.user_id, answer.health) == (late.id, None, "blocked")
    assert answer.partner_contact.email == MARIE
    task = db.session.get(Task, late.id)
    assert (task.status, task.blocked_reason) == ("todo", "")
    assert db.session.get(Task, later.id).due_date == later.due_date
    line = db.session.scalar(select(Activity).where(Activity.kind == "checkin:partner"))
    assert line.actor_id is None and line.actor_label == "CIUSSS de l’Estrie (partenaire)"

    coordinator = mail_app.test_client()
    coordinator.login("coordination@ville-a.ca")
    task_page = coordinator.get(f"/tasks/{late.id}").get_data(as_text=True)
    assert "Avis des partenaires" in task_page and "Nous attendons la liste des bénévoles." in task_page
    assert "CIUSSS de l’Estrie (partenaire)" in task_page
    overview = coordinator.get(f"/admin/orgs/{world.org.id}/checkins").get_data(as_text=True)
    assert "1 contacts partenaires sur 1 ont répondu" in overview.replace("\u00a0", " ")
    # The owners' count is unchanged by the partner's answer.
    assert "0 personnes sur 2 ont répondu" in overview


def test_a_revoked_contact_is_refused_and_not_emailed_again(
    world, actions, cli, clock, smtp_server, web, mail_app
):
    _partners(world, actions)
    _mails, [link] = _partner_link(cli, clock, smtp_server)
    clock.set(at("2026-11-24T10:00:00-05:00"))
    assert web.get(link).status_code == 200

    admin = mail_app.test_client()
    admin.login("coordination@ville-a.ca")
    listing = admin.get(f"/admin/orgs/{world.org.id}/partners").get_data(as_text=True)
    assert MARIE in listing and "CIUSSS de l’Estrie" in listing
    contact = db.session.scalar(select(PartnerContact))
    assert admin.post(f"/admin/orgs/{world.org.id}/partners/{contact.id}/revoke").status_code == 303

    response = web.get(link)
    assert response.status_code == 400 and "Ce lien n’est plus valide." in response.get_data(as_text=True)
    mails, links = _partner_link(cli, clock, smtp_server, NEXT_WEEK)
    assert links and len(mails) == 1  # last week's only
    assert (
        db.session.query(CheckinMessage).filter(CheckinMessage.partner_contact_id.is_not(None)).count() == 1
    )
    # Given again on a task, the revoked address is refused.
    member = mail_app.test_client()
    member.login("responsable@ville-a.ca")
    task = db.session.get(Task, actions["later"].id)
    refused = member.post(
        f"/tasks/{task.id}/edit/partners",
        data={"partners": f"CIUSSS <{MARIE}>", "version": task.version},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 422 and "révoqué" in refused.get_data(as_text=True)


def test_a_partner_contact_is_set_on_the_task_page(world, actions, mail_app):
    member = mail_app.test_client()
    member.login("responsable@ville-a.ca")
    task = actions["later"]
    response = member.post(
        f"/tasks/{task.id}/edit/partners",
        data={"partners": "CIUSSS de l’Estrie <marie@ciusss.qc.ca>\nComptoir", "version": task.version},
    )
    assert response.status_code == 303
    db.session.expire_all()
    partners = db.session.get(Task, task.id).partners
    assert [(p.name, p.contact.email if p.contact else None) for p in partners] == [
        ("CIUSSS de l’Estrie", MARIE),
        ("Comptoir", None),
    ]
    page = member.get(f"/tasks/{task.id}").get_data(as_text=True)
    assert MARIE in page
    bad = member.post(
        f"/tasks/{task.id}/edit/partners",
        data={"partners": "CIUSSS <pas-une-adresse>", "version": db.session.get(Task, task.id).version},
    )
    assert bad.status_code == 422 and "n’est pas une adresse courriel" in bad.get_data(as_text=True)
