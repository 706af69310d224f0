"""Every route, walked by every role, including a user of another organisation.

Each endpoint is classified by the right it needs; the test fails when a new
route is not classified, so no route escapes the matrix. Allowed means the
request passed the gate (any answer but 401/403/404 and never a 5xx);
denied means 404 for someone who may not read the organisation's data, and
403 or 404 for a reader without the right. Signed-out visitors are sent to
the login page.
"""

from datetime import timedelta

import pytest

from tasking.api.tokens import create_token
from tasking.core.clock import now
from tasking.extensions import db
from tasking.meetings.services import prepare_meeting
from tasking.models import CheckinRound, OutboxMessage, PartnerContact, Task, WebhookDelivery
from tasking.privacy_register.incidents import record_incident
from tasking.webhooks.settings import add_webhook
from tests.conftest import app_now

# The right each endpoint needs. "token" routes carry their own signed secret
# and are tested with their features (reset, invitation, unsubscribe, mailbox
# actions, calendar feed); "own" routes act on the signed-in user's own rows
# or lead to their own organisation; "coordinate" routes change a region's
# settings (its coordinators only).
RIGHTS = {
    "static": "public",
    "favicon": "public",
    "health.healthz": "public",
    "health.readyz": "public",
    "ops.metrics": "token",
    "auth.login": "public",
    "auth.forgot_password": "public",
    "auth.reset_password": "token",
    "auth.accept_invitation": "token",
    "notifications.unsubscribe": "token",
    "notifications.task_action": "token",
    "exchange.calendar_feed": "token",
    "auth.logout": "user",
    "auth.set_language": "public",
    "auth.account": "user",
    "auth.reauthenticate": "user",
    "auth.change_password": "user",
    "two_factor.challenge": "public",
    "two_factor.manage": "user",
    "two_factor.setup": "user",
    "two_factor.recovery_codes": "user",
    "two_factor.disable": "user",
    # Security keys: added by the signed-in person, removed by their owner only;
    # used at sign-in after the password (the pending sign-in in the session is the gate).
    "two_factor.key_options": "user",
    "two_factor.add_key": "user",
    "two_factor.remove_key": "own",
    "two_factor.sign_in_options": "public",
    "two_factor.sign_in_with_key": "public",
    # Single sign-on: the way out to an organisation's provider and back, and its settings.
    "sso.start": "public",
    "sso.callback": "public",
    "sso.settings": "admin",
    "sso.remove": "admin",
    "plans.home": "user",
    "plans.index": "user",
    "me.tasks": "user",
    "notifications.bell": "user",
    "notifications.index": "user",
    "notifications.mark_all_read": "user",
    "notifications.preferences": "user",
    "exchange.calendar_token": "user",
    "notifications.mark_read": "own",
    "notifications.open_one": "own",
    "plans.show": "read",
    "board.show": "read",
    "board.column": "read",
    "board.card": "read",
    "tasks.show": "read",
    "tasks.field": "read",
    "tasks.history": "read",
    "tasks.older_comments": "read",
    "tasks.target": "read",
    "dashboards.plan": "read",
    "dashboards.indicators": "read",
    "exchange.export": "read",
    "board.move": "contribute",
    "tasks.comment": "contribute",
    "tasks.measure": "contribute",
    "tasks.measurement_form": "contribute",
    "tasks.mention_suggestions": "contribute",
    "tasks.edit": "edit",
    "dashboards.region": "region",
    "admin.index": "own",
    "admin.members": "admin",
    "admin.change_role": "admin",
    "admin.change_active": "admin",
    "admin.org_settings": "admin",
    "admin.region_settings": "coordinate",
    # The security log of an organisation and its CSV: its admins only.
    "securitylog.index": "admin",
    "securitylog.export": "admin",
    "plans.create_from_template": "admin",
    "planning.edit_plan": "admin",
    "planning.edit_theme": "admin",
    "planning.edit_objective": "admin",
    "planning.edit_target": "admin",
    "planning.new_theme": "admin",
    "planning.new_objective": "admin",
    "planning.new_action": "admin",
    "planning.new_target": "admin",
    "planning.structure": "admin",
    "exchange.import_tasks": "admin",
    "exchange.confirm_tasks": "admin",
    "exchange.import_docx": "admin",
    "exchange.confirm_docx": "admin",
    "outbox.outbox_home": "own",
    "outbox.outbox": "admin",
    "outbox.outbox_message": "admin",
    "outbox.outbox_preview": "admin",
    "outbox.outbox_retry": "admin",
    "checkins.mine": "user",
    "checkins.by_link": "token",
    "checkins.coordinator": "admin",
    "checkins.nudge": "admin",
    "checkins.close": "admin",
    "checkins.partner_page": "token",
    "checkins.partner_contacts": "admin",
    "checkins.revoke_partner": "admin",
    "checkins.partner_email": "admin",
    # The region's meetings: read by its coordinators and its municipalities'
    # admins ("region"), run by its coordinators only ("coordinate").
    "meetings.index": "region",
    "meetings.show": "region",
    "meetings.print_minutes": "region",
    "meetings.minutes_docx": "region",
    "meetings.prepare": "coordinate",
    "meetings.add_item": "coordinate",
    "meetings.move_item": "coordinate",
    "meetings.strike_item": "coordinate",
    "meetings.note": "coordinate",
    "meetings.decision": "coordinate",
    "meetings.follow_up": "coordinate",
    "meetings.attendance": "coordinate",
    "meetings.close": "coordinate",
    # Personal access tokens: listed and created by their owner, revoked only by them.
    "webhooks.index": "admin",
    "webhooks.add": "admin",
    "webhooks.toggle": "admin",
    "webhooks.delete": "admin",
    "webhooks.retry": "admin",
    # Personal data (Law 25): one's own export; an admin's export of a member, the retention setting.
    "privacy.mine": "user",
    "privacy.download_mine": "user",
    "privacy.member_data": "admin",
    "privacy.download_member": "admin",
    "privacy.retention_settings": "admin",
    "tokens.index": "user",
    "tokens.create": "user",
    "tokens.revoke": "own",
    "api_docs.index": "public",
    "api-docs.openapi_json": "public",
    # The JSON API: walked below with each person's token instead of a session.
    "api.organisations": "user",
    "api.plans": "read",
    "api.plan": "read",
    "api.themes": "read",
    "api.tasks": "read",
    "api.task": "read",
    "api.history": "read",
    "api.comments": "read",
    "api.targets": "read",
    "api.updates": "read",
    "api.change_task": "contribute",
    "api.post_comment": "contribute",
    "api.post_measurement": "contribute",
    "api.post_update": "own",
    "api.meetings": "region",
    "api.meeting": "region",
    "api.summary": "region",
    # Law 25: the privacy notice is public (each organisation's too) and
    # acknowledged by the person signed in; the notice's settings and the
    # confidentiality incident register are the organisation's admins'.
    "notice.notice": "public",
    "notice.org_notice": "public",
    "notice.acknowledge": "user",
    "notice.settings": "admin",
    "incidents.index": "admin",
    "incidents.new": "admin",
    "incidents.edit": "admin",
    "incidents.export": "admin",
}

