"""Rows as the API shows them: plain dicts its schemas dump."""

from __future__ import annotations

from typing import Any

from tasking.models import Activity, CheckinAnswer, Comment, Measurement, Target, User


def person(user: User | None) -> dict[str, Any] | None:
    return {"id": user.id, "name": user.name} if user is not None else None


def activity_view(line: Activity) -> dict[str, Any]:
    return {
        "id": line.id,
        "kind": line.kind,
        "field": line.field,
        "old_value": line.old_value,
        "new_value": line.new_value,
        "actor": line.actor.name if line.actor is not None else line.actor_label,
        "task_version": line.task_version,
        "created_at": line.created_at,
    }


def comment_view(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "body": comment.body,
        "author": person(comment.author),
        "created_at": comment.created_at,
    }


def measurement_view(measurement: Measurement) -> dict[str, Any]:
    return {
        "id": measurement.id,
        "value": measurement.value,
        "measured_on": measurement.measured_on,
        "note": measurement.note,
        "author": person(measurement.author),
        "created_at": measurement.created_at,
    }


def target_view(target: Target) -> dict[str, Any]:
    fields = ("id", "text", "unit", "baseline", "target_value", "direction")
    view = {name: getattr(target, name) for name in fields}
    view["measurements"] = [measurement_view(m) for m in target.measurements]
    return view


def update_view(answer: CheckinAnswer) -> dict[str, Any]:
    fields = [
        "id",
        "task_id",
        "health",
        "note",
        "new_due_date",
        "due_date_reason",
        "nothing_new",
        "created_at",
    ]
    view = {name: getattr(answer, name) for name in fields}
    view["author"] = person(answer.user)
    view["from_partner"] = answer.partner_contact_id is not None
    return view
