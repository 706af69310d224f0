"""Reading the kanban board: filters, columns loaded page by page, card facts.

Every function here sends a fixed number of SQL statements whatever the size
of the plan: the first page of every column comes from one statement (one
short query per column), the next pages from a keyset query on
(board_position, id); each card's owner, theme and counts of collaborators and
comments come in the same row, its objective's progress from one statement for
the cards on screen, and their latest check-in from a fixed two.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import (
    ColumnElement,
    Float,
    FromClause,
    Integer,
    Row,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import Session, aliased

from tasking.checkins.status import NO_CHECKIN, CheckinStatus, checkin_status_of, checkin_status_read
from tasking.core import batches
from tasking.core.batches import read_together
from tasking.core.ids import in_ids_param
from tasking.core.permissions import ASSIGNABLE_ROLES, contribution_test
from tasking.core.templating import qc_number
from tasking.core.validation import parse_id
from tasking.models import (
    Comment,
    Measurement,
    Membership,
    OperationalObjective,
    Plan,
    Target,
    Task,
    TaskStatus,
    Theme,
    User,
)
from tasking.models.plan import HORIZONS
from tasking.models.task import task_collaborators
from tasking.tasks.editing import neighbourhood
from tasking.webhooks.queue import first_of, with_webhooks

if TYPE_CHECKING:
    from tasking.board.text import CardWords

STATUSES = tuple(s.value for s in TaskStatus)
TASK_COLUMNS = batches.columns_of(Task)
PLAN_COLUMNS = batches.columns_of(Plan)
# Cards of each column on the first screen: a screenful, so that it stays
# small and quick (issue 15: under 25 ms); then the « more » pages htmx asks
# for as a column is scrolled, big, so that every card of a long column takes
# few round trips (a card costs far less than a request).
FIRST_PAGE_SIZE = 20
PAGE_SIZE = 250
# The swimlane view shows a column per theme and status: a shorter first screen.
LANE_FIRST_PAGE_SIZE = 6
# A due date this many days ahead (or fewer) turns the card amber.
SOON_DAYS = 7
VIEWS = ("columns", "themes")
# Accented letters folded for the free-text filter: the words searched are
# folded, then matched with their accents back (``_accent_pattern``).
_ACCENTED = "àâäáÀÂÄÁçÇéèêëÉÈÊËîïíÎÏÍôöóÔÖÓùûüúÙÛÜÚ"
_PLAIN = "aaaaaaaacceeeeeeeeiiiiiioooooouuuuuuuu"
_FOLD_TABLE = str.maketrans(_ACCENTED, _PLAIN)


@dataclass(frozen=True)
class Filters:
    """What the board shows, as the URL's query string carries it."""

    theme: int | None = None
    # An owner's user id; 0 stands for "nobody yet".
    owner: int | None = None
    horizon: str | None = None
    overdue: bool = False
    mine: bool = False
    q: str = ""
    view: str = "columns"

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> Filters:
        """Read the query string; a value that makes no sense is ignored."""

        def number(name: str) -> int | None:
            value = (args.get(name) or "").strip()
            if value == "none":
                return 0
            return parse_id(value)

        horizon = args.get("horizon") or None
        view = args.get("view") or "columns"
        return cls(
            theme=number("theme") or None,
            owner=number("owner"),
            horizon=horizon if horizon in HORIZONS else None,
            overdue=args.get("overdue") in ("1", "on", "true"),
            mine=args.get("mine") in ("1", "on", "true"),
            q=" ".join((args.get("q") or "").split())[:200],
            view=view if view in VIEWS else "columns",
        )

    def query_args(self) -> dict[str, str]:
        """The non-default values, for URLs (so a bookmark stays short)."""
        args: dict[str, str] = {}
        if self.theme:
            args["theme"] = str(self.theme)
        if self.owner is not None:
            args["owner"] = "none" if self.owner == 0 else str(self.owner)
        if self.horizon:
            args["horizon"] = self.horizon
        if self.overdue:
            args["overdue"] = "1"
        if self.mine:
            args["mine"] = "1"
        if self.q:
            args["q"] = self.q
        if self.view != "columns":
            args["view"] = self.view
        return args

    @property
    def active(self) -> bool:
        """True when something narrows the board (the view does not)."""
        return bool(set(self.query_args()) - {"view"})

    @property
    def lanes(self) -> bool:
        return self.view == "themes"


