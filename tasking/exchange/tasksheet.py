"""The task sheet: one row per action, shared by the Excel and CSV exports and
by their import. Column headers are part of the file format (French, like the
ASCQ template), so they are not translated: a file exported by an English
speaker imports into a French speaker's plan and back."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import force_locale

from tasking.checkins.status import NO_CHECKIN, CheckinStatus
from tasking.core.clock import to_local
from tasking.core.markdown import markdown_excerpt
from tasking.core.templating import HEALTH_LABELS, HORIZON_LABELS, STATUS_LABELS, qc_date
from tasking.models import Comment, OperationalObjective, Plan, Task, Theme

TASK_SHEET = "Tâches"


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int


COLUMNS = (
    Column("id", "ID", 8),
    Column("theme", "Enjeu", 24),
    Column("objective", "Objectif opérationnel", 40),
    Column("title", "Action", 50),
    Column("description", "Description", 40),
    Column("status", "Statut", 12),
    Column("blocked_reason", "Motif du blocage", 24),
    Column("owner_name", "Responsable", 22),
    Column("owner_email", "Courriel du responsable", 28),
    Column("collaborators", "Collaborateurs (courriels)", 32),
    Column("partners", "Partenaires", 24),
    Column("horizon", "Horizon", 18),
    Column("level", "Niveau", 8),
    Column("short_start", "Court et moyen terme du", 14),
    Column("short_end", "Court et moyen terme au", 14),
    Column("long_start", "Long terme du", 14),
    Column("long_end", "Long terme au", 14),
    Column("due_date", "Échéance", 14),
    Column("version", "Version", 8),
)
HEADERS = {c.key: c.header for c in COLUMNS}
# What was last said in the weekly check-in and in the comments: written after
# the task sheet's columns, never read back (the import knows only COLUMNS).
CHECKIN_COLUMNS = (
    Column("health", "Santé", 16),
    Column("checkin_at", "Dernière mise à jour", 16),
    Column("checkin_by", "Mise à jour par", 22),
    Column("checkin_note", "Note", 40),
    Column("latest_comment", "Dernier commentaire", 40),
)
EXPORT_COLUMNS = COLUMNS + CHECKIN_COLUMNS
# Said of an action without update for three rounds (tasking/checkins/status.py).
STALE_LABEL = "À mettre à jour"
REQUIRED = ("id", "theme", "objective", "title", "status")
DATE_KEYS = ("short_start", "short_end", "long_start", "long_end", "due_date")
EXPORT_DATE_KEYS = (*DATE_KEYS, "checkin_at")
# E-mail addresses never hold a comma; partner names may, so they use ";".
EMAIL_SEPARATOR = ", "
PARTNER_SEPARATOR = "; "

# Excel, LibreOffice and Google Sheets run a cell starting with one of these
# as a formula ("CSV injection"); a leading apostrophe makes it plain text.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


# A comment in a cell: enough to know what was said, not the whole thread.
COMMENT_LENGTH = 280
# Starts the lines the theme sheets and the Word file add under an action
# (its owner, its latest comment): the Word import skips them.
NOTE_MARK = "→ "


@dataclass(frozen=True)
class PlanExport:
    """What an export writes: the plan (loaded with ``load_plan_layout``), its
    actions' latest check-ins (``plan_checkin_status``) and latest comments
    (``latest_comments``), and the day it shows the plan at."""

    plan: Plan
    checkins: dict[int, CheckinStatus]
    comments: dict[int, tuple[Comment, int]]
    today: date


def clean_text(value: str | None) -> str:
    """Text without the control characters XML (xlsx, docx) cannot hold."""
    return _ILLEGAL_XML.sub("", value or "")


def neutralise(value: str) -> str:
    """Prefix a cell that a spreadsheet would take for a formula."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def unneutralise(value: str) -> str:
    """Undo :func:`neutralise` when reading a file back."""
    if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def french_labels() -> tuple[dict[str, str], dict[str, str]]:
    """Status and horizon labels as the files show them (French)."""
    with force_locale("fr"):
        return (
            {key: str(label) for key, label in STATUS_LABELS.items()},
            {key: str(label) for key, label in HORIZON_LABELS.items()},
        )


def french_healths() -> dict[str, str]:
    """Health labels as the files show them (French)."""
    with force_locale("fr"):
        return {key: str(label) for key, label in HEALTH_LABELS.items()}


