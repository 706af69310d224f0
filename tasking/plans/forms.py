"""Forms of the plan editor. They only carry the values; the editing
services validate them and name the faulty field."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from tasking.core.templating import CATEGORY_LABELS


class ThemeForm(FlaskForm):
    title = StringField(_l("Title"))
    subtitle = StringField(_l("Subtitle"))
    category = SelectField(
        _l("Category"),
        choices=[SelectChoice(k, v) for k, v in CATEGORY_LABELS.items()],
        validate_choice=False,
    )
    colour = StringField(_l("Colour"), default="#e0b400", render_kw={"type": "color"})
    definition = TextAreaField(_l("Short definition"))
    missions_text = TextAreaField(_l("Responsible missions"))
    missions_internal = TextAreaField(_l("Missions of the municipality (one per line)"))
    missions_external = TextAreaField(_l("External missions (one per line)"))
    communication_issues = TextAreaField(_l("Communication issues (one per line)"))


class ObjectiveForm(FlaskForm):
    title = TextAreaField(_l("Operational objective"), render_kw={"rows": 2})
    description = TextAreaField(_l("Description"))
    comments = TextAreaField(_l("Comments"))


class ActionForm(FlaskForm):
    title = TextAreaField(_l("Action"), render_kw={"rows": 2})
    description = TextAreaField(_l("Description"))
    owner_id = SelectField(_l("Responsible"), choices=[], validate_choice=False)


class TargetForm(FlaskForm):
    text = TextAreaField(_l("Target"), render_kw={"rows": 2})
    unit = StringField(_l("Unit (e.g. %, people)"))
    baseline = StringField(_l("Baseline"), render_kw={"inputmode": "decimal"})
    target_value = StringField(
        _l("Target value (makes the target measurable)"), render_kw={"inputmode": "decimal"}
    )
    direction = SelectField(
        _l("Direction"),
        choices=[SelectChoice("up", _l("Higher is better")), SelectChoice("down", _l("Lower is better"))],
        validate_choice=False,
    )
