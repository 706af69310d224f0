"""The form that adds a webhook."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, URLField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired
from wtforms.widgets import CheckboxInput, ListWidget

EVENT_LABELS = {
    "task.changed": _l("An action changed (status, dates, people)"),
    "comment.posted": _l("A comment"),
    "task.overdue": _l("An action became overdue"),
    "checkin.answered": _l("A check-in answer"),
    "meeting.closed": _l("A regional meeting closed (its minutes)"),
}
FORMAT_LABELS = {
    "json": _l("JSON, signed (your own tools)"),
    "teams": _l("Microsoft Teams (incoming webhook)"),
    "slack": _l("Slack (incoming webhook)"),
}


class WebhookForm(FlaskForm):
    url = URLField(
        _l("Address"),
        validators=[DataRequired(_l("Give the address that receives the events."))],
        description=_l("For Teams or Slack: the address of the channel's incoming webhook."),
    )
    events = SelectMultipleField(
        _l("Events"),
        choices=[SelectChoice(value, label) for value, label in EVENT_LABELS.items()],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    format = RadioField(
        _l("Format"),
        choices=[SelectChoice(value, label) for value, label in FORMAT_LABELS.items()],
        default="json",
    )
