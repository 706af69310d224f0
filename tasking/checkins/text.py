"""The check-in's rules about health: how bad each one is, and which need a note."""

from __future__ import annotations

from tasking.models.checkin import Health

#: Healths from best to worst ("done" stands apart: it never worsens).
SEVERITY = {Health.ON_TRACK.value: 0, Health.AT_RISK.value: 1, Health.LATE.value: 2, Health.BLOCKED.value: 3}
#: Healths that need a note saying why.
NEEDS_NOTE = (Health.AT_RISK.value, Health.LATE.value, Health.BLOCKED.value)
