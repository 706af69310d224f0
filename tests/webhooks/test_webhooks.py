"""Outgoing webhooks: queued with their cause, signed, retried, shown to admins."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta

from sqlalchemy import func, select

from tasking.checkins.answers import AnswerInput, save_answers, update_page
from tasking.extensions import db
from tasking.meetings.closing import close_meeting
from tasking.meetings.services import prepare_meeting
from tasking.models import WebhookDelivery
from tasking.tasks.comments import add_comment
from tasking.tasks.editing import update_task
from tasking.webhooks.delivery import MAX_ATTEMPTS, deliver_webhooks
from tasking.webhooks.jobs import run_webhooks
from tests.conftest import app_now

HTMX = {"HX-Request": "true"}


def _deliveries() -> list[WebhookDelivery]:
    db.session.expire_all()
    return list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def _change_status(town, status: str = "in_progress", **more: str) -> None:  # noqa: ANN001, ANN003
    changes = {"status": status, **more}
    update_task(
        db.session,
        actor=town.owner,
        task=town.task,
        changes=changes,
        version=town.task.version,
        now=app_now(),
    )
    db.session.commit()


def test_an_admin_adds_a_webhook_and_sees_its_deliveries(client, town, receiver):
    client.login(town.admin.email)
    page = client.get(f"/admin/orgs/{town.org.id}/webhooks")
    assert page.status_code == 200 and "Webhooks" in page.get_data(as_text=True)
    refused = client.post(
        f"/admin/orgs/{town.org.id}/webhooks",
        data={
            "url": "ftp://exemple",
            "events": ["task.changed"],
            "format": "json",
            "csrf_token": client.csrf,
        },
    )
    assert refused.status_code == 422
    assert "L’adresse doit commencer par https://" in refused.get_data(as_text=True)
    none = client.post(
        f"/admin/orgs/{town.org.id}/webhooks",
        data={"url": receiver.url, "format": "json", "csrf_token": client.csrf},
    )
    assert none.status_code == 422
    assert "Choisissez au moins un type d’événement." in none.get_data(as_text=True)
    added = client.post(
        f"/admin/orgs/{town.org.id}/webhooks",
        data={"url": receiver.url, "events": ["task.changed"], "format": "json", "csrf_token": client.csrf},
    )
    assert added.status_code == 303
    _change_status(town)
    run_webhooks(db.session, now=app_now())
    page = client.get(f"/admin/orgs/{town.org.id}/webhooks").get_data(as_text=True)
    assert receiver.url in page
    assert "Livré" in page and "<code>200</code>" in page


def test_other_people_do_not_see_the_webhooks(make_client, town):
    for person in (town.owner, town.coordinator):
        client = make_client()
        client.login(person.email)
        assert client.get(f"/admin/orgs/{town.org.id}/webhooks").status_code == 404


def test_a_change_is_delivered_once_signed(town, receiver):
    hook = town.webhook(receiver.url, ["task.changed", "comment.posted"])
    _change_status(town)
    add_comment(db.session, actor=town.owner, task=town.task, body="Premier appel fait.", now=app_now())
    db.session.commit()
    assert [d.event for d in _deliveries()] == ["task.changed", "comment.posted"]
    report = deliver_webhooks(db.session, now=app_now())
    assert report.delivered == 2
    assert deliver_webhooks(db.session, now=app_now() + timedelta(hours=1)).delivered == 0
    assert len(receiver.received) == 2
    # Sent side by side: they may arrive in either order.
    by_event = {item.headers["X-Retablir-Event"]: item for item in receiver.received}
    first = by_event["task.changed"]
    timestamp = first.headers["X-Retablir-Timestamp"]
    expected = hmac.new(
        hook.secret.encode(), f"{timestamp}.".encode() + first.body, hashlib.sha256
    ).hexdigest()
    assert first.headers["X-Retablir-Signature"] == f"sha256={expected}"
    assert first.json["task"]["status"] == "in_progress"
    assert first.json["changes"] == [{"field": "status", "old": "todo", "new": "in_progress"}]
    assert first.json["summary"] == "Frédéric Tremblay a changé le statut pour «\u00a0En cours\u00a0»."
    assert first.json["organisation"]["name"] == "Ville de Démo"
    assert by_event["comment.posted"].json["comment"] == "Premier appel fait."


def test_a_change_rolled_back_sends_nothing(town, receiver):
    town.webhook(receiver.url, ["task.changed"])
    update_task(
        db.session,
        actor=town.owner,
        task=town.task,
        changes={"status": "done"},
        version=town.task.version,
        now=app_now(),
    )
    db.session.rollback()
    assert _deliveries() == []


def test_the_request_does_not_wait_for_the_receiver(client, town):
    # Nothing listens there: the page answers at once, the delivery waits.
    town.webhook("http://127.0.0.1:9/hook", ["comment.posted"])
    client.login(town.owner.email)
    answer = client.post(f"/tasks/{town.task.id}/comments", data={"body": "Vu."}, headers=HTMX)
    assert answer.status_code == 200
    (delivery,) = _deliveries()
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    report = deliver_webhooks(db.session, now=app_now())
    assert report.waiting == 1
    delivery = _deliveries()[0]
    assert delivery.last_status is None and "ConnectionError" in delivery.last_response


def test_a_refusal_is_retried_with_back_off_then_given_up(town, receiver):
    town.webhook(receiver.url, ["task.changed"])
    _change_status(town)
    receiver.status = 503
    now = app_now()
    assert deliver_webhooks(db.session, now=now).waiting == 1
    (delivery,) = _deliveries()
    assert (delivery.attempts, delivery.last_status, delivery.last_response) == (1, 503, "busy")
    assert delivery.next_attempt_at == now + timedelta(minutes=1)
    assert deliver_webhooks(db.session, now=now + timedelta(seconds=30)).waiting == 0
    for _ in range(MAX_ATTEMPTS - 1):
        now = _deliveries()[0].next_attempt_at
        deliver_webhooks(db.session, now=now)
    assert (_deliveries()[0].status, _deliveries()[0].attempts) == ("failed", MAX_ATTEMPTS)
    receiver.status = 200
    assert deliver_webhooks(db.session, now=now + timedelta(days=1)).delivered == 0
    assert len(receiver.received) == MAX_ATTEMPTS


def test_an_admin_retries_a_failed_delivery(client, town, receiver):
    town.webhook(receiver.url, ["task.changed"])
    _change_status(town)
    receiver.status = 500
    deliver_webhooks(db.session, now=app_now())
    receiver.status = 200
    delivery_id = _deliveries()[0].id
    client.login(town.admin.email)
    answer = client.post(
        f"/admin/orgs/{town.org.id}/webhooks/deliveries/{delivery_id}/retry", data={"csrf_token": client.csrf}
    )
    assert answer.status_code == 303
    assert deliver_webhooks(db.session, now=app_now()).delivered == 1


def test_teams_and_slack_get_messages_they_show(town, receiver):
    town.webhook(receiver.url + "/teams", ["task.changed"], format="teams")
    town.webhook(receiver.url + "/slack", ["task.changed"], format="slack")
    _change_status(town, "blocked", blocked_reason="Attente du CIUSSS")
    deliver_webhooks(db.session, now=app_now())
    by_path = {item.path: item.json for item in receiver.received}
    card = by_path["/hook/teams"]
    assert card["@type"] == "MessageCard"
    assert card["title"] == "Appeler les aînés"
    assert card["text"] == "Frédéric Tremblay a changé le statut pour «\u00a0Bloqué\u00a0»."
    assert card["potentialAction"][0]["targets"][0]["uri"].endswith(f"/tasks/{town.task.id}")
    slack = by_path["/hook/slack"]
    assert slack["text"].startswith("Appeler les aînés — ")
    assert f"/tasks/{town.task.id}|Appeler les aînés>" in slack["blocks"][0]["text"]["text"]


def test_an_overdue_action_is_told_once_per_due_date(town, receiver):
    town.webhook(receiver.url, ["task.overdue"])
    run_webhooks(db.session, now=app_now())
    run_webhooks(db.session, now=app_now() + timedelta(minutes=30))
    assert len(receiver.received) == 1
    told = receiver.received[0].json
    assert told["event"] == "task.overdue" and told["days_late"] == 2
    assert "2 jours de retard" in told["summary"]
    update_task(
        db.session,
        actor=town.owner,
        task=town.task,
        changes={"due_date": app_now().date() - timedelta(days=1)},
        version=town.task.version,
        now=app_now(),
    )
    db.session.commit()
    run_webhooks(db.session, now=app_now())
    assert len(receiver.received) == 2


def test_a_paused_webhook_hears_nothing_new(client, town, receiver):
    hook = town.webhook(receiver.url, ["task.changed"])
    client.login(town.admin.email)
    client.post(f"/admin/orgs/{town.org.id}/webhooks/{hook.id}/active", data={"csrf_token": client.csrf})
    _change_status(town)
    assert _deliveries() == []


def test_check_in_answers_and_closed_meetings(town, receiver):
    town.webhook(receiver.url, ["checkin.answered", "meeting.closed"])
    page = update_page(db.session, person=town.owner, now=app_now())
    row = AnswerInput(
        task_id=town.task.id, version=town.task.version, health="at_risk", note="Local en retard"
    )
    save_answers(db.session, person=town.owner, page=page, rows=[row], now=app_now())
    meeting = prepare_meeting(db.session, region=town.region, actor=town.coordinator, now=app_now())
    close_meeting(db.session, meeting=meeting, actor=town.coordinator, now=app_now())
    db.session.commit()
    deliver_webhooks(db.session, now=app_now())
    events = {item.json["event"]: item.json for item in receiver.received}
    assert events["checkin.answered"]["update"] == {
        "health": "at_risk",
        "note": "Local en retard",
        "nothing_new": False,
    }
    assert events["meeting.closed"]["title"].startswith("Statutaire hebdomadaire de ")
    assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 2
    assert json.loads(_deliveries()[1].payload)["url"].endswith(f"/meetings/{meeting.id}")


def test_a_client_error_is_not_retried_but_a_rate_limit_is(town, receiver):
    town.webhook(receiver.url, ["task.changed"])
    _change_status(town)
    receiver.status = 429
    deliver_webhooks(db.session, now=app_now())
    assert (_deliveries()[0].status, _deliveries()[0].attempts) == ("pending", 1)
    receiver.status = 410
    deliver_webhooks(db.session, now=app_now() + timedelta(minutes=1))
    assert (_deliveries()[0].status, _deliveries()[0].last_status) == ("failed", 410)
    assert len(receiver.received) == 2


def test_a_slow_receiver_is_given_up_on_and_retried(town, receiver, monkeypatch):
    town.webhook(receiver.url, ["task.changed"])
    _change_status(town)
    monkeypatch.setattr("tasking.webhooks.delivery.TIMEOUT_SECONDS", 0.2)
    receiver.delay = 1.0
    deliver_webhooks(db.session, now=app_now())
    delivery = _deliveries()[0]
    assert (delivery.status, delivery.attempts, delivery.last_status) == ("pending", 1, None)
    assert "Timeout" in delivery.last_response
    receiver.delay = 0
    assert deliver_webhooks(db.session, now=app_now() + timedelta(minutes=1)).delivered == 1


def test_a_card_moved_on_the_board_is_delivered_to_those_listening(client, town, count_queries):
    changes = town.webhook("http://127.0.0.1:9/changes", ["task.changed"])
    town.webhook("http://127.0.0.1:9/comments", ["comment.posted"])
    client.login(town.owner.email)
    data = {"status": "in_progress", "version": str(town.task.version)}
    with count_queries() as counter:
        answer = client.post(f"/tasks/{town.task.id}/move", data=data, headers=HTMX)
    assert answer.status_code == 200
    [delivery] = _deliveries()
    assert (delivery.webhook_id, delivery.event) == (changes.id, "task.changed")
    assert json.loads(delivery.payload)["task"]["status"] == "in_progress"
    # Who listens is read with the task, not by a statement of its own.
    assert not any(s.lstrip().startswith("SELECT webhook.id") for s in counter.statements)
