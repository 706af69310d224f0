"""The board page: French columns and counts, what a card shows, filters,
the swimlane view and the columns loaded page by page."""

from __future__ import annotations

import functools
import re
from datetime import timedelta

from sqlalchemy import select

from tasking.board.services import FIRST_PAGE_SIZE, PAGE_SIZE
from tasking.extensions import db
from tasking.models import Measurement, Target, Task, Theme
from tasking.models.task import task_collaborators
from tests.board.conftest import today
from tests.conftest import app_now

HTMX = {"HX-Request": "true"}


def card_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<li id="task-(\d+)"', html)]


def column_html(html: str, status: str, lane: str = "all") -> str:
    """The markup of one column's list of cards."""
    start = html.index(f'<ol class="cards" data-status="{status}" data-lane="{lane}"')
    return html[start : html.index("</ol>", start)]


def card_html(html: str, task_id: int) -> str:
    start = html.index(f'<li id="task-{task_id}"')
    return html[start : html.index("</li>", start)]


def total(html: str, status: str) -> int:
    return int(re.search(rf'id="total-{status}">(\d+)<', html).group(1))


def test_the_board_shows_the_template_plan_in_four_french_columns(client, make, people):
    plan = make.plan(people.org)
    client.login(people.viewer.email)

    response = client.get(f"/plans/{plan.id}/board")

    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for label in ("À faire", "En cours", "Bloqué", "Terminé"):
        assert f'<span>{label}</span> <span class="count"' in html
    assert total(html, "todo") == 145
    assert total(html, "in_progress") == total(html, "blocked") == total(html, "done") == 0
    # The first page of the column, and a sentinel loading the rest when revealed.
    assert len(card_ids(column_html(html, "todo"))) == FIRST_PAGE_SIZE
    assert 'hx-trigger="intersect once"' in html
    assert "Tableau" in html and "Rechercher" in html
    # A viewer reads the board but moves nothing.
    assert "data-movable" not in html and "card-move" not in html


def test_a_card_shows_owner_due_date_counts_and_target_progress(client, people, build):
    plan = build.plan(people.org, themes=1)
    late, soon, later, done_late = build.tasks(plan, 4, owner_id=people.owner.id)
    for task_id, days in ((late, -2), (soon, 3), (later, 30), (done_late, -2)):
        db.session.get(Task, task_id).due_date = today() + timedelta(days=days)
    db.session.get(Task, done_late).status = "done"
    db.session.execute(
        task_collaborators.insert(),
        [{"task_id": late, "user_id": people.helper.id}, {"task_id": late, "user_id": people.admin.id}],
    )
    objective_id = db.session.get(Task, late).objective_id
    target = Target(
        objective_id=objective_id, text="Rejoindre 200 personnes", unit="personnes", target_value=200
    )
    db.session.add(target)
    db.session.flush()
    db.session.add(Measurement(created_at=app_now(), target_id=target.id, value=50, measured_on=today()))
    db.session.commit()
    client.login(people.owner.email)

    html = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)

    late_card = card_html(html, late)
    assert "due-overdue" in late_card and "en retard" in late_card
    assert ">RR<" in late_card  # Rémi Responsable's initials
    assert "2 collaborateurs" in late_card
    assert "50 / 200 personnes" in late_card and "width: 25%" in late_card
    assert "due-soon" in card_html(html, soon)
    assert "due-" not in card_html(html, later).split(">")[0]
    # A done task is never late.
    assert "due-overdue" not in card_html(html, done_late)
    assert f'href="/tasks/{late}"' in late_card
    # The owner may move their card: it is focusable and has its status list.
    assert 'tabindex="0"' in late_card and '<select name="status"' in late_card


def shown_cards(client, plan_id: int, query: str) -> set[int]:  # noqa: ANN001
    """The ids of the cards the board of ``plan_id`` shows for ``query``."""
    response = client.get(f"/plans/{plan_id}/board?{query}", headers=HTMX)
    assert response.status_code == 200
    return set(card_ids(response.get_data(as_text=True)))