@dataclass(slots=True)
class Card:
    """What one card shows (``CardText.dress`` adds its words and links).
    Its first fields are ``_card_select``'s columns, in order: a row becomes a
    card in one call."""

    id: int
    title: str
    status: str
    version: int
    board_position: float
    due_date: date | None
    owner_id: int | None
    theme_id: int
    theme_title: str
    theme_colour: str
    theme_number: int | None
    objective_id: int
    owner_name: str = ""
    owner_email: str | None = None
    collaborators: int = 0
    # Whether the reader helps with it (a collaborator may move it).
    helping: bool = False
    comments: int = 0
    owner_initials: str = ""
    progress: float | None = None
    progress_label: str = ""
    due_state: str | None = None
    movable: bool = False
    checkin: CheckinStatus = NO_CHECKIN
    # Set by CardText.dress: the words and links the template prints as they are.
    text: CardWords | None = None

    @property
    def cursor(self) -> str:
        """Where the next page of its column starts."""
        return f"{self.board_position!r}:{self.id}"


@dataclass
class Column:
    """One column of one lane: its first cards and how many match in all."""

    status: str
    lane: str
    cards: list[Card]
    count: int
    # The cursor of the next page, when there is one.
    more: str | None = None


@dataclass
class Lane:
    """A row of the board: the whole board, or one theme in the swimlane view."""

    key: str
    columns: list[Column]
    theme_id: int | None = None
    title: str = ""
    colour: str = ""
    number: int | None = None

    @property
    def count(self) -> int:
        return sum(column.count for column in self.columns)


@dataclass
class Board:
    lanes: list[Lane]
    totals: dict[str, int]
    today: date
    filters: Filters = field(default_factory=Filters)
    # The filter form's lists: the plan's live themes, and who may own a task.
    themes: list = field(default_factory=list)
    people: list = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.totals.values())

    @property
    def movable(self) -> bool:
        """Whether the reader may move at least one card shown."""
        return any(card.movable for lane in self.lanes for column in lane.columns for card in column.cards)


@dataclass
class Scope:
    """Who looks at which plan, and which day it is there."""

    plan_id: int
    organisation_id: int
    viewer: User
    today: date
    # The instant of the request: which check-in rounds have opened.
    now: datetime


def lane_key(theme_id: int | None) -> str:
    """A lane's key in ids and URLs: "all", or the theme's id."""
    return "all" if theme_id is None else str(theme_id)


def fold_text(text: str) -> str:
    """The words searched, in lower case and without accents
    (``_accent_pattern`` then accepts any accent back)."""
    return text.lower().translate(_FOLD_TABLE)


def _mine(user_id: ColumnElement[int]) -> ColumnElement[bool]:
    helping = exists().where(task_collaborators.c.task_id == Task.id, task_collaborators.c.user_id == user_id)
    return or_(Task.owner_id == user_id, helping)


# Statements kept per kind: the shapes in use are few, but words searched and
# lanes shown multiply them, and a crafted query string must not grow memory.
SHAPES_KEPT = 128


@dataclass(frozen=True)
class Shape:
    """Which filters narrow the board, not their values: the statements are
    built once per shape, with the values as parameters (``Query``); building
    them cost about as much as running them."""

    postgresql: bool
    theme: bool = False
    owner: str = ""  # "", "none" or "one"
    horizon: bool = False
    overdue: bool = False
    mine: bool = False
    words: int = 0


@dataclass(frozen=True)
class Query:
    """A board's statements' shape and their parameters."""

    shape: Shape
    params: dict


