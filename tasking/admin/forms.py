"""Forms of the members page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Optional

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
