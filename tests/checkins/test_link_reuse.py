"""The check-in links are the exception to single-use e-mail links: they stay
valid for their round, can be replayed to change an answer, and say so."""

from __future__ import annotations

from sqlalchemy import select

from tasking.extensions import db
from tasking.models import CheckinAnswer, UsedTaskLink

from .conftest import at
from .test_partners import _csrf, _partner_link, _partners
from .test_updates import _form, _opened

REUSABLE = "celui-ci ne s’use pas"


def test_the_owner_link_is_replayed_within_its_round(world, actions, cli, clock, smtp_server, web):
    link, page = _opened(cli, clock, smtp_server, web)
    assert REUSABLE in page.get_data(as_text=True)
    late = actions["late"]
    first = web.post(link, data=_form(page, late, **{f"health-{late.id}": "on_track"}))
    assert first.status_code == 303
    clock.set(at("2026-11-24T15:00:00-05:00"))
    page = web.get(link)
    assert page.status_code == 200 and REUSABLE in page.get_data(as_text=True)
    db.session.expire_all()
    late = db.session.merge(late)
    again = web.post(
        link,
        data=_form(page, late, **{f"health-{late.id}": "blocked", f"note-{late.id}": "Rupture de stock"}),
    )
    assert again.status_code == 303
    healths = db.session.scalars(select(CheckinAnswer.health).order_by(CheckinAnswer.id)).all()
    assert healths == ["on_track", "blocked"]
    assert db.session.scalar(select(UsedTaskLink.token_hash)) is None


def test_the_partner_link_is_replayed_within_its_round(world, actions, cli, clock, smtp_server, web):
    _partners(world, actions)
    _, [link] = _partner_link(cli, clock, smtp_server)
    clock.set(at("2026-11-24T10:00:00-05:00"))
    late = actions["late"]
    for health in ("on_track", "at_risk"):
        page = web.get(link)
        assert REUSABLE in page.get_data(as_text=True)
        data = {"csrf_token": _csrf(page), "task": [late.id], f"health-{late.id}": health}
        if health == "at_risk":
            data[f"note-{late.id}"] = "Moins de bénévoles que prévu."
        assert web.post(link, data=data).status_code == 200
    healths = db.session.scalars(select(CheckinAnswer.health).order_by(CheckinAnswer.id)).all()
    assert healths == ["on_track", "at_risk"]
