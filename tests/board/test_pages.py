"""A long column page by page: a small first screen, big « more » pages, and
every card reached once, in board order, whatever ties, view or search."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import update

from tasking.board.services import FIRST_PAGE_SIZE, LANE_FIRST_PAGE_SIZE, PAGE_SIZE
from tasking.extensions import db
from tasking.models import OperationalObjective, Task
from tests.board.test_board import HTMX, card_ids, column_html

MORE = re.compile(r'<li class="more" hx-get="([^"]+)"')


def walk(client, url: str, status: str = "todo", lane: str = "all") -> list[list[int]]:
    """The card ids of one column, page by page, as htmx would fetch them."""
    html = client.get(url).get_data(as_text=True)
    pages = [card_ids(column_html(html, status, lane))]
    more = MORE.search(column_html(html, status, lane))
    while more:
        response = client.get(more.group(1).replace("&amp;", "&"), headers=HTMX)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        pages.append(card_ids(html))
        more = MORE.search(html)
    return pages


@pytest.fixture
def long_column(people, build):
    """One column of a « more » page and then some, every card at the same
    place on the board (as cards moved by an import may be): only the id
    orders them."""
    plan = build.plan(people.org, themes=1)
    ids = build.tasks(plan, FIRST_PAGE_SIZE + PAGE_SIZE + 5)
    db.session.execute(update(Task).where(Task.id.in_(ids)).values(board_position=7.0))
    db.session.commit()
    return plan, sorted(ids)


def test_the_first_screen_is_a_screenful_and_a_more_page_holds_many(client, people, long_column):
    plan, ids = long_column
    client.login(people.admin.email)

    pages = walk(client, f"/plans/{plan.id}/board")

    # Issue 15: a small first screen, then pages of at least 50 cards.
    assert [len(page) for page in pages] == [FIRST_PAGE_SIZE, PAGE_SIZE, 5]
    assert FIRST_PAGE_SIZE <= 20 and PAGE_SIZE >= 50
    # Every card once, in order: no gap and no repeat where pages meet, though all tie on position.
    assert [task_id for page in pages for task_id in page] == ids


def test_the_pages_of_the_theme_view_and_of_a_search_reach_every_card_once(client, people, long_column):
    plan, ids = long_column
    client.login(people.owner.email)
    task = db.session.get(Task, ids[0])
    lane = str(db.session.get(OperationalObjective, task.objective_id).theme_id)

    by_theme = walk(client, f"/plans/{plan.id}/board?view=themes", lane=lane)
    searched = walk(client, f"/plans/{plan.id}/board?q=numero")

    rest = len(ids) - LANE_FIRST_PAGE_SIZE - PAGE_SIZE
    assert [len(page) for page in by_theme] == [LANE_FIRST_PAGE_SIZE, PAGE_SIZE, rest]
    assert [task_id for page in by_theme for task_id in page] == ids
    assert [len(page) for page in searched] == [FIRST_PAGE_SIZE, PAGE_SIZE, 5]
    assert [task_id for page in searched for task_id in page] == ids


def test_a_card_moved_meanwhile_is_neither_lost_nor_shown_twice_by_later_pages(client, people, long_column):
    """The cursor is the last card's place, not a count: a card moved above it
    after the first screen was read shifts no later page."""
    plan, ids = long_column
    client.login(people.admin.email)
    html = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)
    first = card_ids(column_html(html, "todo"))
    db.session.execute(update(Task).where(Task.id == ids[-1]).values(board_position=1.0))
    db.session.commit()

    rest = []
    more = MORE.search(column_html(html, "todo"))
    while more:
        html = client.get(more.group(1).replace("&amp;", "&"), headers=HTMX).get_data(as_text=True)
        rest += card_ids(html)
        more = MORE.search(html)

    # The moved card now sits above the first screen: the next pages hold every other card once.
    assert first + rest == ids[:-1]
