"""The e-mails of a reminder run: one per person and organisation.

A lone reminder keeps its own message, with its one-click actions. Several
make one list, whose subject names the municipality and counts what is late
and what is due (« Ville de Démo : 3 actions en retard, 2 à échéance cette
semaine »), in sections: the person's own actions, the actions they
collaborate on, the overdue actions they hear of as a coordinator. Each
section lists the most late first (with how late), then the coming due
dates; a blocked action shows why. Each action has one link, to its page,
where its status and due date are changed: a list of thirty actions with
three buttons each was a wall of links. A section lists at most
``LIST_LIMIT`` actions and counts the rest, with a link to where they are.

A first run over a province writes 10,000 of these lists: their templates
are rendered once per language with "{…}" in place of the values
(``Patterns``), their words translated once (``Words``), and each list only
fills them in.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, datetime
from types import SimpleNamespace
from typing import TYPE_CHECKING

from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy.orm import Session

from tasking.core.permissions import remember_roles
from tasking.core.templating import STATUS_LABELS, of_place, qc_date
from tasking.models import Organisation, User
from tasking.notifications import links
from tasking.notifications.services import available_actions, unsubscribe_headers
from tasking.outbox.queue import insert_outbox, outbox_row, outbox_values, render_email

if TYPE_CHECKING:
    from tasking.scheduling.reminders import Reminder, Rules, Scope

#: The sections of a list, in order, by the person's part in the action.
SECTIONS = ("owner", "collaborator", "coordinator")
#: Longest list per section.
LIST_LIMIT = 10


def grouped_key(user_id: int, organisation_id: int, today: date, reminders: list[Reminder]) -> str:
    """The outbox key of a list: the same for the same reminders, so a job
    run twice cannot queue it twice."""
    digest = hashlib.sha256("\n".join(sorted(r.key for r in reminders)).encode()).hexdigest()[:16]
    return f"reminders:user{user_id}:org{organisation_id}:{today.isoformat()}:{digest}"


class Words:
    """The words of the lists in one language, translated once; the phrases
    that depend on a number or a date, once per value."""

    def __init__(self, locale: str, week: bool):
        self.locale = locale
        self.week = week  # the due-soon horizon is a week or less: « cette semaine »
        self._said: dict[tuple, str] = {}
        with force_locale(locale):
            self.status = {key: str(label) for key, label in STATUS_LABELS.items()}
            self.sections = {
                "owner": _("Your actions"),
                "collaborator": _("Actions you collaborate on"),
                "coordinator": _("Overdue actions, told to you as a coordinator"),
            }
            self.responsible, self.nobody = _("Responsible:"), _("nobody")
            self.blocked = _("Blocked: %(reason)s", reason="{}")

    def _once(self, key: tuple, say) -> str:  # noqa: ANN001
        if key not in self._said:
            with force_locale(self.locale):
                self._said[key] = say()
        return self._said[key]

    def when(self, days_left: int, due: date) -> str:
        """« En retard de 5 jours (échéance 18 nov. 2026) », « Échéance dans 3 jours (26 nov. 2026) »."""

        def say() -> str:
            when = qc_date(due)
            if days_left < 0:
                return ngettext(
                    "Overdue by %(num)d day (due %(date)s)",
                    "Overdue by %(num)d days (due %(date)s)",
                    -days_left,
                    date=when,
                )
            if days_left == 0:
                return _("Due today (%(date)s)", date=when)
            return ngettext(
                "Due in %(num)d day (%(date)s)", "Due in %(num)d days (%(date)s)", days_left, date=when
            )

        return self._once(("when", days_left, due), say)

    def intro(self, count: int, organisation: Organisation) -> str:
        said = self._once(
            ("intro", count),
            lambda: ngettext(
                "Here is %(num)d action %(of_org)s to look at, the most late first. Each link opens "
                "the action, where you change its status or its due date.",
                "Here are %(num)d actions %(of_org)s to look at, the most late first. Each link opens "
                "the action, where you change its status or its due date.",
                count,
                of_org="{of_org}",
            ),
        )
        of_org = self._once(("of", organisation.name), lambda: of_place(organisation.name))
        return said.replace("{of_org}", of_org)

    def more(self, count: int) -> str:
        return self._once(("more", count), lambda: _("… and %(count)d more", count=count))

    def subject(self, organisation: Organisation, late: int, due: int) -> str:
        """« Ville de Démo : 3 actions en retard, 2 à échéance cette semaine »."""
        said = self._once(("subject", late, due), lambda: self._subject(late, due))
        return said.replace("{org}", organisation.name)

    def _subject(self, late: int, due: int) -> str:
        late_part = ngettext("%(num)d action overdue", "%(num)d actions overdue", late)
        if late and due:
            due_part = (
                ngettext("%(num)d due this week", "%(num)d due this week", due)
                if self.week
                else ngettext("%(num)d due soon", "%(num)d due soon", due)
            )
            what = _("%(late)s, %(due)s", late=late_part, due=due_part)
        elif late:
            what = late_part
        elif self.week:
            what = ngettext("%(num)d action due this week", "%(num)d actions due this week", due)
        else:
            what = ngettext("%(num)d action due soon", "%(num)d actions due soon", due)
        return _("%(org)s: %(what)s", org="{org}", what=what)


class Wording:
    """What a run renders once for all its organisations: the words of each
    language (``Words``) and the templates' patterns (``Patterns``)."""

    def __init__(self):
        self.words: dict[tuple[str, bool], Words] = {}
        self.patterns: dict[tuple, tuple[str, str]] = {}


