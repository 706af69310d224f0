"""Forms of the incident register and of the notice's settings. The
services check every value (and say what is wrong, field by field), so
the forms only carry them and the CSRF token."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from tasking.privacy_register.incidents import LEVELS, NATURES, STATUSES

ANSWERS = [SelectChoice("no", _l("No")), SelectChoice("yes", _l("Yes"))]


def _choices(labels: dict, blank: str | None = None) -> list[SelectChoice]:
    choices = [SelectChoice("", blank)] if blank is not None else []
    return choices + [SelectChoice(key, label) for key, label in labels.items()]


class IncidentForm(FlaskForm):
    occurred_on = StringField(_l("Date of the incident (or start of the period)"))
    occurred_until = StringField(_l("End of the period (if it lasted)"))
    discovered_on = StringField(_l("Date of discovery"))
    discovered_by = StringField(_l("Discovered by (person or service)"))
    nature = SelectField(_l("Nature of the incident"), choices=_choices(NATURES, "—"), validate_choice=False)
    description = TextAreaField(_l("What happened"))
    information_concerned = TextAreaField(_l("Personal information concerned"))
    people_concerned = StringField(_l("Number of people concerned (or an estimate)"))
    sensitivity = SelectField(
        _l("Sensitivity of the information"), choices=_choices(LEVELS, "—"), validate_choice=False
    )
    consequences = TextAreaField(_l("Likely consequences for the people concerned"))
    probability = SelectField(
        _l("Probability that the information is misused"),
        choices=_choices(LEVELS, "—"),
        validate_choice=False,
    )
    serious_harm = SelectField(
        _l("Risk of serious harm"),
        choices=[SelectChoice("", _l("Not assessed yet")), *ANSWERS],
        validate_choice=False,
    )
    measures = TextAreaField(_l("Measures taken to reduce the risk of harm and prevent a recurrence"))
    commission_notified = SelectField(
        _l("Commission d'accès à l'information notified"), choices=ANSWERS, validate_choice=False
    )
    commission_notified_on = StringField(_l("Date the Commission was notified"))
    people_notified = SelectField(_l("People concerned notified"), choices=ANSWERS, validate_choice=False)
    people_notified_on = StringField(_l("Date the people were notified"))
    people_not_notified_reason = TextAreaField(_l("Why the people were not notified"))
    other_bodies = TextAreaField(_l("Other bodies or people notified (police, insurer…)"))
    status = SelectField(_l("Status"), choices=_choices(STATUSES), validate_choice=False)


class NoticeForm(FlaskForm):
    body = TextAreaField(_l("Text of the notice (Markdown)"))
    officer_name = StringField(_l("Name"))
    officer_title = StringField(_l("Title"))
    officer_contact = TextAreaField(_l("How to reach them (e-mail, telephone, address)"))


class AcknowledgeForm(FlaskForm):
    """The CSRF token; the versions read are the form's ``seen`` values."""
