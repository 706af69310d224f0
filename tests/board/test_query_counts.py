"""The board, its next pages, a move and My tasks cost the same number of
SQL statements for a 60-task plan and a 500-task plan (both longer than the
first screen's cards of a column)."""

from __future__ import annotations

import re

import pytest

from tasking.extensions import db
from tests.board.test_board import HTMX


@pytest.fixture
def two_plans(people, build, make):
    """A small and a large plan, every task with an owner, a collaborator, a
    comment, a due date and a measured target; a different owner for each."""
    big_owner = make.user(people.org, "member", "grand@tableau.qc.ca", "Gaston Grand")
    plans = {}
    for size, owner in ((60, people.owner), (500, big_owner)):
        plan = build.plan(people.org, themes=4, title=f"Plan de {size}")
        ids = build.tasks(plan, size)
        build.decorate(plan, people, ids, owner=owner)
        plans[size] = (plan, ids, owner)
    return plans


def statements(count_queries, request) -> int:
    with count_queries() as counter:
        response = request()
    assert response.status_code in (200, 303), response.status_code
    return counter.count


def test_the_board_costs_the_same_for_50_and_500_tasks(client, people, two_plans, count_queries):
    client.login(people.admin.email)
    counts = {}
    for size, (plan, _ids, _owner) in two_plans.items():
        counts[size] = {
            "board": statements(count_queries, lambda p=plan: client.get(f"/plans/{p.id}/board")),
            "lanes": statements(count_queries, lambda p=plan: client.get(f"/plans/{p.id}/board?view=themes")),
            "filtered": statements(
                count_queries, lambda p=plan: client.get(f"/plans/{p.id}/board?mine=1&q=tache&overdue=1")
            ),
        }
        html = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)
        more = re.search(r'<li class="more" hx-get="([^"]+)"', html).group(1).replace("&amp;", "&")
        counts[size]["next page"] = statements(count_queries, lambda u=more: client.get(u, headers=HTMX))
    assert counts[60] == counts[500]
    # The signed-in user, the plan, its organisation, the roles, the counts,
    # the first page of every column (one statement, each card's collaborators
    # and comments counted in it), the objectives' progress (one), the latest
    # check-ins (one, the stale threshold a subquery: tasking/checkins/status.py),
    # the filters' themes and people, and the person's dashboard for the menu
    # (tasking/me/home.py); a « more » page needs neither the counts nor the
    # filters nor the menu, nor the organisation (its time zone comes with the roles).
    # The theme view reads the plan's themes once, for its lanes and the filters.
    assert counts[500]["board"] <= 11
    assert counts[500]["lanes"] <= 10
    assert counts[500]["next page"] <= 6


def test_a_move_costs_the_same_for_50_and_500_tasks(client, people, two_plans, count_queries):
    client.login(people.admin.email)
    counts = {}
    for size, (_plan, ids, _owner) in two_plans.items():
        data = {"status": "blocked", "version": "2", "after_id": ids[3], "blocked_reason": "Budget"}
        counts[size] = statements(
            count_queries, lambda i=ids, d=data: client.post(f"/tasks/{i[10]}/move", data=d, headers=HTMX)
        )
    assert counts[60] == counts[500]
    # The signed-in user; the task with its plan and who listens to webhooks
    # (one statement: tasking/webhooks/queue.py); the savepoint; the card's
    # place (its neighbour, the card next to it and the column's top: one);
    # the history (one INSERT a line on SQLite, one for all on PostgreSQL);
    # the row; the owner and collaborator with their e-mail channels (one);
    # their notifications (as the history, no savepoint); then the card, its
    # targets, its check-in and the counts. SQLite adds BEGIN IMMEDIATE.
    postgresql = db.engine.dialect.name == "postgresql"
    assert counts[500] <= (13 if postgresql else 16)


def test_my_tasks_costs_the_same_for_50_and_500_tasks(client, make_client, people, two_plans, count_queries):
    counts = {}
    for size, (_plan, _ids, owner) in two_plans.items():
        person = make_client()
        person.login(owner.email)
        counts[size] = statements(count_queries, lambda c=person: c.get("/me/tasks"))
        page = person.get("/me/tasks").get_data(as_text=True)
        assert len(re.findall(r'class="my-item', page)) >= min(size, 25)
    assert counts[60] == counts[500]
    # The signed-in user, the roles (with the time zone of the person's first
    # organisation), the person's tasks with what each line shows, and the
    # person's dashboard for the menu (tasking/me/home.py).
    assert counts[500] <= 4
