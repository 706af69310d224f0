"""What the API reads and answers, as marshmallow schemas: they validate the
input and are the OpenAPI document's components."""

from __future__ import annotations

from datetime import UTC, datetime

from marshmallow import Schema, fields, validate

from tasking.core.validation import MAX_ID
from tasking.models import Health, TaskStatus

STATUSES = [status.value for status in TaskStatus]
#: Ids and versions are 32-bit in the database: a larger number is refused by the schema.
ID = validate.Range(min=1, max=MAX_ID)


class UtcDateTime(fields.DateTime):
    """Times are stored naive, in UTC: the answer says so (RFC 3339, « +00:00 »)."""

    def _serialize(
        self, value: datetime | None, attr: str | None, obj: object, **kwargs: object
    ) -> str | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


HEALTHS = [health.value for health in Health]


class PersonSchema(Schema):
    id = fields.Int(required=True)
    name = fields.Str(required=True)


class OrganisationSchema(Schema):
    id = fields.Int(required=True)
    slug = fields.Str(required=True)
    name = fields.Str(required=True)
    region = fields.Str(allow_none=True, metadata={"description": "The region's slug (MRC)."})
    role = fields.Str(allow_none=True, metadata={"description": "The caller's role here, if a member."})


class PlanSchema(Schema):
    id = fields.Int(required=True)
    organisation_id = fields.Int(required=True)
    title = fields.Str(required=True)
    event = fields.Str()
    created_at = UtcDateTime()


class ObjectiveSchema(Schema):
    id = fields.Int(required=True)
    title = fields.Str(required=True)
    description = fields.Str()
    position = fields.Int()


class ThemeSchema(Schema):
    id = fields.Int(required=True)
    number = fields.Int(allow_none=True)
    title = fields.Str(required=True)
    category = fields.Str()
    colour = fields.Str()
    position = fields.Int()
    objectives = fields.List(fields.Nested(ObjectiveSchema))


class TaskSchema(Schema):
    id = fields.Int(required=True)
    plan_id = fields.Int(required=True)
    objective_id = fields.Int(required=True)
    title = fields.Str(required=True)
    description = fields.Str()
    status = fields.Str(validate=validate.OneOf(STATUSES))
    blocked_reason = fields.Str()
    region_help = fields.Bool()
    region_help_reason = fields.Str()
    owner = fields.Nested(PersonSchema, allow_none=True)
    collaborators = fields.List(fields.Nested(PersonSchema))
    partners = fields.List(fields.Str(), metadata={"description": "Partners' names."})
    due_date = fields.Date(allow_none=True)
    horizon = fields.Str(allow_none=True)
    level = fields.Str(allow_none=True)
    short_start = fields.Date(allow_none=True)
    short_end = fields.Date(allow_none=True)
    long_start = fields.Date(allow_none=True)
    long_end = fields.Date(allow_none=True)
    version = fields.Int(required=True, metadata={"description": "Send it back with a change."})
    created_at = UtcDateTime()
    updated_at = UtcDateTime()
    completed_at = UtcDateTime(allow_none=True)
    url = fields.Str(metadata={"description": "The task's page in the app."})


class TaskListSchema(Schema):
    items = fields.List(fields.Nested(TaskSchema), required=True)
    next_cursor = fields.Str(
        allow_none=True, metadata={"description": "Pass it as `cursor` for the next page."}
    )


class TaskQuerySchema(Schema):
    status = fields.List(fields.Str(validate=validate.OneOf(STATUSES)))
    theme = fields.Int(validate=ID, metadata={"description": "A theme's id."})
    owner = fields.Str(metadata={"description": "A person's id, or `me`."})
    overdue = fields.Bool()
    updated_since = fields.DateTime(metadata={"description": "ISO 8601, UTC."})
    cursor = fields.Str()
    limit = fields.Int(load_default=100, validate=validate.Range(min=1, max=500))


class ActivitySchema(Schema):
    id = fields.Int(required=True)
    kind = fields.Str(required=True)
    field = fields.Str(allow_none=True)
    old_value = fields.Str(allow_none=True)
    new_value = fields.Str(allow_none=True)
    actor = fields.Str(allow_none=True, metadata={"description": "Who did it, as shown in the app."})
    task_version = fields.Int(allow_none=True)
    created_at = UtcDateTime(required=True)


class CommentSchema(Schema):
    id = fields.Int(required=True)
    body = fields.Str(required=True)
    author = fields.Nested(PersonSchema, allow_none=True)
    created_at = UtcDateTime(required=True)


class MeasurementSchema(Schema):
    id = fields.Int(required=True)
    value = fields.Float(required=True)
    measured_on = fields.Date(required=True)
    note = fields.Str()
    author = fields.Nested(PersonSchema, allow_none=True)
    created_at = UtcDateTime()


