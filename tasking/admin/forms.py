"""Forms of the members page."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Optional

ROLE_CHOICES = [("member", _l("Member")), ("admin", _l("Administrator")), ("viewer", _l("Viewer"))]


class NewMemberForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired()])
    email = EmailField(_l("E-mail address"), validators=[DataRequired()])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="member")
    password = PasswordField(
        _l("Password (leave empty to send an invitation by e-mail)"), validators=[Optional()]
    )


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