class Patterns:
    """The lists' text and HTML. Their templates (``emails/reminders`` and the
    macros of ``emails/reminder_lines``) are rendered once per language and
    kind of part with "{…}" in place of the values, which each list then
    fills in (escaped for the HTML): rendering a template per list and a
    macro per line cost more than all the rest of a run."""

    LINE = ("title", "link", "when", "state", "responsible")
    SECTION = ("title", "count", "lines", "more", "more_link")
    FRAME = ("name", "intro", "sections", "unsubscribe", "preferences")

    def __init__(self, people: dict[int, User], job_links: links.JobLinks, cache: dict):
        self.people = people
        self.links = job_links
        self._patterns: dict[tuple, tuple[str, str]] = cache

    def _macros(self, key: tuple, macro: str, **values) -> tuple[str, str]:  # noqa: ANN003
        if key not in self._patterns:
            env = current_app.jinja_env
            text, html = (
                str(getattr(env.get_template(f"emails/reminder_lines.{ext}").module, macro)(**values))
                for ext in ("txt", "html")
            )
            self._patterns[key] = (text, html)
        return self._patterns[key]

    def frame(self, locale: str) -> tuple[str, str]:
        """(text, HTML) of a whole list, its subject left out."""
        if ("frame", locale) not in self._patterns:
            values = {name: f"{{{name}}}" for name in self.FRAME}
            _subject, text, html = render_email(
                "reminders",
                locale,
                user=SimpleNamespace(name=values.pop("name")),
                subject="",
                unsubscribe_link=values.pop("unsubscribe"),
                preferences_link=values.pop("preferences"),
                **values,
            )
            self._patterns["frame", locale] = (text, html)
        return self._patterns["frame", locale]

    def line(self, reminder: Reminder, words: Words) -> tuple[str, str]:
        """(text, HTML) of the reminder's line, in ``words``' language."""
        task, named, late = reminder.task, reminder.role != "owner", reminder.days_left < 0
        values = {name: f"{{{name}}}" for name in self.LINE}
        if not named:
            values["responsible"] = ""
        text, html = self._macros(("line", late, named), "line", late=late, **values)
        values = {
            "title": task.title,
            "link": self.links.task(task.id),
            "when": words.when(reminder.days_left, task.due_date),
            "state": words.blocked.format(task.blocked_reason)
            if task.status == "blocked" and task.blocked_reason
            else words.status[task.status],
            "responsible": "",
        }
        if named:
            owner = self.people.get(task.owner_id)
            values["responsible"] = f"{words.responsible} {owner.name if owner else words.nobody}"
        return text.format(**values), html.format(**{k: escape(v) for k, v in values.items()})

    def section(
        self, title: str, count: int, lines: list[tuple[str, str]], more: str, more_link: str | None
    ) -> tuple[str, str]:
        values = {name: f"{{{name}}}" for name in self.SECTION}
        if not more_link:
            values["more_link"] = ""
        text, html = self._macros(("section", bool(more_link)), "section", **values)
        values = {"title": title, "count": count, "more": more, "more_link": more_link or ""}
        escaped = {k: escape(v) for k, v in values.items()}
        return (
            text.format(lines="\n\n".join(line for line, _html in lines), **values),
            html.format(lines="\n".join(html for _line, html in lines), **escaped),
        )


