"""Notifications: the bell and its list, e-mail preferences, one-click
unsubscribe, signed task links for acting from the mailbox, and the admin's
view of the outbox.

The API other features build on:

- ``services.notify`` writes one notification and, by preference, its e-mail;
- ``preferences.email_channel`` / ``channels_for`` read the e-mail channels;
- ``links.unsubscribe_url`` / ``task_action_url`` / ``preferences_url`` /
  ``task_url`` give the absolute URLs a message carries;
- ``receivers.connect`` hooks the task events (done at app creation).
"""
