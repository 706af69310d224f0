"""The preferences page: per kind, at once / weekly digest / never; the
switches; the language."""

from __future__ import annotations

from tasking.extensions import db
from tasking.models import User
from tasking.notifications import preferences

from .conftest import NOW


def form(**overrides):
    data = {
        "assigned": "immediate",
        "status": "digest",
        "comment": "digest",
        "mention": "immediate",
        "due_soon": "immediate",
        "overdue": "immediate",
        "collab_reminders": "on",
        "weekly_digest": "on",
        "regional_digest": "on",
        "locale": "fr_CA",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def test_page_shows_the_defaults(client, world):
    client.login(world.owner.email)
    html = client.get("/me/notifications").get_data(as_text=True)
    assert 'name="assigned" value="immediate"' in html
    # One channel per kind, two switches on: a member gets no regional digest.
    assert html.count("checked") == 6 + 2
    assert 'name="regional_digest"' not in html


def test_the_regional_digest_switch_is_for_those_who_receive_it(client, make_client, world, make):
    from tasking.models import Organisation

    org = db.session.get(Organisation, world.org.id)
    org.region_id = make.region("mrc-notif", "MRC de Notif").id
    db.session.commit()
    client.login(world.admin.email)
    assert 'name="regional_digest"' in client.get("/me/notifications").get_data(as_text=True)
    # A member saving the page leaves the regional switch they were not shown alone.
    preferences.set_channel(db.session, user=world.owner, kind="regional_digest", channel="never", now=NOW)
    db.session.commit()
    member = make_client()
    member.login(world.owner.email)
    assert 'name="regional_digest"' not in member.get("/me/notifications").get_data(as_text=True)
    assert member.post("/me/notifications", data=form(regional_digest=None)).status_code == 303
    assert preferences.email_channel(db.session, world.owner, "regional_digest") == "never"


def test_saving_changes_channels_switches_and_language(client, world):
    client.login(world.owner.email)
    response = client.post(
        "/me/notifications",
        data=form(comment="immediate", overdue="never", collab_reminders=None, locale="en_CA"),
    )
    assert response.status_code == 303
    db.session.expire_all()
    owner = db.session.get(User, world.owner.id)
    assert preferences.email_channel(db.session, owner, "comment") == "immediate"
    assert preferences.email_channel(db.session, owner, "overdue") == "never"
    assert preferences.email_channel(db.session, owner, "collab_reminders") == "never"
    assert preferences.email_channel(db.session, owner, "weekly_digest") == "immediate"
    assert owner.locale == "en_CA"
    assert "My notifications" in client.get("/me/notifications").get_data(as_text=True)


def test_a_bad_choice_is_refused_and_nothing_changes(client, world):
    client.login(world.owner.email)
    response = client.post("/me/notifications", data=form(comment="immediate", status="sometimes"))
    assert response.status_code == 422
    db.session.expire_all()
    assert preferences.email_channel(db.session, world.owner, "comment") == "digest"
    response = client.post("/me/notifications", data=form(locale="de_DE"))
    assert response.status_code == 422


def test_signed_out_goes_to_login(client, world):
    response = client.get("/me/notifications")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
