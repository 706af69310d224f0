"""Forms of the members and settings pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

from tasking.orgs.settings import TIMEZONES

ROLE_CHOICES = [
    SelectChoice("member", _l("Member")),
    SelectChoice("admin", _l("Administrator")),
    SelectChoice("viewer", _l("Viewer")),
]


class NewMemberForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired()])
    email = EmailField(_l("E-mail address"), validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="member")
    password = PasswordField(
        _l("Password (leave empty to send an invitation by e-mail)"), validators=[Optional()]
    )


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)


WEEKDAY_CHOICES = [
    SelectChoice("0", _l("Monday")),
    SelectChoice("1", _l("Tuesday")),
    SelectChoice("2", _l("Wednesday")),
    SelectChoice("3", _l("Thursday")),
    SelectChoice("4", _l("Friday")),
]


# The settings services check every value and name the field in their message,
# so the selects leave refusing an unknown choice to them.
class DigestSlotForm(FlaskForm):
    digest_weekday = SelectField(_l("Weekly digest day"), choices=WEEKDAY_CHOICES, validate_choice=False)
    digest_time = StringField(_l("Weekly digest time (HH:MM)"))


class OrgSettingsForm(DigestSlotForm):
    timezone = SelectField(
        _l("Time zone"),
        choices=[SelectChoice(zone, label) for zone, label in TIMEZONES.items()],
        validate_choice=False,
    )
    reminder_days = StringField(_l("Reminders, days before the due date (e.g. 7, 1)"))
    escalation_days = StringField(_l("Tell the administrators once a task is overdue by (days, 0 = never)"))
    checkin_enabled = SelectField(
        _l("Weekly check-in"),
        choices=[SelectChoice("1", _l("On")), SelectChoice("0", _l("Off"))],
        validate_choice=False,
    )
    checkin_days_before = StringField(
        _l("The round opens this many working days before the regional meeting")
    )
    checkin_close_time = StringField(_l("The round closes at (HH:MM, the working day before the meeting)"))
    checkin_grace_hours = StringField(_l("Late reminder to those who have not answered, hours after opening"))
    admins_need_2fa = SelectField(
        _l("Two-factor sign-in for the administrators"),
        choices=[SelectChoice("0", _l("Optional")), SelectChoice("1", _l("Required"))],
        validate_choice=False,
    )