def test_each_filter_and_their_combination(client, people, build):
    plan = build.plan(people.org, themes=2)
    first_theme, second_theme = build.objectives(plan)
    mine = build.tasks(plan, 2, owner_id=people.owner.id, title="Soutien aux aînés isolés")
    helped = build.tasks(plan, 1, owner_id=people.admin.id, title="Équipe de bénévoles", horizon="long")
    late = build.tasks(plan, 1, owner_id=people.admin.id, due_date=today() - timedelta(days=1))
    nobody = build.tasks(plan, 1, title="Autre chose", description="Rencontre avec l’ÉQUIPE municipale")
    db.session.execute(task_collaborators.insert(), [{"task_id": helped[0], "user_id": people.owner.id}])
    db.session.commit()
    client.login(people.owner.email)

    shown = functools.partial(shown_cards, client, plan.id)

    everything = set(mine + helped + late + nobody)
    assert shown("") == everything
    assert shown("mine=1") == set(mine + helped)
    assert shown(f"owner={people.admin.id}") == set(helped + late)
    assert shown("owner=none") == set(nobody)
    assert shown("horizon=long") == set(helped)
    assert shown("overdue=1") == set(late)
    # Free text: any case, accents or not, in the title or the description.
    assert shown("q=equipe") == set(helped + nobody)
    assert shown("q=AÎNÉS") == set(mine)
    assert shown("q=aines+isoles") == set(mine)
    theme_of = {task_id: db.session.get(Task, task_id).objective_id for task_id in everything}
    assert shown(f"theme={db.session.get(Task, mine[0]).objective_id and _theme(first_theme)}") == {
        t for t, o in theme_of.items() if o == first_theme
    }
    assert shown(f"mine=1&q=equipe&horizon=long&theme={_theme(second_theme)}") == {
        t for t in helped if theme_of[t] == second_theme
    }
    # Nonsense in the query string is ignored, not an error.
    assert shown("owner=abc&horizon=forever&theme=-3&view=3d") == everything


def test_words_are_matched_as_typed_whatever_sql_reads_in_them(client, people, build):
    """A word made only of letters an accent may hide, ``%`` and ``_`` (any
    text to SQL's LIKE) and ``.`` (any character to a regular expression)
    are matched as the person typed them."""
    plan = build.plan(people.org)
    half = build.tasks(plan, 1, title="Couvrir 50% des ménages")
    more = build.tasks(plan, 1, title="Joindre 500 personnes")
    water = build.tasks(plan, 1, title="Réseau d’EAU potable")
    coded = build.tasks(plan, 1, title="Dossier a_b", description="Suivi v1.2")
    plain = build.tasks(plan, 1, title="Dossier axb", description="Suivi v142")
    db.session.commit()
    client.login(people.owner.email)

    shown = functools.partial(shown_cards, client, plan.id)

    assert shown("q=50%25") == set(half)
    assert shown("q=500") == set(more)
    assert shown("q=eau") == set(water)
    assert shown("q=%C3%89AU") == set(water)
    assert shown("q=a_b") == set(coded)
    assert shown("q=axb") == set(plain)
    assert shown("q=v1.2") == set(coded)
    assert shown("q=uivi") == set(coded + plain)


def _theme(objective_id: int) -> int:
    from tasking.models import OperationalObjective

    return db.session.get(OperationalObjective, objective_id).theme_id


