"""Outgoing webhooks: an organisation's admins name a URL and the kinds of
events it hears of; each event becomes a durable delivery row written with
its cause, signed, sent by the scheduler and retried with back-off."""
