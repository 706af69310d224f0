"""What htmx redraws is what the page shows: one target's line and one part
of the task come from the same macros as the page's, so the fragment a
button asks for is, byte for byte, the page's markup for it."""

from __future__ import annotations

import re

from tasking.extensions import db
from tasking.tasks import measurements
from tests.factories import NOW
from tests.tasks.busy_task import busy_task

HX = {"HX-Request": "true"}
#: The parts a member sees displayed (the status shows its form).
DISPLAYED = ("title", "owner", "dates", "description", "region_help", "collaborators", "partners", "horizon")


def test_a_target_line_and_a_part_redrawn_by_htmx_are_the_page_s(client):
    busy = busy_task(db.session)
    task_id = busy.task.id
    target_ids = [target.id for target in busy.task.objective.targets]
    client.login(busy.owner.email)
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)

    lines = re.findall(r'<li id="target-\d+" class="target">.*?</li>', page, re.S)
    assert len(lines) == len(target_ids) == 8
    for target_id, line in zip(target_ids, lines, strict=True):
        fragment = client.get(f"/tasks/{task_id}/targets/{target_id}", headers=HX).get_data(as_text=True)
        assert fragment.strip() == line
        assert 'class="progress" title="Dernière valeur' in line

    for group in DISPLAYED:
        shown = client.get(f"/tasks/{task_id}/show/{group}", headers=HX).get_data(as_text=True).strip()
        assert shown.startswith(f'<div id="task-{task_id}-{group}" class="task-field field-{group}">')
        assert shown in page


def test_a_target_s_progress_is_in_the_reader_s_language(client):
    """A bar is drawn once for the process and kept (``progress()``): its
    words and figures still follow each reader's language."""
    busy = busy_task(db.session)
    target = busy.task.objective.targets[0]
    measurements.add_measurement(
        db.session, actor=busy.owner, target=target, value=32.5, measured_on=NOW.date(), now=NOW
    )
    db.session.commit()
    client.login(busy.owner.email)
    url = f"/tasks/{busy.task.id}"
    assert 'title="Dernière valeur\u00a0: 32,5"' in client.get(url).get_data(as_text=True)
    busy.owner.locale = "en_CA"
    db.session.commit()
    english = client.get(url).get_data(as_text=True)
    assert 'title="Latest value: 32.5"' in english and "32.5 / 80 %" in english
    busy.owner.locale = "fr_CA"
    db.session.commit()
    assert "32,5 / 80 %" in client.get(url).get_data(as_text=True)