def board_query(session: Session, scope: Scope, filters: Filters) -> Query:
    postgresql = session.get_bind().dialect.name == "postgresql"
    words = fold_text(filters.q).split()
    owner = "" if filters.owner is None else "none" if filters.owner == 0 else "one"
    shape = Shape(
        postgresql,
        theme=bool(filters.theme),
        owner=owner,
        horizon=bool(filters.horizon),
        overdue=filters.overdue,
        mine=filters.mine,
        words=len(words),
    )
    params = {"plan_id": scope.plan_id, "viewer": scope.viewer.id}
    if filters.theme:
        params["theme"] = filters.theme
    if owner == "one":
        params["owner"] = filters.owner
    if filters.horizon:
        params["horizon"] = filters.horizon
    if filters.overdue:
        params["today"] = scope.today
    for n, word in enumerate(words):
        # Case left to PostgreSQL's ~*, and on SQLite to Python's re (below).
        params[f"word_{n}"] = _accent_pattern(word) if postgresql else f"(?i){_accent_pattern(word)}"
    return Query(shape, params)


@functools.lru_cache(maxsize=SHAPES_KEPT)
def _where(shape: Shape) -> tuple[ColumnElement[bool], ...]:
    return _task_where(shape) + _place_where(shape)


def _place_where(shape: Shape) -> tuple[ColumnElement[bool], ...]:
    """The conditions on the task's objective and theme."""
    conditions = [OperationalObjective.archived_at.is_(None), Theme.archived_at.is_(None)]
    if shape.theme:
        conditions.append(Theme.id == bindparam("theme"))
    return tuple(conditions)


def _task_where(shape: Shape) -> tuple[ColumnElement[bool], ...]:
    """The conditions on the task's own columns."""
    conditions: list[ColumnElement[bool]] = [Task.plan_id == bindparam("plan_id"), Task.archived_at.is_(None)]
    if shape.owner == "none":
        conditions.append(Task.owner_id.is_(None))
    elif shape.owner:
        conditions.append(Task.owner_id == bindparam("owner"))
    if shape.horizon:
        conditions.append(Task.horizon == bindparam("horizon"))
    if shape.overdue:
        conditions.append(and_(Task.due_date < bindparam("today"), Task.status != TaskStatus.DONE.value))
    if shape.mine:
        conditions.append(_mine(bindparam("viewer")))
    for n in range(shape.words):
        # A case-insensitive regular expression with a class per accentable
        # letter. PostgreSQL's translate() is slow on accented text; SQLite
        # runs REGEXP with Python's re (SQLAlchemy registers it), 1 µs a
        # description where folding it in Python took 12 (bench/README.md).
        pattern = bindparam(f"word_{n}", type_=String())
        if shape.postgresql:
            conditions.append(or_(Task.title.op("~*")(pattern), Task.description.op("~*")(pattern)))
        else:
            conditions.append(or_(Task.title.regexp_match(pattern), Task.description.regexp_match(pattern)))
    return tuple(conditions)


def _accent_pattern(word: str) -> str:
    """ "equipe" → "[eéèêëÉÈÊË]qu[iîïíÎÏÍ]p[eéèêëÉÈÊË]" (a folded word, any accents back)."""
    classes: dict[str, str] = {}
    for accented, plain in zip(_ACCENTED, _PLAIN, strict=True):
        classes[plain] = classes.get(plain, plain) + accented
    return "".join(f"[{classes[letter]}]" if letter in classes else re.escape(letter) for letter in word)


def _task_columns() -> tuple[ColumnElement, ...]:
    """A card's columns from its task and theme (``Card``'s first fields)."""
    return (
        Task.id,
        Task.title,
        Task.status,
        Task.version,
        Task.board_position,
        Task.due_date,
        Task.owner_id,
        Theme.id.label("theme_id"),
        Theme.title.label("theme_title"),
        Theme.colour.label("theme_colour"),
        Theme.number.label("theme_number"),
        Task.objective_id,
    )


def _facts(task_id: ColumnElement[int]) -> tuple[ColumnElement, ...]:
    """The card's next fields: its owner's name and e-mail (``User`` joined
    on the owner), its collaborators and comments counted, and whether the
    reader (parameter ``viewer``) helps."""
    helpers = select(func.count()).where(task_collaborators.c.task_id == task_id).scalar_subquery()
    helping = exists().where(
        task_collaborators.c.task_id == task_id, task_collaborators.c.user_id == bindparam("viewer")
    )
    comments = select(func.count()).where(Comment.task_id == task_id).scalar_subquery()
    return (
        func.coalesce(User.name, "").label("owner_name"),
        User.email.label("owner_email"),
        helpers.label("helpers"),
        helping.label("helping"),
        comments.label("comment_count"),
    )