# Query strings a route needs to find its object.
QUERY = {"board.column": "?status=todo"}

ROLES = ["admin", "owner", "collaborator", "member", "viewer", "coordinator", "stranger", "anonymous"]
# Which rights each role holds on organisation A's plan and task.
GRANTS = {
    "admin": {"user", "read", "contribute", "edit", "admin", "region"},
    "owner": {"user", "read", "contribute", "edit"},
    "collaborator": {"user", "read", "contribute"},
    "member": {"user", "read"},
    "viewer": {"user", "read"},
    "coordinator": {"user", "read", "region", "coordinate"},
    "stranger": {"user"},
    "anonymous": set(),
}
# Rights a role lacks although it reads the organisation: 403 is an honest answer then.
READERS = {"admin", "owner", "collaborator", "member", "viewer", "coordinator"}


def test_every_route_is_classified(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - set(RIGHTS) == set(), "classify the new routes in RIGHTS"


@pytest.fixture
def world(make):
    region = make.region("mrc-a", "MRC A")
    org_a = make.org("ville-a", "Ville A", region=region)
    org_b = make.org("ville-b", "Ville B")
    people = {
        "admin": make.user(org_a, role="admin", email="admin@ville-a.qc.ca"),
        "owner": make.user(org_a, role="member", email="owner@ville-a.qc.ca"),
        "collaborator": make.user(org_a, role="member", email="collab@ville-a.qc.ca"),
        "member": make.user(org_a, role="member", email="member@ville-a.qc.ca"),
        "viewer": make.user(org_a, role="viewer", email="viewer@ville-a.qc.ca"),
        "coordinator": make.user(org_b, role="viewer", email="mrc@mrc-a.qc.ca", regional=region),
        "stranger": make.user(org_b, role="admin", email="admin@ville-b.qc.ca"),
    }
    plan = make.plan(org_a)
    task = db.session.get(Task, plan.themes[1].objectives[0].tasks[0].id)
    task.owner = people["owner"]
    task.collaborators.append(people["collaborator"])
    message = OutboxMessage(
        created_at=app_now(),
        dedupe_key="matrix",
        message_id="<matrix@retablir.test>",
        kind="test",
        user_id=people["member"].id,
        organisation_id=org_a.id,
        recipient="member@ville-a.qc.ca",
        subject="Essai",
        body_text="Essai",
        next_attempt_at=now(),
    )
    checkin = CheckinRound(
        organisation_id=org_a.id,
        week="2026-W48",
        opens_at=app_now() - timedelta(days=1),
        remind_at=app_now() + timedelta(days=1),
        closes_at=app_now() + timedelta(days=2),
        created_at=app_now(),
    )
    contact = PartnerContact(
        organisation_id=org_a.id, email="cisss@exemple.qc.ca", name="CISSS", created_at=app_now()
    )
    db.session.add_all([message, checkin, contact])
    meeting = prepare_meeting(db.session, region=region, actor=people["coordinator"], now=app_now())
    # Two webhooks: the walk removes the first before it retries a delivery of the second.
    hooks = [
        add_webhook(
            db.session,
            actor=people["admin"],
            organisation_id=org_a.id,
            url=f"http://127.0.0.1:9/{n}",
            events=["task.changed"],
            format="json",
            now=app_now(),
        )
        for n in (1, 2)
    ]
    delivery = WebhookDelivery(
        webhook_id=hooks[1].id,
        event="task.changed",
        dedupe_key="matrix",
        payload="{}",
        created_at=app_now(),
        next_attempt_at=app_now(),
        attempts=1,
        status="failed",
    )
    db.session.add(delivery)
    incident = record_incident(
        db.session,
        organisation_id=org_a.id,
        actor=people["admin"],
        values={
            "discovered_on": "2026-11-20",
            "discovered_by": "TI",
            "nature": "loss",
            "description": "Perte",
            "information_concerned": "Noms",
        },
        now=app_now(),
        today=app_now().date(),
    )
    db.session.commit()
    params_ids = {"webhook_id": hooks[0].id, "delivery_id": delivery.id, "incident_id": incident.id}
    objective = task.objective
    params = {
        "plan_id": plan.id,
        "task_id": task.id,
        "org_id": org_a.id,
        "user_id": people["member"].id,
        "objective_id": objective.id,
        "theme_id": objective.theme_id,
        "target_id": objective.targets[0].id,
        "message_id": message.id,
        "round_id": checkin.id,
        "contact_id": contact.id,
        "organisation_id": org_a.id,
        **params_ids,
        "slug": region.slug,
        "kind": "actions",
        "item_id": task.id,
        "operation": "up",
        "group": "title",
        "extension": "csv",
        "token": "x",
        "notification_id": 1,
        "filename": "css/app.css",
    }
    post_data = {
        "board.move": {"status": "in_progress", "version": str(task.version)},
        "tasks.comment": {"body": "Vu."},
        "tasks.measure": {"value": "12", "measured_on": "2026-11-20"},
        "tasks.edit": {"title": task.title, "version": str(task.version)},
        "admin.change_role": {"role": "member"},
        "admin.change_active": {"active": "1"},
    }
    api_data = {
        "api.change_task": {"version": task.version, "status": "in_progress"},
        "api.post_comment": {"body": "Vu."},
        "api.post_measurement": {"value": 12, "measured_on": "2026-11-20"},
    }
    # The meeting's routes find an agenda item of that meeting, not a plan item.
    overrides = {"meeting_id": meeting.id, "item_id": meeting.items[0].id}
    return {
        "people": people,
        "params": params,
        "post_data": post_data,
        "api_data": api_data,
        "meeting_params": overrides,
    }


def _url(rule, params):
    return rule.build({name: params[name] for name in rule.arguments}, append_unknown=False)[1]


@pytest.mark.parametrize("role", ROLES)
def test_route_matrix(role, world, app, make_client):
    client = make_client()
    if role == "anonymous":
        client.fetch_csrf()  # a signed-out form still carries its token
    else:
        client.login(world["people"][role].email)
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        right = RIGHTS[rule.endpoint]
        if right in ("public", "token", "own") or rule.endpoint in ("auth.logout",) or _api(rule):
            continue
        params = world["params"]
        if rule.endpoint.startswith("meetings."):
            params = {**params, **world["meeting_params"]}
        url = _url(rule, params) + QUERY.get(rule.endpoint, "")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = world["post_data"].get(rule.endpoint, {})
            response = client.open(url, method=method, data=data if method == "POST" else None)
            status = response.status_code
            where = f"{role} {method} {url} ({rule.endpoint}) → {status}"
            if status >= 500:
                failures.append(where + " server error")
            elif role == "anonymous":
                ok = status == 302 and "/login" in response.headers.get("Location", "")
                if not ok:
                    failures.append(where + " expected a redirect to the login page")
            elif right in GRANTS[role]:
                if status in (401, 403, 404):
                    failures.append(where + " expected access")
            elif role in READERS and right != "region":
                if status not in (403, 404):
                    failures.append(where + " expected 403 or 404")
            elif status != 404:
                failures.append(where + " expected 404")
    assert failures == []


def _api(rule) -> bool:  # noqa: ANN001
    return rule.endpoint.startswith("api.")


@pytest.mark.parametrize("role", ROLES)
def test_api_matrix(role, world, app, client):
    """A token acts with its owner's permissions, never more; none is 401."""
    headers = {}
    if role != "anonymous":
        _token, secret = create_token(
            db.session,
            actor=world["people"][role],
            name="matrix",
            scope="write",
            expires_on=app_now().date() + timedelta(days=30),
            now=app_now(),
        )
        db.session.commit()
        headers = {"Authorization": f"Bearer {secret}"}
    failures = []
    for rule in sorted(filter(_api, app.url_map.iter_rules()), key=lambda r: r.rule):
        right = RIGHTS[rule.endpoint]
        if right == "own":
            continue
        params = world["params"]
        if rule.endpoint.startswith("api.meeting"):
            params = {**params, **world["meeting_params"]}
        url = _url(rule, params)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            body = world["api_data"].get(rule.endpoint) if method != "GET" else None
            status = client.open(url, method=method, json=body, headers=headers).status_code
            where = f"{role} {method} {url} ({rule.endpoint}) → {status}"
            if status >= 500:
                failures.append(where + " server error")
            elif role == "anonymous":
                if status != 401:
                    failures.append(where + " expected 401")
            elif right in GRANTS[role]:
                if status in (401, 403, 404):
                    failures.append(where + " expected access")
            elif role in READERS:
                if status not in (403, 404):
                    failures.append(where + " expected 403 or 404")
            elif status != 404:
                failures.append(where + " expected 404")
    assert failures == []
