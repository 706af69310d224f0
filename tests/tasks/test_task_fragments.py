"""Issue 15: what the task page loads when scrolled to. Following the
history's and the comments' « earlier » loaders, page after page, reaches
every line once and in order (lines made at the same instant too); each page
answers only who may read the task, for lines of that task only."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import func, select

from tasking.extensions import db
from tasking.models import Activity, Comment
from tasking.tasks import comments, editing
from tests import factories
from tests.factories import NOW
from tests.tasks.busy_task import busy_task

HX = {"HX-Request": "true"}
OLDER = re.compile(r'<li class="(?:history|comments)-older" hx-get="([^"]+)" hx-trigger="intersect once"')


def follow(client, url: str) -> list[str]:  # noqa: ANN001
    """Each fragment an htmx reader scrolling to the end would load, from ``url`` on."""
    pages = []
    while url:
        response = client.get(url.replace("&amp;", "&"), headers=HX)
        assert response.status_code == 200, url
        pages.append(response.get_data(as_text=True))
        found = OLDER.search(pages[-1])
        url = found.group(1) if found else None
    return pages


def test_every_history_line_loads_once_in_order_page_after_page(client, count_queries):
    busy = busy_task(db.session)
    task_id = busy.task.id
    for n in range(30, 110):  # all at the same instant as the busy task's 30 changes
        editing.update_task(
            db.session,
            actor=busy.admin,
            task=busy.task,
            changes={"title": f"Appeler les aînés ({n})"},
            version=None,
            now=NOW,
        )
    db.session.commit()
    stored = db.session.scalar(select(func.count(Activity.id)).where(Activity.task_id == task_id))
    client.login(busy.collaborator.email)

    with count_queries() as first:
        pages = follow(client, f"/tasks/{task_id}/history")
    assert len(pages) == 3 and first.count <= 5 * 3
    assert pages[0].lstrip().startswith(f'<section id="task-history-{task_id}" class="task-history">')
    assert [page.count("<li><time") for page in pages] == [50, 50, stored - 100]
    lines = "".join(pages)
    titles = [int(n) for n in re.findall(r'<span class="new">Appeler les aînés \((\d+)\)</span>', lines)]
    assert titles == list(range(109, -1, -1))  # newest first, none twice, none missing
    assert lines.count("a commenté") == 20 and lines.count("<li><time") == stored
    # Without JavaScript, a loader's link opens the page with the whole history.
    link = re.search(r'<a href="([^"]+)#task-history-\d+">Modifications précédentes</a>', pages[0]).group(1)
    whole = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert "<html" in whole and whole.count("<li><time") == stored and "history-older" not in whole


def test_every_comment_loads_once_in_order_page_after_page(client):
    busy = busy_task(db.session)
    task_id = busy.task.id
    for n in range(27):  # older than the busy task's 20, all at the same instant
        comments.add_comment(
            db.session,
            actor=busy.admin,
            task=busy.task,
            body=f"Ancien {n} : suivi.",
            now=NOW - timedelta(days=3),
        )
    db.session.commit()
    client.login(busy.people[5].email)  # a member who only reads this task

    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    shown = page[
        page.index('<ol class="comments">') : page.index("</ol>", page.index('<ol class="comments">'))
    ]
    pages = [shown] + follow(client, OLDER.search(shown).group(1))
    assert len(pages) == 4
    # Each page goes in place of the loader at the top of the one after it.
    said = re.findall(r"(Ancien|Point) (\d+) :", "".join(reversed(pages)))
    expected = [("Ancien", str(n)) for n in range(27)] + [("Point", str(n)) for n in range(20)]
    assert said == expected
    assert [len(re.findall(r'<li id="comment-\d+"', p)) for p in pages] == [5, 20, 20, 2]


def test_the_loaded_pages_answer_only_who_may_read_the_task(client, make_client):
    busy = busy_task(db.session)
    task_id = busy.task.id
    line = db.session.scalar(select(func.max(Activity.id)).where(Activity.task_id == task_id))
    comment = db.session.scalar(select(func.max(Comment.id)).where(Comment.task_id == task_id))
    # A task of another organisation, with a line and a comment of its own.
    town = factories.organisation(db.session)
    stranger = factories.user(db.session, town, "admin")
    plan = factories.plan(db.session, town, [factories.theme(objectives=[factories.objective()])])
    other = factories.tasks_of(plan)[0]
    editing.update_task(
        db.session, actor=stranger, task=other, changes={"title": "Ailleurs"}, version=None, now=NOW
    )
    foreign_comment = factories.comment(db.session, other, stranger).id
    foreign_line = db.session.scalar(select(func.max(Activity.id)).where(Activity.task_id == other.id))
    db.session.commit()
    urls = [
        f"/tasks/{task_id}/history",
        f"/tasks/{task_id}/history?before={line}",
        f"/tasks/{task_id}/comments?before={comment}",
    ]

    client.login(stranger.email)
    for url in urls:
        for headers in (HX, None):
            response = client.get(url, headers=headers)
            assert response.status_code == 404, url
            assert "Point" not in response.get_data(as_text=True)

    reader = make_client()
    reader.login(busy.people[5].email)
    for url in urls:
        assert reader.get(url, headers=HX).status_code == 200, url
    # A line or a comment of another task is no place to start from.
    for url in (
        f"/tasks/{task_id}/history?before={foreign_line}",
        f"/tasks/{task_id}/comments?before={foreign_comment}",
    ):
        assert reader.get(url, headers=HX).status_code == 404, url
    assert reader.get(f"/tasks/{task_id}/history?before=0", headers=HX).status_code == 404
    assert reader.get(f"/tasks/{task_id}/comments?before=0", headers=HX).status_code == 404


def test_a_plain_view_of_a_busy_task_takes_five_statements(client, count_queries):
    busy = busy_task(db.session)
    client.login(busy.collaborator.email)
    client.get(f"/tasks/{busy.task.id}")
    with count_queries() as plain:
        assert client.get(f"/tasks/{busy.task.id}").status_code == 200
    # The person with their roles; the task with its plan, objective, theme,
    # partners and last check-in with the partners' opinions; its people; the
    # latest comments; the targets.
    assert plain.count <= 5, "\n".join(plain.statements)
    # The comments before the page's: no statement for a comment not named.
    with count_queries() as older:
        assert client.get(f"/tasks/{busy.task.id}/comments", headers=HX).status_code == 200
    assert older.count <= 4, "\n".join(older.statements)
