"""The board in a real Chromium: drag a card, move one with the keyboard,
filter and reload the bookmarked address."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tasking.board.services import FIRST_PAGE_SIZE
from tasking.core.clock import now
from tasking.extensions import db
from tasking.models import Task, Theme
from tasking.tasks.editing import update_task
from tests.board.conftest import build, people  # noqa: F401
from tests.conftest import browser_login

pytestmark = pytest.mark.browser


def column(page, status: str):
    return page.locator(f'ol.cards[data-status="{status}"]')


def stored_status(task_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Task, task_id).status


def wait_for_card(page, task_id: int, status: str, version: int) -> None:
    """Until the server's answer has replaced the card, in its column."""
    page.wait_for_selector(
        f'ol.cards[data-status="{status}"] > #task-{task_id}[data-version="{version}"]:not(.moving)'
    )


def give_reason(page, task_id: int, reason: str) -> None:
    """The card asks why it is blocked, its field focused: type, Enter."""
    field = page.locator(f"#task-{task_id} .ask-reason input[name=blocked_reason]")
    expect(field).to_be_focused()
    assert "Dites ce qui bloque l’action" in page.locator(f"#task-{task_id} .ask-reason").inner_text()
    field.fill(reason)
    field.press("Enter")


def test_drag_a_card_to_another_column_and_it_stays_there(live_server, page, people, build):  # noqa: F811
    plan = build.plan(people.org)
    first, second, third = build.tasks(plan, 3, owner_id=people.owner.id)
    browser_login(page, live_server, people.owner.email)
    page.goto(f"{live_server}/plans/{plan.id}/board")
    assert page.get_by_role("heading", name=re.compile("^À faire")).is_visible()

    card = page.locator(f"#task-{second}")
    target = column(page, "in_progress")
    start, end = card.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 20, start["y"] + 20, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 20, steps=20)
    page.mouse.up()

    wait_for_card(page, second, "in_progress", 2)
    assert page.locator("#total-in_progress").inner_text() == "1"
    assert page.locator("#total-todo").inner_text() == "2"
    assert stored_status(second) == "in_progress"

    page.reload()
    assert column(page, "in_progress").locator(f"#task-{second}").count() == 1
    assert column(page, "todo").locator("li.task-card").count() == 2


def test_a_card_dropped_into_blocked_asks_why_before_it_moves(live_server, page, people, build):  # noqa: F811
    plan = build.plan(people.org)
    first, second = build.tasks(plan, 2, owner_id=people.owner.id)
    browser_login(page, live_server, people.owner.email)
    page.goto(f"{live_server}/plans/{plan.id}/board")

    card = page.locator(f"#task-{second}")
    target = column(page, "blocked")
    start, end = card.bounding_box(), target.bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 10)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 20, start["y"] + 20, steps=5)
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + 20, steps=20)
    page.mouse.up()

    # Not moved: back in its column, asking for the reason.
    column(page, "todo").locator(f"#task-{second} .ask-reason").wait_for()
    assert stored_status(second) == "todo"
    assert page.locator("#total-blocked").inner_text() == "0"
    give_reason(page, second, "Le fournisseur n’a pas livré")
    wait_for_card(page, second, "blocked", 2)
    assert page.locator("#total-blocked").inner_text() == "1"
    db.session.expire_all()
    task = db.session.get(Task, second)
    assert (task.status, task.blocked_reason) == ("blocked", "Le fournisseur n’a pas livré")
    assert stored_status(first) == "todo"