class TargetSchema(Schema):
    id = fields.Int(required=True)
    text = fields.Str(required=True)
    unit = fields.Str(allow_none=True)
    baseline = fields.Float(allow_none=True)
    target_value = fields.Float(allow_none=True)
    direction = fields.Str()
    measurements = fields.List(fields.Nested(MeasurementSchema))


class TaskChangeSchema(Schema):
    version = fields.Int(
        required=True, validate=ID, metadata={"description": "The version the change is based on."}
    )
    status = fields.Str(validate=validate.OneOf(STATUSES))
    blocked_reason = fields.Str()
    due_date = fields.Date(allow_none=True)
    due_date_reason = fields.Str(metadata={"description": "Why the due date moves (required when it does)."})
    owner_id = fields.Int(allow_none=True, validate=ID)
    collaborator_ids = fields.List(fields.Int(validate=ID))


class UpdateSchema(Schema):
    """An owner's weekly word on their action, as in the check-in."""

    version = fields.Int(required=True, validate=ID)
    health = fields.Str(required=True, validate=validate.OneOf(HEALTHS))
    note = fields.Str(load_default="")
    due_date = fields.Date(allow_none=True)
    reason = fields.Str(load_default="", metadata={"description": "Why the due date moves."})


class UpdateOutSchema(Schema):
    id = fields.Int(required=True)
    task_id = fields.Int(required=True)
    health = fields.Str(allow_none=True)
    note = fields.Str()
    new_due_date = fields.Date(allow_none=True)
    due_date_reason = fields.Str()
    nothing_new = fields.Bool()
    author = fields.Nested(PersonSchema, allow_none=True)
    from_partner = fields.Bool(metadata={"description": "A partner's opinion, not the owner's word."})
    created_at = UtcDateTime()


class CommentInSchema(Schema):
    body = fields.Str(required=True, validate=[validate.Length(min=1, max=10000), validate.Regexp(r"\S")])


class MeasurementInSchema(Schema):
    value = fields.Float(required=True)
    measured_on = fields.Date(required=True)
    note = fields.Str(load_default="")


class MeetingSchema(Schema):
    id = fields.Int(required=True)
    week = fields.Str(required=True, metadata={"description": "ISO week, e.g. 2026-W49."})
    starts_at = UtcDateTime(required=True)
    closed_at = UtcDateTime(allow_none=True)
    url = fields.Str()


class FollowUpSchema(Schema):
    task_id = fields.Int(required=True)
    title = fields.Str(required=True)
    owner = fields.Str()
    due_date = fields.Date(allow_none=True)
    status = fields.Str()


class MeetingItemSchema(Schema):
    id = fields.Int(required=True)
    kind = fields.Str()
    title = fields.Str(required=True)
    detail = fields.Str(metadata={"description": "Empty unless the caller may read that municipality."})
    note = fields.Str()
    struck = fields.Bool()
    decisions = fields.List(fields.Str())
    follow_ups = fields.List(fields.Nested(FollowUpSchema))


class AttendanceSchema(Schema):
    organisation_id = fields.Int(required=True)
    name = fields.Str(required=True)
    present = fields.Bool()
    attendees = fields.Str()


class MeetingDetailSchema(MeetingSchema):
    items = fields.List(fields.Nested(MeetingItemSchema))
    attendance = fields.List(fields.Nested(AttendanceSchema))


class MunicipalityWeekSchema(Schema):
    organisation_id = fields.Int(required=True)
    name = fields.Str(required=True)
    actions = fields.Int()
    progress = fields.Int(metadata={"description": "Share of the actions done, in percent."})
    progress_change = fields.Int(
        allow_none=True, metadata={"description": "Points since last week's snapshot."}
    )
    overdue = fields.Int()
    overdue_change = fields.Int(allow_none=True)
    blocked = fields.Int()
    response_rate = fields.Int(allow_none=True, metadata={"description": "This week's check-in, in percent."})


class RegionWeekSchema(Schema):
    region = fields.Str(required=True)
    week = fields.Str(required=True)
    municipalities = fields.List(fields.Nested(MunicipalityWeekSchema))
    help_requests = fields.Int(
        metadata={"description": "Blocked actions whose owners ask the region for help."}
    )
    shared_blockers = fields.Int()
    open_follow_ups = fields.Int()
    url = fields.Str(metadata={"description": "The regional dashboard."})


class ProblemSchema(Schema):
    """A refusal (RFC 9457): ``detail`` says what to do, in the caller's language."""

    type = fields.Str(required=True)
    title = fields.Str(required=True)
    status = fields.Int(required=True)
    detail = fields.Str(required=True)
    field = fields.Str(metadata={"description": "The refused field, when there is one."})
    errors = fields.Dict(metadata={"description": "Refused values, by location and field."})
    current = fields.Nested(TaskSchema, metadata={"description": "409: the task as it now is."})
