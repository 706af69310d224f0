"""The data model, one module per aggregate. Importing this package registers
every table with the metadata, which Alembic and the tests rely on."""

from tasking.models.api import ApiToken
from tasking.models.checkin import CheckinAnswer, CheckinMessage, CheckinRound, Health
from tasking.models.imports import PendingImport
from tasking.models.meeting import (
    Meeting,
    MeetingAttendance,
    MeetingDecision,
    MeetingFollowUp,
    MeetingItem,
    MeetingItemKind,
)
from tasking.models.notify import Notification, NotificationPreference, UsedTaskLink
from tasking.models.org import Membership, Organisation, RecoveryCode, Region, Role, SignInFailure, User
from tasking.models.outbox import OutboxMessage
from tasking.models.plan import (
    GeneralObjective,
    Measurement,
    OperationalObjective,
    Plan,
    SpecificObjective,
    Target,
    Theme,
)
from tasking.models.schedule import DigestLog, JobRunStat, ReminderLog, SchedulerLease
from tasking.models.snapshot import PlanWeek
from tasking.models.sso import OrgSso
from tasking.models.task import (
    Activity,
    Comment,
    PartnerContact,
    Task,
    TaskPartner,
    TaskStatus,
    task_collaborators,
)
from tasking.models.webhook import DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent, WebhookFormat

__all__ = [
    "Activity",
    "ApiToken",
    "CheckinAnswer",
    "CheckinMessage",
    "CheckinRound",
    "Comment",
    "DeliveryStatus",
    "DigestLog",
    "GeneralObjective",
    "Health",
    "JobRunStat",
    "Measurement",
    "Meeting",
    "MeetingAttendance",
    "MeetingDecision",
    "MeetingFollowUp",
    "MeetingItem",
    "MeetingItemKind",
    "Membership",
    "Notification",
    "NotificationPreference",
    "OperationalObjective",
    "Organisation",
    "OrgSso",
    "PartnerContact",
    "OutboxMessage",
    "PendingImport",
    "Plan",
    "PlanWeek",
    "RecoveryCode",
    "Region",
    "ReminderLog",
    "Role",
    "SignInFailure",
    "SchedulerLease",
    "SpecificObjective",
    "Target",
    "Task",
    "TaskPartner",
    "TaskStatus",
    "Theme",
    "UsedTaskLink",
    "User",
    "Webhook",
    "WebhookDelivery",
    "WebhookEvent",
    "WebhookFormat",
    "task_collaborators",
]
