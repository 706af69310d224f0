"""@mentions in comments: each person's handle, and who a text names."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Protocol, TypeVar

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from tasking.core.errors import ServiceError
from tasking.models import Membership, User

# @handle, or @whole.address@domain.ca when two people share a handle.
MENTION_RE = re.compile(
    r"(?<![\w@.])@([A-Za-z0-9._+-]*[A-Za-z0-9_+-](?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)"
)


class Person(Protocol):
    """Whom a handle names: a user, or a row of the task page's people."""

    id: int
    name: str
    email: str


P = TypeVar("P", bound=Person)


def mention_handles(users: Iterable[P]) -> dict[str, P]:
    """Each person's @handle: their e-mail's local part, or the whole address
    when someone else of the organisation has the same local part (a bare
    shared handle would tell the wrong person)."""
    by_local: dict[str, list[User]] = {}
    for user in users:
        by_local.setdefault(user.email.split("@")[0].lower(), []).append(user)
    handles = {}
    for local, people in by_local.items():
        if len(people) == 1:
            handles[local] = people[0]
        else:
            handles.update((person.email.lower(), person) for person in people)
    return handles


def mentioned_users(session: Session, organisation_id: int, body: str) -> list[User]:
    """Users of the organisation named by their @handle in ``body``. A handle
    several members share is refused with the addresses to write instead:
    silently telling nobody would leave the author waiting for an answer."""
    named = {h.lower() for h in MENTION_RE.findall(body or "")}
    if not named:
        return []
    members = session.scalars(
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, User.active.is_(True))
    ).all()
    handles = mention_handles(members)
    for handle in sorted(named - handles.keys()):
        shared = sorted(f"@{u.email.lower()}" for u in members if u.email.split("@")[0].lower() == handle)
        if len(shared) > 1:
            raise ServiceError(
                _(
                    "“@%(handle)s” names several people: write %(choices)s.",
                    handle=handle,
                    choices=_(" or ").join(shared),
                ),
                "body",
            )
    return [handles[handle] for handle in sorted(named) if handle in handles]


def fold(text: str) -> str:
    """Lower case without accents: « Frédéric » and « fred » compare alike."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def suggest(handles: Mapping[str, P], query: str, limit: int = 8) -> list[tuple[str, P]]:
    """The people a mention being typed may name: ``query`` (what follows
    the @) begins their handle, one of their names, or their whole name;
    accents and case ignored. Each comes with the handle to insert."""
    wanted = fold(query.lstrip("@").strip())
    found = []
    for handle, user in handles.items():
        name = fold(user.name)
        words = name.replace("-", " ").split()
        if (
            not wanted
            or handle.startswith(wanted)
            or name.startswith(wanted)
            or any(word.startswith(wanted) for word in words)
        ):
            found.append((handle, user))
    found.sort(key=lambda pair: (fold(pair[1].name), pair[0]))
    return found[:limit]


@dataclass
class Unresolved:
    """A mention of a comment being written that tells nobody, and the
    handles to write instead when it is one several people share."""

    written: str
    choices: list[str]


def unresolved(handles: Mapping[str, Person], text: str) -> list[Unresolved]:
    """The @mentions in ``text`` that name nobody of the organisation (or
    several people), in the order written, each once."""
    seen: dict[str, Unresolved] = {}
    for written in MENTION_RE.findall(text or ""):
        key = written.lower()
        if key in handles or key in seen:
            continue
        shared = sorted(h for h in handles if h.startswith(key + "@"))
        seen[key] = Unresolved(written, [f"@{h}" for h in shared])
    return list(seen.values())
