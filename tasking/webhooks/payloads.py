"""What a delivery carries: our signed JSON, or a message Teams or Slack shows."""

from __future__ import annotations

from typing import Any

from tasking.models import WebhookFormat

#: Theme colours of the Teams card, by event.
CARD_COLOURS = {
    "task.changed": "2F6DB5",
    "comment.posted": "5B6770",
    "task.overdue": "B3261E",
    "checkin.answered": "1E7B4D",
    "meeting.closed": "6A3FA0",
}


def body_for(format: str, event: dict[str, Any]) -> dict[str, Any]:  # noqa: A002
    """The JSON sent for ``event`` (a plain dict with ``event``, ``summary``,
    ``title``, ``url`` and the event's own members) in the webhook's format."""
    if format == WebhookFormat.TEAMS.value:
        return _teams_card(event)
    if format == WebhookFormat.SLACK.value:
        return _slack_message(event)
    return event


def _teams_card(event: dict[str, Any]) -> dict[str, Any]:
    """An Office 365 connector message card: what Teams' incoming webhooks show."""
    return {
        "@type": "MessageCard",
        "@context": "https://schema.org/extensions",
        "summary": event["summary"],
        "themeColor": CARD_COLOURS.get(event["event"], "2F6DB5"),
        "title": event["title"],
        "text": event["summary"],
        "potentialAction": [
            {
                "@type": "OpenUri",
                "name": event["open_label"],
                "targets": [{"os": "default", "uri": event["url"]}],
            }
        ],
    }


def _slack_message(event: dict[str, Any]) -> dict[str, Any]:
    """A Slack incoming-webhook message: a text fallback and one section with the link."""
    link = f"<{event['url']}|{event['title']}>"
    return {
        "text": f"{event['title']} — {event['summary']}",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": f"*{link}*\n{event['summary']}"}}],
    }