def test_move_a_card_with_the_keyboard_only(live_server, page, people, build):  # noqa: F811
    plan = build.plan(people.org)
    first, second = build.tasks(plan, 2, owner_id=people.owner.id)
    browser_login(page, live_server, people.owner.email)
    page.goto(f"{live_server}/plans/{plan.id}/board")
    assert "Au clavier" in page.locator("#board-keys").inner_text()

    # Tab from the last filter control reaches the first card.
    page.get_by_role("link", name="Effacer").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == f"task-{first}"

    page.keyboard.press("ArrowRight")
    wait_for_card(page, first, "in_progress", 2)
    expect(page.locator(f"#task-{first}")).to_be_focused()
    page.keyboard.press("ArrowRight")
    # Into « Bloqué »: the card stays where it was and asks why first.
    give_reason(page, first, "Attente du budget")
    wait_for_card(page, first, "blocked", 3)
    expect(page.locator(f"#task-{first}")).to_be_focused()
    assert "«\u00a0Tâche" in page.locator("#board-live").inner_text()

    # Down and up inside a column keep the order on the server.
    page.locator(f"#task-{second}").focus()
    page.keyboard.press("ArrowRight")
    wait_for_card(page, second, "in_progress", 2)
    page.keyboard.press("ArrowRight")
    give_reason(page, second, "Attente du CIUSSS")
    wait_for_card(page, second, "blocked", 3)
    assert column(page, "blocked").locator("li.task-card").evaluate_all("els => els.map(e => e.id)") == [
        f"task-{second}",
        f"task-{first}",
    ]
    page.keyboard.press("ArrowDown")
    page.wait_for_selector(f"#task-{second}[data-version='4']")

    page.reload()
    ids = column(page, "blocked").locator("li.task-card").evaluate_all("els => els.map(e => e.id)")
    assert ids == [f"task-{first}", f"task-{second}"]
    assert stored_status(first) == stored_status(second) == "blocked"


def test_the_status_list_on_a_card_moves_it(live_server, page, people, build):  # noqa: F811
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id)
    browser_login(page, live_server, people.owner.email)
    page.goto(f"{live_server}/plans/{plan.id}/board")

    card = page.locator(f"#task-{task_id}")
    # Folded away: the card stays one line taller at most, until opened.
    assert not card.get_by_label(re.compile("Colonne de")).is_visible()
    card.locator("summary", has_text="Déplacer").click()
    card.get_by_label(re.compile("Colonne de")).select_option("done")
    card.get_by_role("button", name="Confirmer").click()

    wait_for_card(page, task_id, "done", 2)
    assert stored_status(task_id) == "done"


def test_a_filtered_board_reloads_filtered_from_its_address(live_server, page, people, build):  # noqa: F811
    plan = build.plan(people.org)
    build.tasks(plan, 2, owner_id=people.owner.id, title="Soutien aux aînés")
    build.tasks(plan, 3, title="Autre action")
    browser_login(page, live_server, people.owner.email)
    page.goto(f"{live_server}/plans/{plan.id}/board")
    assert page.locator("li.task-card").count() == 5

    page.get_by_label("Rechercher").fill("aines")
    page.wait_for_url(re.compile(r"q=aines"))
    page.wait_for_function("document.querySelectorAll('li.task-card').length === 2")
    page.get_by_label("Les miennes").check()
    page.wait_for_url(re.compile(r"mine=1"))

    bookmarked = page.url
    # Only what narrows the board is in the address.
    assert "theme=" not in bookmarked and "view=" not in bookmarked
    page.goto("about:blank")
    page.goto(bookmarked)
    assert page.locator("li.task-card").count() == 2
    assert page.get_by_label("Rechercher").input_value() == "aines"
    assert page.get_by_label("Les miennes").is_checked()


