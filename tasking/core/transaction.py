"""One unit of work per request.

Services flush but never commit. The request commits once, after the view
answered a success (below 400); a view that raised, or answered a refusal
(400 and above, or ``refused_redirect``), writes nothing. What must happen
after the commit (trying a queued e-mail at once) is registered with
``after_commit``: mail never leaves for a change that was rolled back.

On SQLite a read (GET, HEAD, OPTIONS) that wrote nothing is not committed:
the end of its app context closes the session, which ends a transaction
without writes the same way, without the commit's work (a tenth of a small
page). Every statement but a SELECT counts as a write, whether it came from
a flush, a service's UPDATE or a raw statement. PostgreSQL reads still
commit: psycopg forgets the connection's prepared statements at every
rollback, and each following page would prepare its statements again. (A
read that wrote nothing ran in autocommit, ``core/connections.py``: its
commit sends nothing.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from flask import Flask, Response, flash, g, has_app_context, redirect, request
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session, make_transient

from tasking.extensions import db

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


#: Key of a connection's ``info`` set from a transaction's first write to its end.
WROTE = "tasking.wrote"
#: Key of ``g``: the request's changes were committed before it failed.
SAVED = "_saved_already"


def _note_write(connection: Connection, statement: object, *_args: object) -> None:
    if not getattr(statement, "is_select", False):
        connection.info[WROTE] = True


def _forget_writes(connection: Connection) -> None:
    connection.info.pop(WROTE, None)


def wrote(session: Session) -> bool:
    """Whether the session's transaction has written, or would write at its commit."""
    if session.new or session.dirty or session.deleted:
        return True
    return session.in_transaction() and session.connection().info.get(WROTE, False)


def register(app: Flask) -> None:
    """Commit or roll back each request's session once the view has answered."""
    sqlite = app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    with app.app_context():
        event.listen(db.engine, "before_execute", _note_write)
        event.listen(db.engine, "begin", _forget_writes)
    if sqlite:

        @app.before_request
        def write_lock_first() -> None:
            # SQLite: a request that may write takes the write lock before it
            # reads. A deferred transaction that read first cannot take the
            # lock once another writer has committed (SQLITE_BUSY_SNAPSHOT,
            # raised at once, busy_timeout or not): 8 clients moving cards
            # got « database is locked » 500s. Waiting for the lock instead
            # makes writers take turns.
            if request.method not in SAFE_METHODS:
                db.session.connection().exec_driver_sql("BEGIN IMMEDIATE")

    @app.after_request
    def finish(response: Response) -> Response:
        # Popped, not read: a test's app context outlives its requests.
        store = g._get_current_object()
        keep, refused = store.pop("_keep_refusal", False), store.pop("_refused", False)
        callbacks, kept = store.pop("_after_commit", []), store.pop("_kept_rows", [])
        if keep or (response.status_code < 400 and not refused):
            if callbacks or not sqlite or request.method not in SAFE_METHODS or wrote(db.session()):
                db.session.commit()
            for callback in callbacks:
                callback()
        elif not sqlite and not kept and not wrote(db.session()):
            # PostgreSQL: a refusal with nothing to undo ends like a read;
            # psycopg's rollback would forget the connection's prepared statements.
            db.session.commit()
        else:
            db.session.rollback()
            if kept:
                _commit_alone(kept)
        return response

    @app.teardown_request
    def discard(error: BaseException | None) -> None:
        # A view that raised past every handler: nothing of it is kept.
        if error is not None:
            db.session.rollback()
        g.pop(SAVED, None)


@contextmanager
def attempt() -> Iterator[None]:
    """A change the view answers with a page of its own when it is refused:
    what it wrote is undone at once (a savepoint), so the page is drawn from
    what is stored, and the request then writes nothing (its answer is a
    refusal). A stale version shows here, at the savepoint's flush."""
    with db.session.begin_nested():
        yield


def keep_row(row: object) -> None:
    """Write ``row`` whatever the request answers: on a refusal it is added
    again after the rollback and committed alone (a session that ended by
    itself is logged, whether the page then answers 302 or an htmx 401)."""
    g.setdefault("_kept_rows", []).append(row)


def _commit_alone(rows: list) -> None:
    for row in rows:
        make_transient(row)
        # The rolled-back INSERT's id is not the row's any more.
        row.id = None
        db.session.add(row)
    db.session.commit()


def saved_already() -> None:
    """The request's transaction was committed before the view ended (a
    move's, whose COMMIT goes as soon as its last reads are answered,
    ``core/batches.py``): a failure after it no longer undoes it."""
    if has_app_context():
        g.setdefault(SAVED, True)


def was_saved() -> bool:
    """Whether a failing request had committed its changes first."""
    return g.pop(SAVED, False)


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once this request's changes are committed (never if they are not)."""
    g.setdefault("_after_commit", []).append(callback)


def refused_redirect(target: str, message: str) -> Response:
    """A refused change answered by going back with the reason (plain form
    posts): the request's changes are discarded like any other refusal."""
    g._refused = True
    flash(message, "error")
    return redirect(target, code=303)


def keep_refusal() -> None:
    """Commit this request although it answers a refusal: the refusal is
    itself the record (a failed sign-in counts towards the pause)."""
    g._keep_refusal = True


def committed_stream(steps: Iterable[str], outcome: Callable[[str | None], str], problem_of) -> Iterator[str]:  # noqa: ANN001
    """A streamed answer's unit of work: the steps write and yield their
    progress, the whole is committed after the last one; any failure rolls
    everything back. ``problem_of(error)`` turns a failure into the sentence
    the page shows (or re-raises it); ``outcome(problem)`` is the last part."""
    problem = None
    try:
        yield from steps
        db.session.commit()
    except Exception as error:  # the status line is long sent: the page must say it
        db.session.rollback()
        problem = problem_of(error)
    yield outcome(problem)
