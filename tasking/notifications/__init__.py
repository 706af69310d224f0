"""Notifications: the bell and its list, e-mail preferences, one-click
unsubscribe and signed task links for acting from the mailbox (the admin's
view of the outbox lives with the outbox, in ``tasking/outbox/``).

The API other features build on:

- ``tasking.models.notify``: ``Notification`` (user, kind, task, actor,
  ``detail`` rendered at display time, optional unique ``dedupe_key``,
  ``created_at``, ``read_at``), ``NotificationPreference`` (user, kind,
  channel; unique per user and kind), ``KINDS``, ``CHANNELS``,
  ``DEFAULT_CHANNELS`` and the on/off ``SWITCHES`` ("collab_reminders",
  "weekly_digest", "regional_digest": channel "immediate" = on, "never" = off,
  on by default).
- ``services.notify(session, *, user, kind, task, actor, now, email=True,
  dedupe_key=None, detail="", template="notification", **context)`` writes
  the in-app notification (always, whatever the e-mail channel, so digests
  can read them) and, for channel "immediate", queues the e-mail with outbox
  dedupe key ``notification:<dedupe_key or notification id>``, the
  List-Unsubscribe headers and, in the template context, ``task_link``,
  ``action_links`` [(action, url)], ``unsubscribe_link``, ``preferences_link``.
  Returns None (writing nothing) for the actor, an inactive user or a used
  ``dedupe_key``.
- ``services.unsubscribe_headers(user, kind)`` and ``services.email_links(…)``
  for messages composed elsewhere (digests).
- ``preferences.email_channel(session, user, kind)`` and
  ``preferences.channels_for(session, user_ids, kind)`` (one query).
- ``links.unsubscribe_url(user, kind)``, ``links.task_action_url(user, task,
  action)`` for action in ("done", "blocked", "postpone"),
  ``links.preferences_url()``, ``links.task_url(task)``: absolute URLs.
- ``receivers.connect()`` hooks the task events (done at app creation).

E-mail templates extending ``emails/_layout.html`` get the unsubscribe and
preferences footer when ``unsubscribe_link`` / ``preferences_link`` are in the
context; text templates include ``emails/_footer.txt`` (and
``emails/_actions.txt`` / ``.html`` for ``action_links``). A page that changes
notifications can refresh the bell with the ``notifications-changed`` event.
"""
