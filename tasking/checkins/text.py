"""Words of the check-in: health labels, in the reader's language."""

from __future__ import annotations

from flask_babel import pgettext

from tasking.models.checkin import Health

#: Healths from best to worst ("done" stands apart: it never worsens).
SEVERITY = {Health.ON_TRACK.value: 0, Health.AT_RISK.value: 1, Health.LATE.value: 2, Health.BLOCKED.value: 3}
#: Healths that need a note saying why.
NEEDS_NOTE = (Health.AT_RISK.value, Health.LATE.value, Health.BLOCKED.value)


def health_labels() -> dict[str, str]:
    """Health → label. Context "health": an action's health is feminine in
    French (« Bloquée ») where a task's status label is not."""
    return {
        Health.ON_TRACK.value: pgettext("health", "On track"),
        Health.AT_RISK.value: pgettext("health", "At risk"),
        Health.LATE.value: pgettext("health", "Late"),
        Health.BLOCKED.value: pgettext("health", "Blocked"),
        Health.DONE.value: pgettext("health", "Done"),
    }


def health_label(value: str | None) -> str:
    return health_labels().get(value or "", "—")
