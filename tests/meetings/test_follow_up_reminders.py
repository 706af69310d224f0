"""A follow-up is a task of the region's own organisation: the reminder job,
which walks every organisation, reminds its owner from another municipality."""

from __future__ import annotations

from tests.meetings.conftest import Region2
from tests.meetings.test_meeting_flow import BASE, _items, _prepare
from tests.scheduling.conftest import at, cli, outbox_rows  # noqa: F401


def test_follow_up_owner_is_reminded(two: Region2, web, cli):  # noqa: F811
    coordinator = web(two.coordinator)
    meeting_id = _prepare(coordinator)
    item = _items(meeting_id)[0]
    coordinator.post(
        f"{BASE}/{meeting_id}/items/{item.id}/follow-ups",
        data={"title": "Appeler le CISSS", "owner_id": str(two.member_b.id), "due_date": "2026-11-27"},
    )
    result = cli("notify", "reminders", "--now", "2026-11-26T10:00:00-05:00")
    assert result.exit_code == 0, result.output
    rows = [r for r in outbox_rows() if r.recipient == "membre@ville-b.ca"]
    assert rows and "Appeler le CISSS" in rows[0].body_text
