"""The single sign-on settings form."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice


# The service checks every value and names the field in its message.
class SsoSettingsForm(FlaskForm):
    issuer = StringField(_l("Issuer (e.g. https://login.microsoftonline.com/TENANT-ID/v2.0)"))
    client_id = StringField(_l("Client id (application id)"))
    client_secret = PasswordField(_l("Client secret"))
    provider_name = StringField(_l("Provider's name, shown on the sign-in button"))
    password_allowed = SelectField(
        _l("Password sign-in for the members"),
        choices=[
            SelectChoice("1", _l("Still allowed")),
            SelectChoice("0", _l("Off: the provider only")),
        ],
        validate_choice=False,
    )


class RemoveSsoForm(FlaskForm):
    """Only the CSRF token."""
