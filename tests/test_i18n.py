"""Every interface string has its French translation; dates are shown the Québec way."""

from datetime import date
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale

from tasking.core.templating import qc_date

ROOT = Path(__file__).resolve().parents[1]
METHODS = [("tasking/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "_l": None,
    "lazy_gettext": None,
    "pgettext": ((1, "c"), 2),
    "_lp": ((1, "c"), 2),
    "lazy_pgettext": ((1, "c"), 2),
}


def extracted_ids() -> set[str]:
    ids = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), METHODS, keywords=KEYWORDS, options_map={"templates/**": {}}
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def test_every_string_is_translated_to_french():
    with open(ROOT / "translations/fr/LC_MESSAGES/messages.po", "rb") as handle:
        catalogue = read_po(handle, locale="fr")
    translated = {}
    for message in catalogue:
        if not message.id or message.fuzzy:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if all(strings):
            translated[key] = strings
    missing = sorted(extracted_ids() - set(translated))
    assert missing == [], f"{len(missing)} string(s) without French translation: {missing[:20]}"


def test_quebec_date_format(app):
    with app.test_request_context(), force_locale("fr_CA"):
        assert qc_date(date(2026, 11, 25)) == "25 nov. 2026"
        assert qc_date(date(2027, 1, 5)) == "5 janv. 2027"
    with app.test_request_context(), force_locale("en_CA"):
        assert qc_date(date(2026, 11, 25)) == "Nov 25, 2026"


def test_templates_speak_the_language_of_the_render(app):
    # Templates read the catalogue once per render: the reader's language, or
    # the one a render is forced into (e-mails go out in each recipient's).
    template = (
        "{{ _('Edit') }} · {{ ngettext('The comment', 'All %(num)d comments', 2) }} · "
        "{{ _('%(name)s (partner)', name='<b>') }}"
    )
    with app.test_request_context():
        assert render_template_string(template) == "Modifier · Les 2 commentaires · &lt;b&gt; (partenaire)"
        with force_locale("en_CA"):
            assert render_template_string(template) == "Edit · All 2 comments · &lt;b&gt; (partner)"
