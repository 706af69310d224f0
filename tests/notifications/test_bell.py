"""The bell, the list, marking read: what the signed-in person sees."""

from __future__ import annotations

import re

from sqlalchemy import select

from tasking.extensions import db
from tasking.models import Notification
from tasking.notifications import services

from .conftest import NOW

HTMX = {"HX-Request": "true"}


def give(world, count=3, user=None):
    user = user or world.owner
    made = [
        services.notify(
            db.session,
            user=user,
            kind="comment",
            task=world.task,
            actor=world.helper,
            now=NOW,
            detail=f"Message numéro {i}",
            email=False,
        )
        for i in range(count)
    ]
    db.session.commit()
    return made


def test_the_page_carries_the_bell_polled_by_htmx(client, world):
    client.login(world.owner.email)
    page = client.get("/notifications").get_data(as_text=True)
    bell = re.search(r'<span id="bell"[^>]*>', page).group(0)
    assert 'hx-get="/notifications/bell"' in bell
    assert 'hx-trigger="load, every 60s, notifications-changed from:body"' in bell


def test_bell_counts_unread(client, world):
    give(world, 3)
    give(world, 1, user=world.admin)
    client.login(world.owner.email)
    response = client.get("/notifications/bell", headers=HTMX)
    html = response.get_data(as_text=True)
    assert '<span class="bell-count">3</span>' in html
    assert "3 non lues" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_list_is_newest_first_with_links_to_tasks(client, world):
    first, second, third = give(world, 3)
    third.created_at = NOW.replace(hour=16)
    db.session.commit()
    client.login(world.owner.email)
    html = client.get("/notifications").get_data(as_text=True)
    assert "Alice Aide a commenté «\u00a0Ouvrir le centre d'hébergement\u00a0»." in html.replace("&#39;", "'")
    positions = [html.index(f'id="notification-{n.id}"') for n in (third, second, first)]
    assert positions == sorted(positions)
    assert f'href="/notifications/{third.id}"' in html
    assert "Tout marquer comme lu" in html


def test_list_pages(client, world):
    give(world, services.PER_PAGE + 2)
    client.login(world.owner.email)
    html = client.get("/notifications").get_data(as_text=True)
    assert html.count('class="notification unread"') == services.PER_PAGE
    assert 'href="/notifications?page=2"' in html
    second = client.get("/notifications?page=2").get_data(as_text=True)
    assert second.count('class="notification unread"') == 2


def test_opening_marks_read_and_goes_to_the_task(client, world):
    [note] = give(world, 1)
    client.login(world.owner.email)
    response = client.get(f"/notifications/{note.id}")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/tasks/{world.task.id}"
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is not None


def test_opening_the_task_reads_what_was_said_about_it(client, world):
    give(world, 2)
    [elsewhere] = [
        services.notify(
            db.session,
            user=world.owner,
            kind="comment",
            task=world.other,
            actor=world.helper,
            now=NOW,
            email=False,
        )
    ]
    [for_admin] = give(world, 1, user=world.admin)
    db.session.commit()
    client.login(world.owner.email)

    response = client.get(f"/tasks/{world.task.id}", headers=HTMX)
    assert response.status_code == 200
    assert "notifications-changed" in response.headers["HX-Trigger"]  # the bell refreshes
    db.session.expire_all()
    unread = db.session.scalars(select(Notification).where(Notification.read_at.is_(None))).all()
    assert sorted(n.id for n in unread) == sorted([elsewhere.id, for_admin.id])
    html = client.get("/notifications/bell", headers=HTMX).get_data(as_text=True)
    assert '<span class="bell-count">1</span>' in html

    again = client.get(f"/tasks/{world.task.id}", headers=HTMX)
    assert "HX-Trigger" not in again.headers  # nothing new was read


def test_mark_one_read_returns_the_item_and_the_bell_out_of_band(client, world):
    first, _second = give(world, 2)
    client.login(world.owner.email)
    response = client.post(f"/notifications/{first.id}/read", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<li id="notification-{first.id}" class="notification">' in html
    assert "Marquer comme lu" not in html
    assert '<span id="bell" hx-swap-oob="innerHTML">' in html
    assert '<span class="bell-count">1</span>' in html
    # The list's own count follows too.
    assert '<p id="unread-count" class="muted" hx-swap-oob="true">1 non lue</p>' in html


def test_mark_all_read(client, world):
    give(world, 3)
    [other] = give(world, 1, user=world.admin)
    client.login(world.owner.email)
    response = client.post("/notifications/read-all", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="notification-list"' in html and "0 non lue" in html
    assert 'class="notification unread"' not in html
    assert '<span id="bell" hx-swap-oob="innerHTML">' in html and "bell-count" not in html
    db.session.expire_all()
    unread = db.session.scalars(select(Notification).where(Notification.read_at.is_(None))).all()
    assert unread == [db.session.get(Notification, other.id)]  # someone else's stays unread


def test_mark_one_read_without_htmx_redirects(client, world):
    [note] = give(world, 1)
    client.login(world.owner.email)
    response = client.post(f"/notifications/{note.id}/read")
    assert response.status_code == 303 and response.headers["Location"].startswith("/notifications")
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is not None


def test_mark_all_read_without_htmx_redirects(client, world):
    give(world, 2)
    client.login(world.owner.email)
    response = client.post("/notifications/read-all")
    assert response.status_code == 303 and response.headers["Location"] == "/notifications"


def test_someone_elses_notification_is_404(client, world):
    [note] = give(world, 1)
    client.login(world.admin.email)
    assert client.get(f"/notifications/{note.id}").status_code == 404
    assert client.post(f"/notifications/{note.id}/read", headers=HTMX).status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, note.id).read_at is None


def test_list_queries_do_not_grow_with_the_page(client, world, make, count_queries):
    give(world, 2)
    client.login(world.owner.email)
    client.get("/notifications")
    with count_queries() as few:
        client.get("/notifications")
    # More notifications, about other tasks, from other people.
    for number, task in enumerate((world.other, world.third, world.task) * 4):
        actor = make.user(world.org, "member", name=f"Acteur {number}")
        services.notify(
            db.session, user=world.owner, kind="status", task=task, actor=actor, now=NOW, detail="done"
        )
    db.session.commit()
    with count_queries() as many:
        client.get("/notifications")
    assert many.count == few.count


def test_titles_and_excerpts_are_escaped(client, world):
    world.task.title = "<script>alert(1)</script>"
    db.session.commit()
    give(world, 1)
    client.login(world.owner.email)
    html = client.get("/notifications").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_signed_out_bell_asks_htmx_to_go_to_login(client, world):
    response = client.get("/notifications/bell", headers=HTMX)
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/login")
