"""The regional digest of a full region, 20 municipalities × 150 actions, in
the worst shape for its size: long titles, many help requests, blockers
shared everywhere, a busy week. It stays under 40 KB of HTML, its text reads
alone, and it is built in under a second."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from sqlalchemy import event, insert

from tasking.extensions import db
from tasking.models import Activity, Region, Task, TaskPartner
from tasking.outbox.queue import render_email
from tasking.regions.summary import region_summary
from tasking.scheduling.regional import digest_context, last_meeting
from tests.conftest import app_now

from .conftest import small_plan

THURSDAY_8 = "2026-11-26T08:00:00-05:00"
LONG = (
    "Mettre en place un comité de soutien psychosocial pour les personnes sinistrées et leurs proches, " * 2
)


def big_region(mk, world) -> None:
    """20 municipalities (Ville A is the world's), 150 actions each: a third
    done, a fifth blocked (half of those asking the region for help), every
    blocked one with a partner and a reason shared across municipalities."""
    rows, partners, changes = [], [], []
    organisations = [(world.org, world.plan, world.objective)]
    for number in range(2, 21):
        org = mk.org(
            f"municipalite-{number:02d}", f"Municipalité régionale numéro {number:02d}", world.region
        )
        mk.user(org, "admin", email=f"direction@m{number:02d}.ca")
        plan, _theme, objective = small_plan(org)
        organisations.append((org, plan, objective))
    for org, plan, objective in organisations:
        for n in range(150):
            blocked = n % 5 == 1
            rows.append(
                {
                    "plan_id": plan.id,
                    "objective_id": objective.id,
                    "title": f"{LONG} ({org.slug}-{n})",
                    "owner_id": world.owner.id,
                    "status": "done" if n % 3 == 0 else ("blocked" if blocked else "todo"),
                    "blocked_reason": f"En attente du financement régional numéro {n % 17}"
                    if blocked
                    else "",
                    "region_help": blocked and n % 2 == 1,
                    "region_help_reason": LONG if blocked else "",
                    "due_date": date(2026, 11, 1) + timedelta(days=n),
                    "created_at": app_now(),
                    "updated_at": app_now(),
                    "description": "",
                    "board_position": float(n),
                    "plan_position": n,
                    "version": 1,
                }
            )
    ids = db.session.scalars(insert(Task).returning(Task.id, sort_by_parameter_order=True), rows).all()
    org_of = {plan.id: org.id for org, plan, _objective in organisations}
    for task_id, row in zip(ids, rows, strict=True):
        if row["status"] == "blocked":
            partners.append({"task_id": task_id, "name": f"Partenaire communautaire {task_id % 13}"})
            changes.append(
                {
                    "organisation_id": org_of[row["plan_id"]],
                    "plan_id": row["plan_id"],
                    "task_id": task_id,
                    "kind": "field",
                    "field": "status",
                    "old_value": "todo",
                    "new_value": "blocked",
                    "created_at": datetime(2026, 11, 24, 15),
                }
            )
    db.session.execute(insert(TaskPartner), partners)
    db.session.execute(insert(Activity), changes)
    db.session.commit()


def test_twenty_municipalities_of_150_actions_fit_in_40_kb(world, mk, cli, smtp_server, mail_app):
    mk.user(
        world.org, "viewer", email="coordination@mrc-test.ca", name="Marc Régional", regional=world.region
    )
    big_region(mk, world)

    assert cli("notify", "regional-digest", "--now", THURSDAY_8).output.strip() == "queued=21"
    assert cli("outbox", "send").output.strip().startswith("sent=21 ")
    [mail] = smtp_server.by_recipient("coordination@mrc-test.ca")
    html = mail.get_body(("html",)).get_content()
    text = mail.get_body(("plain",)).get_content()
    assert len(html.encode()) < 40_000, len(html.encode())
    # The whole table, each municipality once, then the lists, cut and counted.
    rows = [
        line
        for line in text.splitlines()
        if line.startswith("* Municipalité régionale") and "en retard" in line
    ]
    assert len(rows) == 19
    asked = int(re.search(r"Aide demandée \((\d+)\)", text).group(1))
    assert asked > 100 and f"… et {asked - 15} de plus" in text
    assert "Blocages communs à plusieurs municipalités" in text and "Nouvellement bloquées" in text
    [admin_mail] = smtp_server.by_recipient("direction@m07.ca")
    assert len(admin_mail.get_body(("html",)).get_content().encode()) < 40_000


def test_the_digest_of_a_full_region_costs_a_fixed_number_of_queries(world, mk, mail_app):
    """20 municipalities × 150 actions in as many statements as one: the time
    it takes is measured in bench/digests.py, not here."""
    mk.user(
        world.org, "viewer", email="coordination@mrc-test.ca", name="Marc Régional", regional=world.region
    )
    big_region(mk, world)
    now = datetime(2026, 11, 26, 13)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # noqa: ANN001
        statements.append(statement)

    with mail_app.test_request_context():
        region = db.session.get(Region, world.region.id)
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            summary = region_summary(
                db.session, region, now=now, week="2026-W48", since=last_meeting(region, now)
            )
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
        render_email("regional_digest", "fr_CA", user=world.admin, **digest_context(summary, None))
    assert len(summary.rows) == 20 and sum(r.now.total for r in summary.rows) == 3000
    assert len(statements) == 9, statements
