"""Comments: Markdown rendered safely, @mentions resolved."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from tasking.core import events
from tasking.extensions import db
from tasking.models import Comment
from tests.conftest import app_now

HX = {"HX-Request": "true"}


def elements(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    """Every element the browser would build from ``html``, with its attributes."""
    found = []

    class Collector(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collector().feed(html)
    return found


def test_comment_with_markdown_and_a_mention(world, client):
    mentioned = []

    def receiver(_sender, **kwargs):
        mentioned.extend(user.email for user in kwargs["mentioned"])

    events.comment_posted.connect(receiver)
    try:
        client.login(world.collaborator.email)
        response = client.post(
            f"/tasks/{world.task.id}/comments",
            data={"body": "Appel fait, **12 aînés** joints. @responsable peux-tu relancer ? @inconnu"},
            headers=HX,
        )
    finally:
        events.comment_posted.disconnect(receiver)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<section id="task-comments-{world.task.id}"')
    assert "<strong>12 aînés</strong>" in html
    # The mention links the person (their actions on the plan's board), by name.
    link = re.search(
        r'<span class="mention"><a href="([^"]+)" title="@responsable"[^>]*>@Luc Gagnon</a></span>', html
    )
    assert link and link.group(1) == f"/plans/{world.plan.id}/board?owner={world.owner.id}"
    assert "@inconnu" in html and 'title="@inconnu"' not in html  # names nobody: left as written
    assert "Sophie Roy" in html
    assert f'id="task-history-{world.task.id}" class="task-history" hx-swap-oob="true"' in html
    assert "a commenté" in html
    assert mentioned == ["responsable@ville-a.qc.ca"]


def test_typing_a_name_after_at_offers_the_members_accents_ignored(world, client):
    client.login(world.owner.email)
    url = f"/tasks/{world.task.id}/mentions"
    html = client.get(url, query_string={"q": "soph"}, headers=HX).get_data(as_text=True)
    assert 'data-mention="@collaboratrice"' in html and "Sophie Roy" in html
    assert "Luc Gagnon" not in html
    # « @cote » finds Jean Côté by name; « @jean » too; the handle's start as well.
    for query in ("cote", "CÔTÉ", "jean", "observ"):
        html = client.get(url, query_string={"q": query}, headers=HX).get_data(as_text=True)
        assert 'data-mention="@observateur"' in html, query
    # Only the organisation's people: not another town's admin.
    html = client.get(url, query_string={"q": "pierre"}, headers=HX).get_data(as_text=True)
    assert "Pierre Lavoie" not in html
    assert "Personne de l’organisation ne correspond à «\u00a0@pierre\u00a0»." in html
    # A bare « @ » offers everyone (the first eight by name).
    html = client.get(url, query_string={"q": ""}, headers=HX).get_data(as_text=True)
    assert html.count('role="option"') == 5


def test_mentions_that_name_nobody_are_shown_before_posting(world, client):
    client.login(world.owner.email)
    html = client.get(
        f"/tasks/{world.task.id}/mentions",
        query_string={"mentioned": "@responsable @inconnu @inconnu"},
        headers=HX,
    ).get_data(as_text=True)
    assert html.count("«\u00a0@inconnu\u00a0» ne désigne personne de l’organisation") == 1
    assert "@responsable" not in html
    assert 'role="option"' not in html  # nothing being typed: no list


def test_a_reader_gets_no_suggestions(world, client):
    client.login(world.viewer.email)
    assert client.get(f"/tasks/{world.task.id}/mentions?q=a", headers=HX).status_code == 403


def test_another_organisation_gets_404_for_suggestions(world, client):
    client.login(world.stranger.email)
    assert client.get(f"/tasks/{world.task.id}/mentions?q=a", headers=HX).status_code == 404


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "[clique](javascript:alert(1))",
        '<img src=x onerror="alert(1)">',
        "![x](javascript:alert(1))",
        '<a href="javascript:alert(1)">lien</a>',
        '[x](http://a.test "t><script>alert(1)</script>@responsable")',
        "<svg onload=alert(1)>",
        "`@responsable` <iframe src=//evil>",
    ],
)
def test_no_script_gets_through(world, client, hostile):
    client.login(world.owner.email)
    client.post(f"/tasks/{world.task.id}/comments", data={"body": hostile})
    html = client.get(f"/tasks/{world.task.id}").get_data(as_text=True)
    comments = html[html.index('class="comments"') : html.index('class="comment-form"')]
    tags = elements(comments)
    assert not [t for t, _ in tags if t in ("script", "img", "svg", "iframe", "object", "embed")]
    for _tag, attrs in tags:
        for name, value in attrs:
            assert not name.startswith("on"), (name, value)
            assert not (value or "").strip().lower().startswith("javascript"), (name, value)


def test_empty_comment_is_refused(world, client):
    client.login(world.owner.email)
    response = client.post(f"/tasks/{world.task.id}/comments", data={"body": "   "}, headers=HX)
    assert response.status_code == 422
    assert "Le commentaire est vide." in response.get_data(as_text=True)
    assert db.session.query(Comment).count() == 0


def test_comment_without_javascript_redirects_to_it(world, client):
    client.login(world.owner.email)
    response = client.post(f"/tasks/{world.task.id}/comments", data={"body": "Fait."})
    assert response.status_code == 303
    comment = db.session.query(Comment).one()
    assert response.headers["Location"].endswith(f"/tasks/{world.task.id}#comment-{comment.id}")


def test_two_people_with_the_same_handle_are_named_by_their_address(world, client):
    from tasking.models import Membership

    # The regional coordinator also reads Ville A: two "coordination@…" there.
    db.session.add(
        Membership(
            created_at=app_now(),
            user_id=world.regional.id,
            organisation_id=world.plan.organisation_id,
            role="viewer",
        )
    )
    db.session.commit()
    mentioned = []

    def receiver(_sender, **kwargs):
        mentioned.append(sorted(user.email for user in kwargs["mentioned"]))

    client.login(world.owner.email)
    offered = client.get(f"/tasks/{world.task.id}/mentions?q=coord", headers=HX).get_data(as_text=True)
    assert 'data-mention="@coordination@ville-a.qc.ca"' in offered
    assert 'data-mention="@coordination@mrc.qc.ca"' in offered
    assert 'data-mention="@coordination"' not in offered
    # Written bare before posting, it is flagged with the addresses to write instead.
    flagged = client.get(f"/tasks/{world.task.id}/mentions?mentioned=@coordination", headers=HX).get_data(
        as_text=True
    )
    assert "@coordination@mrc.qc.ca ou @coordination@ville-a.qc.ca" in flagged

    events.comment_posted.connect(receiver)
    try:
        # The shared handle is refused, saying what to write instead.
        refused = client.post(
            f"/tasks/{world.task.id}/comments", data={"body": "Question pour @coordination"}, headers=HX
        )
        assert refused.status_code == 422
        assert (
            "«\u00a0@coordination\u00a0» désigne plusieurs personnes\u00a0: écrivez "
            "@coordination@mrc.qc.ca ou @coordination@ville-a.qc.ca."
        ) in refused.get_data(as_text=True)
        assert "Question pour @coordination" in refused.get_data(as_text=True)  # the text is kept
        client.post(
            f"/tasks/{world.task.id}/comments",
            data={"body": "Question pour @coordination@ville-a.qc.ca."},
            headers=HX,
        )
    finally:
        events.comment_posted.disconnect(receiver)
    # The address names Marie alone; the refused comment was not saved.
    assert mentioned == [["coordination@ville-a.qc.ca"]]
    assert db.session.query(Comment).count() == 1
    html = client.get(f"/tasks/{world.task.id}").get_data(as_text=True)
    assert re.search(r'title="@coordination@ville-a.qc.ca"[^>]*>@Marie Tremblay</a></span>\.', html)
