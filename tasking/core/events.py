"""Domain events, so features react to each other without importing each other.

Receivers run synchronously inside the sender's transaction: a notification
or an outbox row written by a receiver commits or rolls back with its cause.
Every signal is sent with keyword arguments ``session``, ``actor`` and ``now``
plus the ones listed.
"""

from blinker import Namespace

_signals = Namespace()

#: task, changes: list[Change] (field, old, new; collaborators as id lists)
task_changed = _signals.signal("task-changed")
#: task, comment, mentioned: list[User]
comment_posted = _signals.signal("comment-posted")
#: target, measurement
measurement_added = _signals.signal("measurement-added")
#: task_id, user; a receiver returns how many notifications it marked read
task_opened = _signals.signal("task-opened")
#: task, answer: CheckinAnswer (a person's or a partner's word in the weekly check-in)
checkin_answered = _signals.signal("checkin-answered")
#: meeting: Meeting, just closed (its minutes queued)
meeting_closed = _signals.signal("meeting-closed")
