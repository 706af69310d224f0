"""The form that creates a personal access token."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length


class TokenForm(FlaskForm):
    name = StringField(
        _l("Name"),
        validators=[DataRequired(_l("Give the token a name.")), Length(max=100)],
        description=_l("What it is for, e.g. « Rapport Power BI du conseil »."),
    )
    scope = RadioField(
        _l("It may"),
        choices=[SelectChoice("read", _l("Read")), SelectChoice("write", _l("Read and write"))],
        default="read",
    )
    expires_on = DateField(_l("Expires on"), validators=[DataRequired(_l("Choose when the token expires."))])