def test_filters_are_in_the_url_and_the_page_reloads_filtered(client, people, build):
    plan = build.plan(people.org)
    build.tasks(plan, 3, owner_id=people.owner.id)
    build.tasks(plan, 2)
    client.login(people.owner.email)

    response = client.get(f"/plans/{plan.id}/board?mine=1&q=t%C3%A2che")

    html = response.get_data(as_text=True)
    assert "<!doctype html>" in html  # a bookmark opens the whole page
    assert len(card_ids(html)) == 3
    assert 'name="mine" value="1" checked' in html
    assert 'value="tâche"' in html
    assert 'hx-push-url="true"' in html
    # The moves and the next pages keep the filters.
    assert "/move?mine=1&amp;q=t%C3%A2che" in html


def test_the_swimlane_view_has_a_lane_per_theme(client, people, build):
    plan = build.plan(people.org, themes=3)
    build.tasks(plan, 7)
    client.login(people.admin.email)

    html = client.get(f"/plans/{plan.id}/board?view=themes").get_data(as_text=True)

    assert [m for m in re.findall(r'<h3 class="lane-head" id="lane-(\d+)"', html)].__len__() == 3
    assert "Enjeu 1" in html and "Enjeu 3" in html
    lanes = re.findall(r'data-lane="(\d+)">', html)
    assert len(set(lanes)) == 3
    assert total(html, "todo") == 7
    # Each lane's columns count their own cards: 3 + 2 + 2.
    counts = sorted(
        int(n)
        for n in re.findall(r'id="count-\d+-todo" title="\d+ tâches?"><span aria-hidden="true">(\d+)<', html)
    )
    assert counts == [2, 2, 3]
    # Read aloud and hovered as a number of tasks, not a bare figure.
    assert '<span class="visually-hidden">3 tâches</span>' in html
    # Combined with a theme filter, one lane.
    theme_id = _theme(build.objectives(plan)[0])
    filtered = client.get(f"/plans/{plan.id}/board?view=themes&theme={theme_id}").get_data(as_text=True)
    assert len(re.findall(r'<h3 class="lane-head"', filtered)) == 1


def test_long_columns_load_page_by_page_in_board_order_with_the_filters(client, people, build):
    plan = build.plan(people.org, themes=1)
    # The first screen, a full « more » page and a part of one.
    size = FIRST_PAGE_SIZE + PAGE_SIZE + 10
    mine = build.tasks(plan, size, owner_id=people.owner.id)
    build.tasks(plan, 20)
    # Two tasks share a position across a page's end: the id breaks the tie, nothing is skipped.
    last = FIRST_PAGE_SIZE - 1
    db.session.get(Task, mine[last]).board_position = db.session.get(Task, mine[last + 1]).board_position
    db.session.commit()
    client.login(people.owner.email)

    html = client.get(f"/plans/{plan.id}/board?mine=1").get_data(as_text=True)
    seen = card_ids(column_html(html, "todo"))
    pages = 1
    while True:
        match = re.search(r'<li class="more" hx-get="([^"]+)"', html)
        if not match:
            break
        url = match.group(1).replace("&amp;", "&")
        assert "mine=1" in url
        response = client.get(url, headers=HTMX)
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "<!doctype html>" not in html
        seen += card_ids(html)
        pages += 1

    expected = list(
        db.session.scalars(select(Task.id).where(Task.id.in_(mine)).order_by(Task.board_position, Task.id))
    )
    assert seen == expected
    assert pages == 3


def test_without_javascript_the_next_page_of_a_column_is_a_page(client, people, build):
    plan = build.plan(people.org, themes=1)
    build.tasks(plan, FIRST_PAGE_SIZE + 5)
    client.login(people.viewer.email)
    html = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)
    url = (
        re.search(r'<li class="more" hx-get="[^"]+" [^>]*><a href="([^"]+)"', html)
        .group(1)
        .replace("&amp;", "&")
    )

    page = client.get(url).get_data(as_text=True)

    assert "<!doctype html>" in page and "Retour au tableau" in page
    assert len(card_ids(page)) == 5


