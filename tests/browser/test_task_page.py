"""The task page in real Chromium: edit in place, comment with an @mention,
and two people editing the same task at once."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tasking.extensions import db
from tasking.models import Task
from tests.conftest import browser_login
from tests.tasks.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(make):
    return build_world(make)


def stored_title(task_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Task, task_id).title


def test_edit_a_field_in_place(live_server, page, world):
    task_id = world.task.id
    browser_login(page, live_server, world.owner.email)
    page.goto(f"{live_server}/tasks/{task_id}")
    page.evaluate("window.stillTheSamePage = true")

    field = page.locator(f"#task-{task_id}-title")
    field.get_by_role("link", name="Modifier").click()
    box = page.locator(f"#task-{task_id}-title input[name=title]")
    box.wait_for()
    assert box.evaluate("el => el === document.activeElement")  # focus lands in the form
    box.fill("Appeler chaque aîné isolé")
    page.locator(f"#task-{task_id}-title").get_by_role("button", name="Enregistrer").click()

    heading = page.get_by_role("heading", name="Appeler chaque aîné isolé")
    heading.wait_for()
    history = page.locator(f"#task-history-{task_id}")
    assert "Appeler les aînés isolés" in history.inner_text() and "a modifié" in history.inner_text()
    assert page.evaluate("window.stillTheSamePage") is True  # swapped in place, no reload
    # Keyboard focus comes back to the part that was edited.
    # (after htmx has settled, a moment after the heading shows).
    page.wait_for_function(f"() => document.activeElement.closest('#task-{task_id}-title') !== null")
    # The next edit uses the new version (updated out of band): no false conflict.
    page.locator(f"#task-{task_id}-status select").select_option("in_progress")
    page.get_by_role("button", name="Changer le statut").click()
    page.locator(f"#task-{task_id}-status .pill", has_text="En cours").wait_for()
    assert page.locator(".conflict").count() == 0
    assert stored_title(task_id) == "Appeler chaque aîné isolé"


def test_post_a_comment_with_a_mention_by_name(live_server, page, world):
    task_id = world.task.id
    browser_login(page, live_server, world.collaborator.email)
    page.goto(f"{live_server}/tasks/{task_id}")
    box = page.get_by_label("Ajouter un commentaire")
    box.click()
    box.type("**12 aînés** joints. Merci @luc")
    options = page.locator(f"#comment-body-{task_id}-options [role=option]")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("Luc Gagnon")
    box.press("Enter")  # inserts the person's unambiguous handle in place of what was typed
    assert box.input_value() == "**12 aînés** joints. Merci @responsable "
    expect(page.locator(f"#comment-body-{task_id}-mentions")).to_be_empty()
    # Accents ignored: « @cote » finds Jean Côté; a click inserts him.
    box.type("et @cote")
    page.locator(f"#comment-body-{task_id}-options [role=option]", has_text="Jean Côté").click()
    assert box.input_value() == "**12 aînés** joints. Merci @responsable et @observateur "
    # A mention that names nobody is said before posting.
    box.type("et @inconnu pour la liste !")
    warning = page.locator(f"#comment-body-{task_id}-mentions .mention-unknown")
    expect(warning).to_have_text(
        "« @inconnu » ne désigne personne de l’organisation : personne ne sera averti."
    )
    page.get_by_role("button", name="Publier le commentaire").click()

    comment = page.locator(f"#task-comments-{task_id} .comment").last
    link = comment.get_by_role("link", name="@Luc Gagnon")
    link.wait_for()
    assert link.get_attribute("href") == f"/plans/{world.plan.id}/board?owner={world.owner.id}"
    assert comment.get_by_role("link", name="@Jean Côté").is_visible()
    assert "@inconnu" in comment.inner_text()
    assert comment.locator("strong", has_text="12 aînés").is_visible()
    assert "Sophie Roy" in comment.inner_text()
    assert box.input_value() == ""  # the form came back empty
    # The latest comment among the essentials is the new one.
    expect(page.locator(f"#task-{task_id}-latest-comment")).to_contain_text("Merci @Luc Gagnon")
    assert "a commenté" in page.locator(f"#task-history-{task_id}").inner_text()


def test_the_mention_list_is_used_with_the_keyboard(live_server, page, world):
    task_id = world.task.id
    browser_login(page, live_server, world.owner.email)
    page.goto(f"{live_server}/tasks/{task_id}")
    box = page.get_by_label("Ajouter un commentaire")
    box.click()
    box.type("Voir @")
    options = page.locator(f"#comment-body-{task_id}-options [role=option]")
    expect(options).to_have_count(5)  # everyone of the organisation, by name
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    assert box.get_attribute("aria-activedescendant") == options.nth(1).get_attribute("id")
    chosen = options.nth(1).get_attribute("data-mention")
    box.press("Tab")
    assert box.input_value() == f"Voir {chosen} "
    box.type("et @zzz")
    expect(page.locator(f"#comment-body-{task_id}-mentions .mention-none")).to_contain_text("@zzz")


def test_two_people_edit_the_same_task(live_server, browser, world):
    task_id = world.task.id
    contexts = [browser.new_context(locale="fr-CA", timezone_id="America/Montreal") for _ in range(2)]
    try:
        luc, marie = (context.new_page() for context in contexts)
        for person, user in ((luc, world.owner), (marie, world.admin)):
            person.set_default_timeout(10_000)
            browser_login(person, live_server, user.email)
            person.goto(f"{live_server}/tasks/{task_id}")
            person.locator(f"#task-{task_id}-title").get_by_role("link", name="Modifier").click()
            person.locator(f"#task-{task_id}-title input[name=title]").wait_for()

        marie.locator(f"#task-{task_id}-title input[name=title]").fill("Version de Marie")
        marie.get_by_role("button", name="Enregistrer").click()
        marie.get_by_role("heading", name="Version de Marie").wait_for()

        luc.locator(f"#task-{task_id}-title input[name=title]").fill("Version de Luc")
        luc.get_by_role("button", name="Enregistrer").click()
        conflict = luc.locator(".conflict")
        conflict.wait_for()
        text = conflict.inner_text()
        assert "Quelqu’un d’autre a modifié cette tâche" in text
        assert "Marie Tremblay" in text
        assert conflict.locator(".theirs").inner_text() == "Version de Marie"
        assert conflict.locator(".yours").inner_text() == "Version de Luc"
        assert stored_title(task_id) == "Version de Marie"  # nothing overwritten

        conflict.get_by_role("button", name="Appliquer ma version à nouveau").click()
        luc.get_by_role("heading", name="Version de Luc").wait_for()
        # The heading is swapped out of band, just before the conflict is replaced.
        expect(luc.locator(".conflict")).to_have_count(0)
        assert stored_title(task_id) == "Version de Luc"
    finally:
        for context in contexts:
            context.close()


def test_without_javascript_the_forms_still_work(live_server, browser, world):
    task_id = world.task.id
    context = browser.new_context(locale="fr-CA", java_script_enabled=False)
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        browser_login(page, live_server, world.owner.email)
        page.goto(f"{live_server}/tasks/{task_id}")
        page.locator(f"#task-{task_id}-title").get_by_role("link", name="Modifier").click()
        page.wait_for_url(f"**/tasks/{task_id}/edit/title*")
        page.fill(f"#task-{task_id}-title input[name=title]", "Sans JavaScript")
        page.locator(f"#task-{task_id}-title").get_by_role("button", name="Enregistrer").click()
        page.wait_for_url(f"**/tasks/{task_id}#task-{task_id}-title")
        assert page.get_by_role("heading", name="Sans JavaScript").is_visible()
        page.locator(f"#task-{task_id}-status select").select_option("done")
        page.get_by_role("button", name="Changer le statut").click()
        page.wait_for_url(f"**/tasks/{task_id}#task-{task_id}-status")
        assert page.locator(f"#task-{task_id}-status .pill").inner_text() == "Terminé"
        assert stored_title(task_id) == "Sans JavaScript"
    finally:
        context.close()
