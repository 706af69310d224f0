"""A meeting from agenda to minutes, as the regional coordinator; its
follow-up in its owner's tasks and in the next meeting's agenda."""

from __future__ import annotations

import io
import re

from docx import Document

from tasking.extensions import db
from tasking.models import Meeting, MeetingItem, Task
from tests.meetings.conftest import Region2

BASE = "/regions/mrc-test/meetings"


def _prepare(client) -> int:
    response = client.post(BASE)
    assert response.status_code == 303
    return int(re.search(r"/meetings/(\d+)$", response.headers["Location"]).group(1))


def _items(meeting_id: int) -> list[MeetingItem]:
    db.session.expire_all()
    return list(db.session.get(Meeting, meeting_id).items)


def test_agenda_drafted_from_the_region(two: Region2, web):
    coordinator = web(two.coordinator)
    page = coordinator.get(BASE).get_data(as_text=True)
    assert "Préparer l’ordre du jour" in page
    meeting_id = _prepare(coordinator)
    titles = [item.title for item in _items(meeting_id)]
    assert titles[0] == "Ville A\u00a0: 1 action demande l’aide de la région"
    assert any(t.startswith("Tour de table — Ville A : 0/2") for t in titles)
    assert any(t.startswith("Tour de table — Ville B : 0/1") for t in titles)
    page = coordinator.get(f"{BASE}/{meeting_id}").get_data(as_text=True)
    detail = "Entente secrète avec le CISSS — La MRC peut relancer le CISSS (Bloquée\u00a0: Attente du CISSS)"
    assert detail in page
    # Preparing again gives the same meeting.
    assert _prepare(coordinator) == meeting_id


def test_run_and_close_the_meeting(two: Region2, web, smtp_server):
    coordinator = web(two.coordinator)
    meeting_id = _prepare(coordinator)
    url = f"{BASE}/{meeting_id}"
    help_item, round_a, round_b = _items(meeting_id)
    htmx = {"HX-Request": "true"}
    # Reorder, strike, add.
    response = coordinator.post(f"{url}/items/{round_b.id}/move", data={"direction": "up"}, headers=htmx)
    assert response.status_code == 200 and 'id="meeting-agenda"' in response.get_data(as_text=True)
    assert [i.id for i in _items(meeting_id)] == [help_item.id, round_b.id, round_a.id]
    coordinator.post(f"{url}/items/{round_a.id}/strike", data={"struck": "1"}, headers=htmx)
    coordinator.post(f"{url}/items", data={"title": "Varia : collecte de sang"}, headers=htmx)
    assert [i.title for i in _items(meeting_id)][-1] == "Varia : collecte de sang"
    assert db.session.get(MeetingItem, round_a.id).struck
    refused = coordinator.post(f"{url}/items", data={"title": "  "}, headers=htmx)
    assert refused.status_code == 422 and "Le titre ne peut pas être vide" in refused.get_data(as_text=True)
    # Attendance, note, decision, follow-up.
    coordinator.post(
        f"{url}/attendance",
        data={"present": [str(two.a.id)], f"attendees-{two.a.id}": "Claire Coordination"},
        headers=htmx,
    )
    coordinator.post(
        f"{url}/items/{help_item.id}/note", data={"note": "Le CISSS répond lundi."}, headers=htmx
    )
    coordinator.post(
        f"{url}/items/{help_item.id}/decisions", data={"decision": "La MRC appelle le CISSS."}, headers=htmx
    )
    response = coordinator.post(
        f"{url}/items/{help_item.id}/follow-ups",
        data={"title": "Appeler le CISSS", "owner_id": str(two.member_b.id), "due_date": "2026-12-03"},
        headers=htmx,
    )
    assert response.status_code == 200
    assert "Appeler le CISSS" in response.get_data(as_text=True)
    bad = coordinator.post(
        f"{url}/items/{help_item.id}/follow-ups",
        data={"title": "Sans date", "owner_id": str(two.member_b.id), "due_date": "demain"},
        headers=htmx,
    )
    assert bad.status_code == 422
    # Close: the minutes, e-mailed to every participant.
    assert coordinator.post(f"{url}/close").status_code == 303
    minutes = [m for m in smtp_server.messages if m["Subject"].startswith("Compte rendu")]
    recipients = {m["To"] for m in minutes}
    assert recipients == {"mrc@mrc-test.ca", "admin@ville-a.ca", "admin@ville-b.ca", "membre@ville-b.ca"}
    [message] = [m for m in minutes if m["To"] == "admin@ville-b.ca"]
    text = message.get_body(("plain",)).get_content()
    assert "La MRC appelle le CISSS." in text
    assert "Appeler le CISSS — Rémi Responsable" in text
    assert "Ville A : présente (Claire Coordination)" in text
    assert "Varia : collecte de sang" in text
    assert "Tour de table — Ville A" not in text  # struck
    # The Word file and the print page.
    docx = coordinator.get(f"{url}/minutes.docx")
    assert docx.status_code == 200
    words = "\n".join(p.text for p in Document(io.BytesIO(docx.data)).paragraphs)
    assert "Décision : La MRC appelle le CISSS." in words
    printed = coordinator.get(f"{url}/print").get_data(as_text=True)
    assert "Appeler le CISSS" in printed and "Le CISSS répond lundi." in printed
    # A closed meeting no longer changes.
    late = coordinator.post(f"{url}/items", data={"title": "Trop tard"}, headers=htmx)
    assert late.status_code == 404 or late.status_code == 422


def test_follow_up_in_owner_tasks_and_next_agenda(two: Region2, web, mail_app):
    coordinator = web(two.coordinator)
    meeting_id = _prepare(coordinator)
    help_item = _items(meeting_id)[0]
    coordinator.post(
        f"{BASE}/{meeting_id}/items/{help_item.id}/follow-ups",
        data={"title": "Appeler le CISSS", "owner_id": str(two.member_b.id), "due_date": "2026-12-03"},
    )
    coordinator.post(f"{BASE}/{meeting_id}/close")
    task = db.session.query(Task).filter_by(title="Appeler le CISSS").one()
    mail_app.config["CLOCK"].advance(days=1)
    owner = web(two.member_b)
    assert "Appeler le CISSS" in owner.get("/me/tasks").get_data(as_text=True)
    # The owner edits their follow-up (a comment); the admin of Ville A may read but not edit it.
    assert (
        owner.post(f"/tasks/{task.id}/comments", data={"body": "Message laissé au CISSS."}).status_code < 400
    )
    admin_a = web(two.admin_a)
    assert admin_a.get(f"/tasks/{task.id}").status_code == 200
    assert admin_a.post(f"/tasks/{task.id}/comments", data={"body": "Moi aussi"}).status_code in (403, 404)
    # Next week: the agenda carries the open follow-up with what was done since
    # (the coordinator signs in again: a session does not outlast a week idle).
    mail_app.config["CLOCK"].advance(days=6)
    coordinator = web(two.coordinator)
    next_id = _prepare(coordinator)
    assert next_id != meeting_id
    first = _items(next_id)[0]
    assert first.kind == "follow_up" and first.task_id == task.id
    assert "Appeler le CISSS" in first.title and "Rémi Responsable" in first.title
    assert "Message laissé au CISSS." in first.detail
