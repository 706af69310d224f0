"""What the check-in adds to the weekly personal digest, through the real
e-mail: each listed action's latest health and note, and an invitation to
the open round for whoever has not given their update yet."""

from __future__ import annotations

from datetime import date

from .conftest import at, link_of, open_round, text_of
from .test_updates import _form

NBSP = "\u00a0"
# The Monday digest of week 48, caught up on Tuesday while the round is open.
TUESDAY_9 = "2026-11-24T09:00:00-05:00"


def test_digest_shows_latest_checkins_and_invites_to_the_open_round(
    world, actions, cli, clock, smtp_server, web
):
    world.task("Distribution des trousses", date(2026, 11, 26), owner=world.helper)
    open_round(cli, clock)
    cli("outbox", "send")
    [invitation] = smtp_server.by_recipient("responsable@ville-a.ca")
    clock.set(at("2026-11-24T08:30:00-05:00"))
    link = link_of(invitation)
    late, later = actions["late"], actions["later"]
    data = _form(web.get(link), late, later)
    data.update({f"health-{late.id}": "at_risk", f"note-{late.id}": "Attente du fournisseur"})
    data.update({f"health-{later.id}": "on_track"})
    assert web.post(link, data=data).status_code == 303

    clock.set(at(TUESDAY_9))
    assert (
        cli("notify", "digests", "--now", TUESDAY_9).output.strip() == "queued=2 empty=1"
    )  # the coordinator has nothing this week
    cli("outbox", "send")

    # The owner answered: the digest says what was said, and asks nothing more.
    [digest] = [
        m for m in smtp_server.by_recipient("responsable@ville-a.ca") if "Votre semaine" in m["Subject"]
    ]
    text = text_of(digest)
    line = text[text.index("* Inventaire des besoins") :].split("\n* ")[0]
    assert f"Dernière mise à jour{NBSP}: À risque — Attente du fournisseur" in line
    assert "Votre mise à jour de la semaine pour" not in text
    html = digest.get_body(("html",)).get_content()
    assert "<strong>À risque</strong> — Attente du fournisseur" in html

    # The helper has not answered: the digest invites them, with a link that works.
    [digest] = [m for m in smtp_server.by_recipient("aide@ville-a.ca") if "Votre semaine" in m["Subject"]]
    text = text_of(digest)
    assert "Votre mise à jour de la semaine pour Ville A est ouverte jusqu’au 25 nov. 2026" in text
    assert "Dernière mise à jour" not in text  # nothing said yet about their action
    assert "Mettre à jour mes actions" in digest.get_body(("html",)).get_content()
    page = web.get(link_of(digest))
    assert page.status_code == 200 and "Distribution des trousses" in page.get_data(as_text=True)


def test_no_invitation_once_the_round_is_closed(world, actions, cli, clock, smtp_server):
    world.task("Distribution des trousses", date(2026, 11, 26), owner=world.helper)
    open_round(cli, clock)
    # Wednesday after the close (17:00): the week's digest is still caught up, without the round.
    instant = "2026-11-25T17:30:00-05:00"
    clock.set(at(instant))
    assert (
        cli("notify", "digests", "--now", instant).output.strip() == "queued=2 empty=1"
    )  # the coordinator has nothing this week
    cli("outbox", "send")
    [digest] = [m for m in smtp_server.by_recipient("aide@ville-a.ca") if "Votre semaine" in m["Subject"]]
    assert "Votre mise à jour de la semaine pour" not in text_of(digest)