def email_reminders(
    session: Session,
    rules: dict[int, Rules],
    notified: list[Reminder],
    scope: Scope,
    *,
    now: datetime,
    wording: Wording | None = None,
) -> int:
    """One e-mail per person and organisation (``rules``: organisation id →
    its rules) for the reminders they want by e-mail at once, all into the
    outbox in one statement; how many were new. ``wording``: what the run's
    earlier organisations rendered, kept for the next."""
    wanted: dict[tuple[int, int], list[Reminder]] = defaultdict(list)
    for reminder in notified:
        user_id = reminder.user.id
        if scope.channels[reminder.kind][user_id] == "immediate":
            wanted[reminder.task.organisation_id, user_id].append(reminder)
    remember_roles(session, {user_id for (_org, user_id), found in wanted.items() if len(found) == 1})
    job_links = links.JobLinks()
    wording = wording or Wording()
    patterns = Patterns(scope.people, job_links, wording.patterns)
    messages = []
    for (org_id, _user_id), found in wanted.items():
        org_rules = rules[org_id]
        if len(found) == 1:
            messages.append(
                _lone(session, org_rules.organisation, found[0], scope.people, job_links, now=now)
            )
            continue
        key = (found[0].user.locale, org_rules.horizon <= 7)
        if key not in wording.words:
            wording.words[key] = Words(*key)
        messages.append(
            _list(org_rules.organisation, found, patterns, wording.words[key], today=org_rules.today, now=now)
        )
    return insert_outbox(session, messages)


def _sections(wanted: list[Reminder], patterns: Patterns, words: Words) -> tuple[str, str]:
    """(text, HTML) of the sections of one list, the most late first, then by due date."""
    wanted = sorted(wanted, key=lambda r: (r.task.due_date, r.task.id))
    texts, htmls = [], []
    for name in SECTIONS:
        found = [r for r in wanted if r.role == name]
        if not found:
            continue
        more, more_link = "", None
        if len(found) > LIST_LIMIT:
            more = words.more(len(found) - LIST_LIMIT)
            more_link = (
                patterns.links.board_overdue(found[LIST_LIMIT].task.plan_id)
                if name == "coordinator"
                else patterns.links.my_tasks
            )
        lines = [patterns.line(r, words) for r in found[:LIST_LIMIT]]
        text, html = patterns.section(words.sections[name], len(found), lines, more, more_link)
        texts.append(text)
        htmls.append(html)
    return "\n".join(texts), "\n".join(htmls)


def _list(
    organisation: Organisation,
    wanted: list[Reminder],
    patterns: Patterns,
    words: Words,
    *,
    today: date,
    now: datetime,
) -> dict:
    """The outbox row of one person's list of reminders."""
    user = wanted[0].user
    late = sum(1 for r in wanted if r.days_left < 0)
    unsubscribe = patterns.links.unsubscribe(user.id, "reminders")
    sections_text, sections_html = _sections(wanted, patterns, words)
    frame_text, frame_html = patterns.frame(user.locale)
    values = {
        "name": user.name,
        "intro": words.intro(len(wanted), organisation),
        "unsubscribe": unsubscribe,
        "preferences": patterns.links.preferences,
    }
    text = frame_text.format(sections=sections_text, **values)
    html = frame_html.format(sections=sections_html, **{k: escape(v) for k, v in values.items()})
    return outbox_row(
        dedupe_key=grouped_key(user.id, organisation.id, today, wanted),
        # Its unsubscribe link stops both kinds of reminder it is made of.
        kind="reminders",
        user=user,
        rendered=(words.subject(organisation, late, len(wanted) - late), text, html),
        now=now,
        organisation_id=organisation.id,
        headers=unsubscribe_headers(user, "reminders", unsubscribe),
    )


def _lone(
    session: Session,
    organisation: Organisation,
    reminder: Reminder,
    people: dict[int, User],
    job_links: links.JobLinks,
    *,
    now: datetime,
) -> dict:
    """The outbox row of a lone reminder: its own message and one-click actions."""
    user, task = reminder.user, reminder.task
    actions = available_actions(
        session, user, task, organisation.id, collaborating=reminder.role == "collaborator"
    )
    unsubscribe = job_links.unsubscribe(user.id, reminder.kind)
    return outbox_values(
        dedupe_key=f"notification:{reminder.key}",
        kind=reminder.kind,
        user=user,
        template=reminder.template,
        now=now,
        organisation_id=organisation.id,
        headers=unsubscribe_headers(user, reminder.kind, unsubscribe),
        unsubscribe_link=unsubscribe,
        preferences_link=job_links.preferences,
        organisation=organisation,
        task=task,
        rule=reminder.rule,
        owner=people.get(task.owner_id),
        days_left=reminder.days_left,
        days_over=reminder.days_over,
        task_link=job_links.task(task.id),
        action_links=job_links.actions(user.id, task.id, actions),
    )
