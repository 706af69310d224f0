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
from tasking.models.privacy import AccountDeactivation, OrgRetention, Pseudonymisation
from tasking.models.privacy_register import (
    ConfidentialityIncident,
    IncidentChange,
    PrivacyAcknowledgement,
    PrivacyNotice,
    PrivacyOfficer,
)
from tasking.models.schedule import DigestLog, JobRunStat, ReminderLog, SchedulerLease
from tasking.models.security import SecurityEvent
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
from tasking.models.webauthn import SecurityKey
from tasking.models.webhook import DeliveryStatus, Webhook, WebhookDelivery, WebhookEvent, WebhookFormat

__all__ = [
    "AccountDeactivation",
    "Activity",
    "ApiToken",
    "CheckinAnswer",
    "CheckinMessage",
    "CheckinRound",
    "Comment",
    "ConfidentialityIncident",
    "DeliveryStatus",
    "DigestLog",
    "GeneralObjective",
    "Health",
    "IncidentChange",
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
    "OrgRetention",
    "Organisation",
    "OrgSso",
    "PartnerContact",
    "OutboxMessage",
    "PendingImport",
    "Plan",
    "PlanWeek",
    "Pseudonymisation",
    "PrivacyAcknowledgement",
    "PrivacyNotice",
    "PrivacyOfficer",
    "RecoveryCode",
    "Region",
    "ReminderLog",
    "Role",
    "SignInFailure",
    "SchedulerLease",
    "SecurityEvent",
    "SecurityKey",
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
