"""My tasks: the home page after sign-in, my tasks grouped by urgency."""

from __future__ import annotations

import re
from datetime import timedelta

from tasking.core.clock import now
from tasking.extensions import db
from tasking.me.services import my_tasks
from tasking.models import Plan, Task, User
from tasking.models.task import task_collaborators
from tests.board.conftest import today


def groups(html: str) -> dict[str, list[int]]:
    """group key → task ids, in the order shown."""
    found = {}
    for match in re.finditer(r'<section class="my-group group-(\w+)".*?</section>', html, re.S):
        found[match.group(1)] = [int(i) for i in re.findall(r'id="my-task-(\d+)"', match.group(0))]
    return found


def test_signing_in_lands_on_my_tasks(client, people):
    response = client.login(people.owner.email)
    assert response.headers["Location"] == "/me/tasks"
    home = client.get("/")
    assert home.status_code == 302 and home.headers["Location"] == "/me/tasks"
    page = client.get("/me/tasks").get_data(as_text=True)
    assert "<h1>Mes tâches</h1>" in page
    assert 'href="/me/tasks" aria-current="page">Mes tâches</a>' in page
    assert "Rien pour vous en ce moment" in page


def test_my_tasks_are_grouped_overdue_this_week_later_and_recently_done(client, people, build):
    plan = build.plan(people.org)
    day = today()
    owner = people.owner.id
    late = build.tasks(plan, 1, owner_id=owner, due_date=day - timedelta(days=3))
    later_late = build.tasks(plan, 1, owner_id=owner, due_date=day - timedelta(days=1))
    this_week = build.tasks(plan, 1, owner_id=owner, due_date=day + timedelta(days=6))
    due_today = build.tasks(plan, 1, owner_id=owner, due_date=day)
    far = build.tasks(plan, 1, owner_id=owner, due_date=day + timedelta(days=7))
    undated = build.tasks(plan, 1, owner_id=owner)
    done_late = build.tasks(plan, 1, owner_id=owner, due_date=day - timedelta(days=5), status="done")
    done_long_ago = build.tasks(plan, 1, owner_id=owner, status="done")
    helped = build.tasks(plan, 1, owner_id=people.admin.id, due_date=day + timedelta(days=2))
    not_mine = build.tasks(plan, 1, owner_id=people.admin.id, due_date=day)
    db.session.execute(task_collaborators.insert(), [{"task_id": helped[0], "user_id": people.owner.id}])
    db.session.get(Task, done_late[0]).completed_at = now() - timedelta(days=2)
    db.session.get(Task, done_long_ago[0]).completed_at = now() - timedelta(days=20)
    # A task of an archived plan is not shown.
    old_plan = build.plan(people.org, title="Ancien plan")
    build.tasks(old_plan, 1, owner_id=owner, due_date=day)
    db.session.get(Plan, old_plan.id).archived_at = now()
    db.session.commit()
    client.login(people.owner.email)

    html = client.get("/me/tasks").get_data(as_text=True)

    assert groups(html) == {
        "overdue": late + later_late,
        "week": due_today + helped + this_week,
        "later": far + undated,
        "done": done_late,
    }
    assert not_mine[0] not in sum(groups(html).values(), [])
    for heading in ("En retard", "Cette semaine", "Plus tard", "Terminées récemment"):
        assert heading in html
    helped_line = re.search(rf'id="my-task-{helped[0]}".*?</li>', html, re.S).group(0)
    assert "Collaborateur" in helped_line and "Plan d’essai" in helped_line
    assert f'href="/plans/{plan.id}/board#task-{helped[0]}"' in helped_line
    assert f'href="/tasks/{helped[0]}"' in helped_line
    late_line = re.search(rf'id="my-task-{late[0]}".*?</li>', html, re.S).group(0)
    assert "due overdue" in late_line and "--theme: #" in late_line
    assert "Sans échéance" in html


def test_a_task_owned_and_helped_on_shows_once_and_what_people_typed_is_escaped(client, people, build):
    plan = build.plan(people.org, title="Plan <b>A</b> & co")
    owned_and_helped = build.tasks(plan, 1, owner_id=people.owner.id, title='Toit <script> & "gouttières"')
    helped_unowned = build.tasks(plan, 1)
    db.session.execute(
        task_collaborators.insert(),
        [{"task_id": task_id, "user_id": people.owner.id} for task_id in owned_and_helped + helped_unowned],
    )
    db.session.commit()
    client.login(people.owner.email)

    html = client.get("/me/tasks").get_data(as_text=True)

    assert sorted(groups(html)["later"]) == sorted(owned_and_helped + helped_unowned)
    owned_line = re.search(rf'id="my-task-{owned_and_helped[0]}".*?</li>', html, re.S).group(0)
    helped_line = re.search(rf'id="my-task-{helped_unowned[0]}".*?</li>', html, re.S).group(0)
    assert "Collaborateur" not in owned_line and "Collaborateur" in helped_line
    assert "Toit &lt;script&gt; &amp; &#34;gouttières&#34;</a>" in owned_line
    assert "Plan &lt;b&gt;A&lt;/b&gt; &amp; co</a>" in helped_line
    assert "<script>" not in html.split('id="my-tasks"')[1]


def test_long_groups_are_capped_with_a_link_to_see_them_all(client, people, build):
    plan = build.plan(people.org)
    build.tasks(plan, 60, owner_id=people.owner.id)
    client.login(people.owner.email)

    html = client.get("/me/tasks").get_data(as_text=True)
    assert len(groups(html)["later"]) == 25
    assert "Afficher 35 de plus" in html
    everything = client.get("/me/tasks?all=later").get_data(as_text=True)
    assert len(groups(everything)["later"]) == 60


def test_an_htmx_request_gets_the_fragment(client, people, build):
    plan = build.plan(people.org)
    build.tasks(plan, 2, owner_id=people.owner.id)
    client.login(people.owner.email)
    response = client.get("/me/tasks", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert "<!doctype" not in html and 'id="my-tasks"' in html
    assert "HX-Request" in response.headers["Vary"]


def test_signed_out_people_go_to_the_sign_in_page(client):
    response = client.get("/me/tasks")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_recently_done_goes_back_fourteen_days_to_the_whole_minute(client, people, build, clock):
    """The page's statement goes with its reader's, a moment before the page
    asks (tasking/core/batches.py): both start « recently done » at the same
    whole minute."""
    clock.advance(seconds=30)  # 15:00:30
    plan = build.plan(people.org)
    inside, outside = build.tasks(plan, 2, owner_id=people.owner.id, status="done")
    db.session.get(Task, inside).completed_at = now() - timedelta(days=14, seconds=20)  # 15:00:10
    db.session.get(Task, outside).completed_at = now() - timedelta(days=14, seconds=40)  # 14:59:50
    db.session.commit()
    client.login(people.owner.email)

    html = client.get("/me/tasks").get_data(as_text=True)

    assert groups(html)["done"] == [inside]


def test_my_tasks_show_what_the_session_has_not_written_yet(app, people, build):
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.admin.id, due_date=today())
    owner = db.session.get(User, people.owner.id)

    db.session.get(Task, task_id).owner_id = owner.id
    mine = my_tasks(db.session, user=owner, today=today(), now=now())

    assert [row.id for group in mine.groups for row in group.items] == [task_id]
    db.session.rollback()