@functools.cache
def _card_select() -> Select:
    """The columns a card needs (``Card``'s first fields, in order), its
    theme's and its owner's, and its collaborators and comments counted in
    the same statement."""
    columns = (*_task_columns(), *_facts(Task.id))
    return _joined(select(*columns)).outerjoin(User, User.id == Task.owner_id)


def _joined(stmt: Select) -> Select:
    return stmt.join(OperationalObjective, OperationalObjective.id == Task.objective_id).join(
        Theme, Theme.id == OperationalObjective.theme_id
    )


def _initials(name: str, email: str) -> str:
    """The same initials as User.initials, from the row's columns."""
    parts = [p for p in name.replace("-", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or email[:2].upper()


def _cards(rows: Iterable) -> list[Card]:
    cards = [Card(*row) for row in rows]
    initials: dict[tuple[str, str], str] = {}
    for card in cards:
        if card.owner_id:
            owner = (card.owner_name, card.owner_email)
            found = initials.get(owner)
            if found is None:
                found = initials[owner] = _initials(*owner)
            card.owner_initials = found
    return cards


def fill_cards(session: Session, scope: Scope, cards: list[Card]) -> list[Card]:
    """Add the facts a card shows from other tables, in two statements whatever
    the number of cards (one round trip on PostgreSQL)."""
    if not cards:
        return cards
    progress_rows, checkin_rows = read_together(
        session,
        [
            _progress_read(session, {card.objective_id for card in cards}),
            checkin_status_read(session, scope.organisation_id, [card.id for card in cards], scope.now),
        ],
    )
    return _filled(session, scope, cards, progress_rows, checkin_rows)


def _filled(
    session: Session, scope: Scope, cards: list[Card], progress_rows: list[Row], checkin_rows: list[Row]
) -> list[Card]:
    """``cards`` with their facts, from the rows of ``_progress_read`` and
    ``checkin_status_read``."""
    progress = _progress_of(progress_rows)
    checkins = checkin_status_of(checkin_rows)
    may_move = contribution_test(session, scope.viewer, scope.organisation_id)
    today, soon = scope.today, scope.today + timedelta(days=SOON_DAYS)
    done = TaskStatus.DONE.value
    for card in cards:
        card.checkin = checkins.get(card.id, NO_CHECKIN)
        card.progress, card.progress_label = progress.get(card.objective_id, (None, ""))
        due = card.due_date
        if due is not None and card.status != done:
            card.due_state = "overdue" if due < today else "soon" if due <= soon else None
        card.movable = may_move(card.owner_id, card.helping)
    return cards


@functools.cache
def _targets_of(postgresql: bool, of_task: bool = False) -> Select:
    """The first measurable target (by position) of each of some objectives
    (parameter ``objectives``: their ids), or of the objective of task
    ``task`` (``of_task``), with its latest measurement and, when its
    progress counts from it (a "down" target without a baseline:
    ``Target.progress``), its first; built once. A measurement subquery
    costs more than the rest of the statement: each runs only where its
    value is used."""

    def measured(*order: ColumnElement) -> ColumnElement:
        return (
            select(Measurement.value)
            .where(Measurement.target_id == Target.id)
            .order_by(*order)
            .limit(1)
            .scalar_subquery()
        )

    earlier = aliased(Target)
    first_measurable = ~exists().where(
        earlier.objective_id == Target.objective_id,
        earlier.target_value.is_not(None),
        or_(
            earlier.position < Target.position,
            and_(earlier.position == Target.position, earlier.id < Target.id),
        ),
    )
    from_first = and_(Target.baseline.is_(None), Target.direction == "down")
    return select(
        Target.id,
        Target.objective_id,
        Target.unit,
        Target.baseline,
        Target.target_value,
        Target.direction,
        measured(Measurement.measured_on.desc(), Measurement.id.desc()).label("latest"),
        case((from_first, measured(Measurement.measured_on, Measurement.id))).label("first"),
    ).where(
        Target.objective_id == select(Task.objective_id).where(Task.id == bindparam("task")).scalar_subquery()
        if of_task
        else in_ids_param(Target.objective_id, "objectives", postgresql),
        Target.target_value.is_not(None),
        first_measurable,
    )


def _progress_read(session: Session, objective_ids: Iterable[int]) -> batches.Query:
    """For each of some objectives with a measurable target, its first such
    target (``_progress_of`` reads the rows)."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    return _targets_of(postgresql), {"objectives": list(objective_ids)}


def _progress_of(targets: Iterable[Row]) -> dict[int, tuple[float | None, str]]:
    """Objective id → the first measurable target's progress (0..1) and a
    short label « latest / target unit »."""
    # Many objectives share a figure (100 %): each is formatted once.
    number = functools.cache(qc_number)
    result: dict[int, tuple[float | None, str]] = {}
    for target in targets:
        # Target.progress reads only the columns selected above.
        share = Target.progress(target, target.latest, target.first)
        latest = number(target.latest) if target.latest is not None else "—"
        unit = f" {target.unit}" if target.unit else ""
        result[target.objective_id] = (share, f"{latest} / {number(target.target_value)}{unit}")
    return result


def first_page_size(filters: Filters) -> int:
    """Cards per column on the first screen: fewer when every theme has its own row."""
    return LANE_FIRST_PAGE_SIZE if filters.lanes else FIRST_PAGE_SIZE


def load_board(session: Session, scope: Scope, filters: Filters) -> Board:
    """The first page of every column (of every theme's lane in the swimlane
    view), with what the filter form lists.

    The cards in one statement: one short query per column, each reading the
    (plan, status, board_position) index and stopping after a page
    (``_first_pages``); read with the counts and the form's lists (one round
    trip on PostgreSQL), then the cards' facts (``fill_cards``).
    """
    page_size = first_page_size(filters)
    plan_themes = session.execute(_themes(), {"plan_id": scope.plan_id}).all() if filters.lanes else None
    if plan_themes is not None:
        shown = [theme for theme in plan_themes if not filters.theme or theme.id == filters.theme]
        lane_specs = [(lane_key(theme.id), theme) for theme in shown]
    else:
        lane_specs = [("all", None)]
    query = board_query(session, scope, filters)
    # The filter form's people, and its themes when the lanes did not need them.
    choices: list[batches.Query] = [(_assignable(), {"organisation_id": scope.organisation_id})]
    if plan_themes is None:
        choices.append((_themes(), {"plan_id": scope.plan_id}))
    if filters.q:
        counts, rows = _searched(session, query, filters.lanes, page_size)
        listed = read_together(session, choices)
    else:
        reads = [*choices, (_counted(query.shape, filters.lanes, 0), query.params)]
        if lane_specs:
            lanes = {f"lane_{n}": theme.id for n, (_key, theme) in enumerate(lane_specs) if theme}
            first = _first_pages(query.shape, len(lanes) if filters.lanes else None, page_size + 1)
            reads.append((first, {**query.params, **lanes}))
        found = read_together(session, reads)
        listed = found[: len(choices)]
        counts = _counts_of(found[len(choices)], filters.lanes)
        rows = found[len(choices) + 1] if lane_specs else []
        rows = sorted(rows, key=lambda row: (row.board_position, row.id))
    people = listed[0]
    themes = plan_themes if plan_themes is not None else listed[1]

    pages: dict[tuple[str, str], list[Card]] = {}
    for card in _cards(rows):
        key = (lane_key(card.theme_id if filters.lanes else None), card.status)
        page = pages.setdefault(key, [])
        if len(page) <= page_size:
            page.append(card)
    fill_cards(session, scope, [card for cards in pages.values() for card in cards[:page_size]])

    lanes = []
    for key, theme in lane_specs:
        columns = []
        for status in STATUSES:
            cards = pages.get((key, status), [])
            more = cards[page_size - 1].cursor if len(cards) > page_size else None
            columns.append(Column(status, key, cards[:page_size], counts.get((key, status), 0), more))
        lanes.append(
            Lane(key, columns, theme.id, theme.title, theme.colour, theme.number)
            if theme
            else Lane(key, columns)
        )
    return Board(lanes, totals_of(counts), scope.today, filters, themes, people)


@functools.cache
def _themes() -> Select:
    return (
        select(Theme.id, Theme.title, Theme.colour, Theme.number)
        .where(Theme.plan_id == bindparam("plan_id"), Theme.archived_at.is_(None))
        .order_by(Theme.position, Theme.id)
    )


def _limit(rows: int) -> ColumnElement:
    """A LIMIT written in the statement, not a parameter: PostgreSQL keeps a
    prepared statement's generic plan only when it looks no costlier than a
    custom one, and a LIMIT it cannot see made every card page planned again
    (1.5 ms of the first screen's 2.5 ms in that statement)."""
    return literal_column(str(int(rows)))


@functools.lru_cache(maxsize=SHAPES_KEPT)
def _first_pages(shape: Shape, lanes: int | None, limit: int) -> Select:
    """A page of ``limit`` cards of every column, or of every column of
    each of ``lanes`` lanes (parameters ``lane_0``…: theme ids).

    Each column's page reads the task and its theme alone; the owner and the
    counts are added once, to the pages' rows. PostgreSQL runs one page
    query again for each column (a LATERAL subquery over the columns' keys):
    a UNION branch per column started a plan of its own, 40 % of the
    statement's time on the first screen and 70 % in the theme view.
    SQLite has no LATERAL: a UNION ALL of the pages."""
    page = _joined(select(*_task_columns())).where(*_where(shape)).order_by(Task.board_position, Task.id)
    page = page.limit(_limit(limit))
    if shape.postgresql:
        # Rows of selects, not VALUES: SQLAlchemy caches no statement holding VALUES.
        statuses = union_all(*(select(literal(status, String).label("status")) for status in STATUSES))
        keys = statuses.subquery("board_column")
        page = page.where(Task.status == keys.c.status)
        if lanes is not None:
            themes = (bindparam(f"lane_{lane}", type_=Integer) for lane in range(lanes))
            lane_ids = union_all(*(select(theme.label("theme_id")) for theme in themes)).subquery("lane")
            page = page.where(Theme.id == lane_ids.c.theme_id)
            keys = lane_ids.join(keys, true())
        cards = page.lateral("page")
        return _dressed(cards, keys.join(cards, true()))
    parts = []
    for lane in [None] if lanes is None else range(lanes):
        for status in STATUSES:
            stmt = page.where(Task.status == status)
            if lane is not None:
                stmt = stmt.where(Theme.id == bindparam(f"lane_{lane}"))
            parts.append(stmt.subquery().select())
    cards = (parts[0] if len(parts) == 1 else union_all(*parts)).subquery("page")
    return _dressed(cards, cards)


def _dressed(cards: FromClause, source: FromClause) -> Select:
    """The rows of ``cards`` (``_task_columns``), read from ``source``, with ``_facts``."""
    dressed = select(*cards.c, *_facts(cards.c.id)).select_from(source)
    return dressed.outerjoin(User, User.id == cards.c.owner_id)


def _searched(
    session: Session, query: Query, lanes: bool, page_size: int
) -> tuple[dict[tuple[str, str], int], list]:
    """Counts and first pages when words are searched. Matching text is the
    costly test: run it once over the whole plan, reading only what counts
    and orders the matches, then read the cards of the first pages alone
    (a card's row counts its collaborators and comments)."""
    matches = session.execute(_matches(query.shape), query.params).all()
    counts: dict[tuple[str, str], int] = {}
    shown = []
    for match in matches:
        key = (lane_key(match.theme_id if lanes else None), match.status)
        counts[key] = counts.get(key, 0) + 1
        if counts[key] <= page_size + 1:
            shown.append(match.id)
    if not shown:
        return counts, []
    params = {"viewer": query.params["viewer"], "shown": shown}
    return counts, session.execute(_cards_by_ids(query.shape.postgresql), params).all()


@functools.lru_cache(maxsize=SHAPES_KEPT)
def _matches(shape: Shape) -> Select:
    return (
        _joined(select(Task.id, Task.status, Theme.id.label("theme_id")))
        .where(*_where(shape))
        .order_by(Task.board_position, Task.id)
    )


@functools.cache
def _cards_by_ids(postgresql: bool) -> Select:
    shown = in_ids_param(Task.id, "shown", postgresql)
    return _card_select().where(shown).order_by(Task.board_position, Task.id)


def totals_of(counts: dict[tuple[str, str], int], statuses: Iterable[str] = STATUSES) -> dict[str, int]:
    """Column totals over every lane, of ``statuses``."""
    return {status: sum(n for (_lane, s), n in counts.items() if s == status) for status in statuses}


def card_and_counts(
    session: Session,
    scope: Scope,
    task_id: int,
    filters: Filters,
    statuses: Sequence[str] = STATUSES,
    *,
    last: bool = False,
) -> tuple[Card | None, dict[tuple[str, str], int], dict[str, int]]:
    """One card as the board shows it (after a move, or to refresh it), and
    the counts of the columns ``statuses``: (lane key, status) → number of
    cards matching the filters, and status → total over the lanes. Read
    together with the card's facts (one round trip on PostgreSQL; the
    request's ``COMMIT`` follows at once when they are its ``last``
    statements, a move's).

    A move counts only the two columns it changed, and a move inside one
    column none: counting reads every task of the plan (on PostgreSQL it
    visits each row a move has touched since the table was last vacuumed,
    bench/README.md). The card's own lane is counted even where it is now
    empty, so that its cell shows 0 rather than what it showed before."""
    query = board_query(session, scope, filters)
    postgresql = session.get_bind().dialect.name == "postgresql"
    statuses = tuple(dict.fromkeys(statuses))
    reads = [
        (_one_card(), {"viewer": scope.viewer.id, "task": task_id}),
        (_targets_of(postgresql, of_task=True), {"task": task_id}),
        checkin_status_read(session, scope.organisation_id, [task_id], scope.now),
    ]
    if statuses == STATUSES:
        reads.append((_counted(query.shape, filters.lanes, 0), query.params))
    elif statuses:
        counted = {f"counted_{n}": status for n, status in enumerate(statuses)}
        reads.append((_counted(query.shape, filters.lanes, len(statuses)), {**query.params, **counted}))
    card_rows, progress_rows, checkin_rows, *count_rows = read_together(session, reads, last=last)
    cards = _filled(session, scope, _cards(card_rows), progress_rows, checkin_rows)
    card = cards[0] if cards else None
    counts = _counts_of(count_rows[0], filters.lanes) if count_rows else {}
    if card is not None and filters.lanes:
        for status in statuses:
            counts.setdefault((lane_key(card.theme_id), status), 0)
    return card, counts, totals_of(counts, statuses)


def _counts_of(rows: list[Row], lanes: bool) -> dict[tuple[str, str], int]:
    if lanes:
        return {(lane_key(theme_id), status): n for theme_id, status, n in rows}
    return {("all", status): n for status, n in rows}


@functools.lru_cache(maxsize=SHAPES_KEPT)
def _counted(shape: Shape, lanes: bool, among: int = 0) -> Select:
    """Counted per column and objective from the tasks alone (unfiltered,
    from the index ``ix_task_column_counts`` without visiting the rows), then
    summed over the objectives and themes not archived: a hundred rows
    joined instead of thousands (the first screen's dearest statement).
    ``among``: only the columns named by the parameters ``counted_0`` to
    ``counted_<among - 1>``; 0: every column."""
    only = [Task.status.in_([bindparam(f"counted_{n}") for n in range(among)])] if among else []
    per_objective = (
        select(Task.status, Task.objective_id, func.count().label("n"))
        .where(*_task_where(shape), *only)
        .group_by(Task.status, Task.objective_id)
        .subquery()
    )
    # PostgreSQL's sum of counts is a numeric: back to an integer.
    total = cast(func.sum(per_objective.c.n), Integer)
    keys = (Theme.id, per_objective.c.status) if lanes else (per_objective.c.status,)
    return (
        select(*keys, total)
        .select_from(per_objective)
        .join(OperationalObjective, OperationalObjective.id == per_objective.c.objective_id)
        .join(Theme, Theme.id == OperationalObjective.theme_id)
        .where(*_place_where(shape))
        .group_by(*keys)
    )


def parse_cursor(text: str | None) -> tuple[float, int] | None:
    """ "<position>:<id>" → (position, id); None for anything else."""
    try:
        position, task_id = (text or "").rsplit(":", 1)
        cursor = float(position), parse_id(task_id)
    except ValueError:
        return None
    return cursor if math.isfinite(cursor[0]) and cursor[1] is not None else None


def load_column_page(
    session: Session,
    scope: Scope,
    filters: Filters,
    *,
    status: str,
    theme_id: int | None,
    after: tuple[float, int] | None,
) -> Column:
    """The next page of one column (keyset pagination on board_position, id)."""
    page_size = PAGE_SIZE
    query = board_query(session, scope, filters)
    params = {**query.params, "status": status}
    if theme_id is not None:
        params["lane"] = theme_id
    if after is not None:
        params["after_position"], params["after_id"] = after
    stmt = _next_page(query.shape, theme_id is not None, after is not None, page_size + 1)
    cards = _cards(session.execute(stmt, params))
    more = cards[page_size - 1].cursor if len(cards) > page_size else None
    cards = fill_cards(session, scope, cards[:page_size])
    return Column(status, lane_key(theme_id), cards, count=0, more=more)


@functools.lru_cache(maxsize=SHAPES_KEPT)
def _next_page(shape: Shape, lane: bool, after: bool, limit: int) -> Select:
    """A page of ``limit`` cards of one column (parameter ``status``; ``lane``
    a theme id), after the card at (``after_position``, ``after_id``)."""
    conditions = [*_where(shape), Task.status == bindparam("status")]
    if lane:
        conditions.append(Theme.id == bindparam("lane"))
    if after:
        position, last_id = bindparam("after_position", type_=Float), bindparam("after_id", type_=Integer)
        conditions.append(
            or_(Task.board_position > position, and_(Task.board_position == position, Task.id > last_id))
        )
    return _card_select().where(*conditions).order_by(Task.board_position, Task.id).limit(_limit(limit))


def move_read(task_id: int, status: str, after_id: int | None, before_id: int | None) -> batches.Query:
    """The moved task, its plan, the row of ``neighbourhood`` for the move
    and who listens to the events of a change, in one statement: a move's
    first read, sent with the mover's own (``reads_first``)."""
    columns, values = neighbourhood(status, after_id, before_id)
    return _move_statement(columns), {**values, "task_id": task_id}


@functools.cache
def _move_statement(near: tuple[ColumnElement, ...]) -> Select:
    statement = (
        select(*TASK_COLUMNS, *PLAN_COLUMNS, *near)
        .join(Plan, Plan.id == Task.plan_id)
        .where(Task.id == bindparam("task_id", type_=Integer))
    )
    return with_webhooks(statement)


def task_and_plan(session: Session, read: batches.Query) -> tuple | None:
    """The task, its plan and the values of its other columns, of ``move_read``."""
    (rows,) = read_together(session, [read])
    row = first_of(session, rows)
    if row is None:
        return None
    plan_at = len(TASK_COLUMNS)
    task, plan = batches.loaded(session, Task, row), batches.loaded(session, Plan, row, plan_at)
    return task, plan, *row[plan_at + len(PLAN_COLUMNS) :]


def load_card(session: Session, scope: Scope, task_id: int) -> Card | None:
    """One card, as the board shows it (after a move, or to refresh it)."""
    row = session.execute(_one_card(), {"viewer": scope.viewer.id, "task": task_id}).one_or_none()
    if row is None:
        return None
    return fill_cards(session, scope, _cards([row]))[0]


@functools.cache
def _one_card() -> Select:
    return _card_select().where(Task.id == bindparam("task"))


@functools.cache
def _assignable() -> Select:
    return (
        select(User.id, User.name)
        .join(Membership, Membership.user_id == User.id)
        .where(
            Membership.organisation_id == bindparam("organisation_id"),
            # Bound one by one, not as an expanding list: ``read_together`` sends it.
            Membership.role.in_([literal(role) for role in ASSIGNABLE_ROLES]),
        )
        .order_by(User.name, User.id)
    )