def test_people_outside_the_organisation_get_404(client, make, people):
    plan = make.plan(people.org)
    client.login(people.outsider.email)

    assert client.get(f"/plans/{plan.id}/board").status_code == 404
    assert client.get(f"/plans/{plan.id}/board/column?status=todo").status_code == 404
    assert client.get("/plans/999999/board").status_code == 404


def test_a_regional_coordinator_reads_the_board(client, make, people):
    region = make.region()
    org = make.org("ville-region", "Ville Région", region)
    coordinator = make.user(people.org, "viewer", "mrc@region.qc.ca", regional=region)
    plan = make.plan(org)
    client.login(coordinator.email)

    html = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)

    assert total(html, "todo") == 145 and "data-movable" not in html
    # Whose board it is, and no keyboard hint for cards that cannot move.
    assert "Ville Région · <a" in html
    assert 'id="board-keys"' not in html and "Au clavier" not in html


def test_the_keyboard_hint_only_for_readers_who_may_move_a_card(make_client, people, build):
    plan = build.plan(people.org)
    build.tasks(plan, 3, owner_id=people.owner.id)
    hint = 'id="board-keys"'
    seen = {}
    for who in ("admin", "owner", "helper", "viewer"):
        client = make_client()
        client.login(getattr(people, who).email)
        html = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)
        assert "Ville Tableau · <a" in html
        seen[who] = hint in html and 'aria-describedby="board-keys"' in html
        # The board a filter swaps in says it again, for the cards it shows:
        # under « Les miennes » only the owner has cards, hence something to move.
        fragment = client.get(f"/plans/{plan.id}/board?mine=1", headers=HTMX).get_data(as_text=True)
        assert (hint in fragment) == (who == "owner")
    # The helper is a member but neither owns nor helps with any card.
    assert seen == {"admin": True, "owner": True, "helper": False, "viewer": False}


def test_archived_tasks_objectives_and_themes_are_not_on_the_board(client, people, build):
    from tasking.core.clock import now
    from tasking.models import OperationalObjective, Theme

    plan = build.plan(people.org, themes=3)
    first, second, third = build.objectives(plan)
    kept, archived_task = build.tasks(plan, 2)[0], build.tasks(plan, 1)[0]
    db.session.get(Task, archived_task).archived_at = now()
    db.session.get(OperationalObjective, second).archived_at = now()
    db.session.get(Theme, _theme(third)).archived_at = now()
    db.session.commit()
    client.login(people.admin.email)

    html = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)
    lanes = client.get(f"/plans/{plan.id}/board?view=themes").get_data(as_text=True)

    on_board = {db.session.get(Task, t).objective_id for t in card_ids(html)}
    assert on_board == {first} and kept in card_ids(html) and archived_task not in card_ids(html)
    assert total(html, "todo") == len(card_ids(html))
    assert len(re.findall(r'<h3 class="lane-head"', lanes)) == 2


def test_what_people_typed_is_escaped_on_every_card(client, people, build, make):
    """The card's markup prints values escaped once in CardText.dress: a
    title, a person's name and a theme title with markup in them stay text."""
    plan = build.plan(people.org, themes=1)
    db.session.scalars(select(Theme).where(Theme.plan_id == plan.id)).one().title = 'Enjeu <i>"x"</i>'
    odd = make.user(people.org, "member", "odd@tableau.qc.ca", 'Zoé <b onclick="x">Z</b>')
    (task_id,) = build.tasks(plan, 1, owner_id=odd.id, title='<script>alert("x")</script> & co')
    db.session.commit()
    client.login(people.admin.email)

    html = client.get(f"/plans/{plan.id}/board").get_data(as_text=True)

    assert "<script>alert" not in html and "<b onclick" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in html
    assert "Responsable\u00a0: Zoé &lt;b onclick=&#34;x&#34;&gt;Z&lt;/b&gt;" in html
    assert 'title="Enjeu &lt;i&gt;&#34;x&#34;&lt;/i&gt;"' in html
    assert f'id="task-{task_id}"' in html