def checkin_values(status: CheckinStatus, healths: dict[str, str], timezone: str) -> dict[str, object]:
    """An action's latest check-in as the files show it: « Bloquée », or
    « Bloquée · À mettre à jour » when stale; the day in the organisation's zone."""
    parts = (healths.get(status.health or ""), STALE_LABEL if status.stale else "")
    health = " · ".join(part for part in parts if part)
    return {
        "health": health,
        "checkin_at": to_local(status.at, timezone).date() if status.at else None,
        "checkin_by": clean_text(status.who),
        "checkin_note": clean_text(status.note),
    }


def comment_line(latest: tuple[Comment, int] | None, timezone: str) -> str:
    """« 25 nov. 2026, Claire Coordination : what was said » (French, as the
    files are), or nothing for an action without comments."""
    if latest is None:
        return ""
    comment, _total = latest
    author = comment.author.name if comment.author else "—"
    with force_locale("fr_CA"):
        when = qc_date(to_local(comment.created_at, timezone).date())
    return clean_text(f"{when}, {author}\u00a0: {markdown_excerpt(comment.body, COMMENT_LENGTH)}")


def fold(text: str) -> str:
    """Lower case, no accents, single spaces: for forgiving comparisons."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def status_lookup() -> dict[str, str]:
    """Every accepted spelling of a status → its code (French, English, code)."""
    lookup: dict[str, str] = {}
    for locale in ("fr", "en"):
        with force_locale(locale):
            for key, label in STATUS_LABELS.items():
                lookup[fold(str(label))] = key
    for key in STATUS_LABELS:
        lookup[fold(key)] = key
        lookup[fold(key.replace("_", " "))] = key
    return lookup


def horizon_lookup() -> dict[str, str]:
    """Every accepted spelling of a horizon → its code."""
    lookup: dict[str, str] = {}
    for locale in ("fr", "en"):
        with force_locale(locale):
            for key, label in HORIZON_LABELS.items():
                lookup[fold(str(label))] = key
    for key in HORIZON_LABELS:
        lookup[fold(key)] = key
    return lookup


def ordered_tasks(plan: Plan) -> list[tuple[Theme, OperationalObjective, Task]]:
    """The plan's live tasks, with their theme and objective, in the order the
    plan lists them (plan loaded with :func:`tasking.plans.services.load_plan_layout`)."""
    return [
        (theme, objective, task)
        for theme in plan.themes
        if theme.archived_at is None
        for objective in theme.objectives
        if objective.archived_at is None
        for task in objective.tasks
        if task.archived_at is None
    ]


def task_row(
    theme: Theme,
    objective: OperationalObjective,
    task: Task,
    statuses: dict[str, str],
    horizons: dict[str, str],
) -> dict[str, object]:
    """One task as the sheet's values: text, ``date`` or ``int`` (without its check-in)."""
    return {
        "id": task.id,
        "theme": clean_text(theme.title),
        "objective": clean_text(objective.title),
        "title": clean_text(task.title),
        "description": clean_text(task.description),
        "status": statuses.get(task.status, task.status),
        "blocked_reason": clean_text(task.blocked_reason),
        "owner_name": clean_text(task.owner.name) if task.owner else "",
        "owner_email": task.owner.email if task.owner else "",
        "collaborators": EMAIL_SEPARATOR.join(u.email for u in task.collaborators),
        "partners": PARTNER_SEPARATOR.join(clean_text(p.name) for p in task.partners),
        "horizon": horizons.get(task.horizon, "") if task.horizon else "",
        "level": task.level or "",
        "short_start": task.short_start,
        "short_end": task.short_end,
        "long_start": task.long_start,
        "long_end": task.long_end,
        "due_date": task.due_date,
        "version": task.version,
    }


def export_rows(export: PlanExport) -> list[dict[str, object]]:
    """Every live task as the exported sheet's values, check-in and latest comment included."""
    statuses, horizons = french_labels()
    healths = french_healths()
    timezone = export.plan.organisation.timezone
    return [
        task_row(theme, objective, task, statuses, horizons)
        | checkin_values(export.checkins.get(task.id, NO_CHECKIN), healths, timezone)
        | {"latest_comment": comment_line(export.comments.get(task.id), timezone)}
        for theme, objective, task in ordered_tasks(export.plan)
    ]


def slug(text: str) -> str:
    """« Plan de rétablissement » → « plan-de-retablissement » (file names)."""
    bare = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", bare.lower()).strip("-")[:60] or "plan"


def export_filename(plan: Plan, today: date | datetime, extension: str) -> str:
    """« plan-de-retablissement-ville-demo-2026-11-25.xlsx »: the plan's title,
    its organisation (every municipality's plan has the same title) and the day."""
    return f"{slug(plan.title)}-{slug(plan.organisation.slug)}-{today:%Y-%m-%d}.{extension}"