def test_a_drag_on_a_card_someone_else_changed_shows_their_change(live_server, page, people, build):  # noqa: F811
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id)
    browser_login(page, live_server, people.owner.email)
    page.goto(f"{live_server}/plans/{plan.id}/board")
    # Meanwhile Alice blocks it.
    update_task(
        db.session,
        actor=people.admin,
        task=db.session.get(Task, task_id),
        changes={"status": "blocked", "blocked_reason": "Attente du budget"},
        version=1,
        now=now(),
    )
    db.session.commit()

    card = page.locator(f"#task-{task_id}")
    card.focus()
    page.keyboard.press("ArrowRight")

    # The card goes where it really is, with Alice's change and a way to apply mine.
    conflict = column(page, "blocked").locator(f"#task-{task_id} .conflict")
    conflict.wait_for()
    assert "Quelqu’un d’autre a modifié cette tâche" in conflict.inner_text()
    assert "Alice Admin" in conflict.inner_text()
    assert column(page, "in_progress").locator("li.task-card").count() == 0
    assert stored_status(task_id) == "blocked"
    conflict.get_by_role("button", name=re.compile("La déplacer quand même")).click()
    wait_for_card(page, task_id, "in_progress", 3)
    assert stored_status(task_id) == "in_progress"


def test_a_task_opens_over_the_board_and_its_card_follows_the_change(live_server, page, people, build):  # noqa: F811
    plan = build.plan(people.org)
    first, _second = build.tasks(plan, 2, owner_id=people.owner.id)
    browser_login(page, live_server, people.owner.email)
    page.goto(f"{live_server}/plans/{plan.id}/board")

    page.locator(f"#task-{first} a.card-title").click()
    dialog = page.locator("#task-dialog")
    dialog.locator("h1, h2").first.wait_for()
    assert page.evaluate("document.getElementById('task-dialog').open")
    assert page.url.endswith(f"/plans/{plan.id}/board")
    # Change the status on the task page (3b's form), then close the dialog.
    form = dialog.locator("form:has(select[name=status])").first
    form.locator("select[name=status]").select_option("blocked")
    # Without a reason the change is refused on the reason's field; with one it is saved.
    form.locator("button").last.click()
    refused = dialog.locator("form:has(select[name=status])").first
    expect(refused).to_contain_text("Dites ce qui bloque l’action")
    refused.locator("input[name=blocked_reason]").fill("Attente du budget")
    refused.locator("button").last.click()
    for _ in range(100):
        if stored_status(first) == "blocked":
            break
        page.wait_for_timeout(100)
    dialog.get_by_role("button", name="Fermer").click()

    # The card was fetched again: it now sits in Bloqué, with the new version.
    wait_for_card(page, first, "blocked", 2)
    assert column(page, "todo").locator(f"#task-{first}").count() == 0
    # The column counts follow, and the focus is back on the card.
    expect(page.locator("#total-blocked")).to_have_text("1")
    expect(page.locator("#total-todo")).to_have_text("1")
    expect(page.locator(f"#task-{first}")).to_be_focused()


def test_a_long_column_loads_the_rest_as_the_user_scrolls(live_server, page, people, build):  # noqa: F811
    plan = build.plan(people.org)
    size = FIRST_PAGE_SIZE + 30
    build.tasks(plan, size, owner_id=people.owner.id)
    browser_login(page, live_server, people.owner.email)
    page.goto(f"{live_server}/plans/{plan.id}/board")
    todo = column(page, "todo").locator("li.task-card")
    assert todo.count() == FIRST_PAGE_SIZE

    for _ in range(10):
        page.mouse.wheel(0, 20000)
        page.wait_for_timeout(300)
        if todo.count() == size:
            break
    assert todo.count() == size
    assert column(page, "todo").locator("li.more").count() == 0
    ids = todo.evaluate_all("els => els.map(e => Number(e.dataset.id))")
    assert ids == sorted(ids) and len(set(ids)) == size


def test_a_long_unbroken_title_wraps_on_the_board_and_the_task_page(live_server, page, people, build):  # noqa: F811
    plan = build.plan(people.org)
    (task_id,) = build.tasks(plan, 1, owner_id=people.owner.id, title="x" * 500)
    browser_login(page, live_server, people.owner.email)
    overflow = "document.documentElement.scrollWidth - window.innerWidth"
    page.goto(f"{live_server}/plans/{plan.id}/board")
    assert page.evaluate(overflow) <= 0
    page.goto(f"{live_server}/tasks/{task_id}")
    assert page.evaluate(overflow) <= 0


