"""The agenda is drafted from the regional digest's summary: the same help
requests, shared blockers, figures and news, so what people read on Thursday
morning and what they meet on agree; what another municipality's admin sees
of the drafted detail."""

from __future__ import annotations

from datetime import datetime

from tasking.extensions import db
from tasking.meetings.agenda import draft_agenda
from tasking.models import Meeting
from tasking.regions.summary import region_summary
from tests.scheduling.conftest import world  # noqa: F401
from tests.scheduling.test_regional import region_of_two

NBSP = "\u00a0"
#: Thursday 26 November 2026, 08:00 in Montréal: the digest's slot.
THURSDAY = datetime(2026, 11, 26, 13, 0)
LAST_MEETING = datetime(2026, 11, 19, 13, 0)


def test_the_agenda_carries_what_the_digest_says(world, mk):  # noqa: F811
    region_of_two(world, mk)
    summary = region_summary(db.session, world.region, now=THURSDAY, since=LAST_MEETING)
    drafts = draft_agenda(db.session, world.region, now=THURSDAY, since=LAST_MEETING)
    titles = [draft.title for draft in drafts]
    # What needs the region: Ville A's help request, then the two shared blockers.
    assert titles[:3] == [
        f"Ville A{NBSP}: 1 action demande l’aide de la région",
        f"Blocage commun — Raison{NBSP}: Budget non voté — Ville A (1), Ville B (1)",
        f"Blocage commun — Partenaire{NBSP}: CIUSSS de l'Estrie — Ville A (1), Ville B (1)",
    ]
    help_item, *shared = drafts[:3]
    assert help_item.organisation_id == world.org.id
    assert help_item.detail == (
        f"• Soutien aux aînés isolés — Une entente régionale de transport (Bloquée{NBSP}: Budget non voté)"
    )
    # A shared blocker belongs to no municipality: names and counts, no action's title.
    assert all(item.organisation_id is None and item.detail == "" for item in shared)
    # Each municipality's round, with the digest's own figures.
    rounds = {draft.organisation_id: draft for draft in drafts[3:]}
    assert [d.kind for d in drafts[3:]] == ["round", "round"]
    for row in summary.rows:
        now = row.now
        assert rounds[row.organisation_id].title == (
            f"Tour de table — {row.name} : {now.done}/{now.total} terminées, "
            f"{now.overdue} en retard, {now.blocked} bloquées"
        )
    ville_a = rounds[world.org.id].detail.split("\n")
    since_last_week = f"Depuis la semaine dernière{NBSP}: avancement +25{NBSP}pts, en retard +1, bloquées +1"
    assert ville_a[0] == since_last_week
    assert ville_a[1] == f"Mise à jour faite par 50{NBSP}% des personnes sollicitées"
    ville_b = [d for d in drafts[3:] if d.organisation_id != world.org.id][0].detail.split("\n")
    # Ville B has no snapshot of last week: no change is invented.
    assert not any(line.startswith("Depuis la semaine dernière") for line in ville_b)
    assert ville_b[0].startswith(f"Nouveautés depuis la dernière rencontre{NBSP}: terminées{NBSP}: 0")
    assert ville_b[1:] == ["Nouvellement bloquées", f"• Refuge de Ville B (Bloquée{NBSP}: budget non-voté!)"]


def test_another_admin_reads_the_titles_of_the_drafted_items_not_their_detail(world, mk, mail_app):  # noqa: F811
    region_of_two(world, mk)
    coordinator = mail_app.test_client()
    coordinator.login("coordination@mrc-test.ca")
    assert coordinator.post("/regions/mrc-test/meetings").status_code == 303
    meeting = db.session.query(Meeting).one()
    url = f"/regions/mrc-test/meetings/{meeting.id}"
    admin_b = mail_app.test_client()
    admin_b.login("direction@ville-b.ca")
    page = admin_b.get(url).get_data(as_text=True)
    assert "1 action demande l’aide de la région" in page
    assert "CIUSSS de l&#39;Estrie — Ville A (1), Ville B (1)" in page
    assert "Soutien aux aînés isolés" not in page
    assert "Refuge de Ville B" in page  # their own municipality's detail
    assert "Soutien aux aînés isolés" in coordinator.get(url).get_data(as_text=True)
