"""The regional digest lists the open follow-ups of past meetings, until they are done."""

from __future__ import annotations

from tasking.extensions import db
from tasking.models import Task
from tests.meetings.conftest import Region2
from tests.meetings.test_meeting_flow import BASE, _items, _prepare
from tests.scheduling.conftest import cli  # noqa: F401


def coordinator_digest(smtp_server) -> str:
    mails = smtp_server.by_recipient("mrc@mrc-test.ca")
    assert mails, [m["To"] for m in smtp_server.messages]
    return mails[-1].get_body(preferencelist=("plain",)).get_content()


def test_an_open_follow_up_is_in_the_next_digests_until_done(two: Region2, web, cli, smtp_server):  # noqa: F811
    coordinator = web(two.coordinator)
    meeting_id = _prepare(coordinator)
    item = _items(meeting_id)[0]
    coordinator.post(
        f"{BASE}/{meeting_id}/items/{item.id}/follow-ups",
        data={"title": "Appeler le CISSS", "owner_id": str(two.member_b.id), "due_date": "2026-12-04"},
    )
    assert cli("notify", "regional-digest", "--now", "2026-12-03T08:00:00-05:00").exit_code == 0
    assert cli("outbox", "send").exit_code == 0
    text = coordinator_digest(smtp_server)
    section = text[text.index("Suivis ouverts des rencontres précédentes") :]
    assert "* Appeler le CISSS — Rémi Responsable — 4 déc. 2026 — rencontre du 26 nov. 2026" in section

    task = db.session.scalar(db.select(Task).where(Task.title == "Appeler le CISSS"))
    task.status, task.completed_at = "done", task.updated_at
    db.session.commit()
    assert cli("notify", "regional-digest", "--now", "2026-12-10T08:00:00-05:00").exit_code == 0
    assert cli("outbox", "send").exit_code == 0
    text = coordinator_digest(smtp_server)
    assert "Appeler le CISSS" not in text