def _two_themes_of_one_colour(plan) -> list[Theme]:
    themes = db.session.scalars(select(Theme).where(Theme.plan_id == plan.id).order_by(Theme.position)).all()
    themes[0].title, themes[1].title = "Continuité des services", "Communications"
    for theme in themes:
        theme.colour = "#e0b400"
    db.session.commit()
    return themes


def test_at_1280_cards_name_their_theme_though_two_themes_share_a_colour(live_server, page, people, build):  # noqa: F811
    plan = build.plan(people.org, themes=2)
    first, second = _two_themes_of_one_colour(plan)
    # The builder spreads tasks over the themes' objectives in turn.
    one, other = build.tasks(plan, 2, owner_id=people.owner.id)
    page.set_viewport_size({"width": 1280, "height": 800})
    browser_login(page, live_server, people.owner.email)
    page.goto(f"{live_server}/plans/{plan.id}/board")

    marks = [page.locator(f"#task-{task_id} .theme-mark") for task_id in (one, other)]
    colours = [mark.evaluate("el => getComputedStyle(el, '::before').backgroundColor") for mark in marks]
    assert colours[0] == colours[1]  # the same colour: the words tell them apart
    expect(marks[0].locator("[aria-hidden=true]")).to_have_text(f"Enjeu {first.number}")
    expect(marks[1].locator("[aria-hidden=true]")).to_have_text(f"Enjeu {second.number}")
    expect(marks[0].locator(".visually-hidden")).to_have_text(
        f"Enjeu {first.number}\u00a0: Continuité des services"
    )
    # The theme filter lists them by number too.
    options = page.locator("#filter-theme option").all_inner_texts()
    assert f"{first.number}. Continuité des services" in options
    assert f"{second.number}. Communications" in options
    # On a laptop: the filters open, the four columns side by side, the keyboard's hint shown.
    expect(page.locator("#filter-q")).to_be_visible()
    expect(page.locator("#board-filters-fold > summary")).to_be_hidden()
    for status in ("todo", "in_progress", "blocked", "done"):
        expect(column(page, status)).to_be_visible()
    expect(page.locator("#board-keys")).to_be_visible()


def test_at_390_the_filters_fold_and_one_column_shows_at_a_time(live_server, browser, people, build):  # noqa: F811
    plan = build.plan(people.org, themes=2)
    build.tasks(plan, 2, owner_id=people.owner.id)
    (started,) = build.tasks(plan, 1, owner_id=people.owner.id, status="in_progress")
    context = browser.new_context(
        locale="fr-CA",
        timezone_id="America/Montreal",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        browser_login(page, live_server, people.owner.email)
        page.goto(f"{live_server}/plans/{plan.id}/board")

        # The filters are folded under « Filtres » and open on a tap.
        expect(page.locator("#filter-q")).to_be_hidden()
        page.locator("#board-filters-fold > summary").filter(has_text="Filtres").tap()
        expect(page.locator("#filter-q")).to_be_visible()

        # One column at a time; every head names its column and its count.
        expect(column(page, "todo")).to_be_visible()
        for status in ("in_progress", "blocked", "done"):
            expect(column(page, status)).to_be_hidden()
        expect(page.locator("#head-todo")).to_have_text(re.compile(r"À faire\s*2"))
        expect(page.locator("#head-in_progress")).to_have_text(re.compile(r"En cours\s*1"))
        page.locator("#head-in_progress label").tap()
        expect(column(page, "in_progress").locator(f"#task-{started}")).to_be_visible()
        expect(column(page, "todo")).to_be_hidden()

        # No keyboard hint on a touch screen, and nothing scrolls sideways.
        assert page.locator("#board-keys").count() == 1
        expect(page.locator("#board-keys")).to_be_hidden()
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
    finally:
        context.close()
