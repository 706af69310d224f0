"""One unit of work per request: a successful answer commits once, a refused
one writes nothing; what waits for the commit runs only after it."""

from __future__ import annotations

import pytest
from flask import abort
from sqlalchemy import event, func, select, text, update

from tasking.core import transaction
from tasking.core.errors import ConflictError, ServiceError
from tasking.extensions import db
from tasking.models import Region
from tests.conftest import app_now

HX = {"HX-Request": "true"}


@pytest.fixture
def app(fresh_app):
    """Routes are added to it: an app of its own."""
    return fresh_app


@pytest.fixture
def routes(app):
    """Test-only views that write a region, then answer in each way a view can."""
    after = []

    def write(slug: str) -> None:
        db.session.add(Region(slug=slug, name=slug, created_at=app_now()))
        db.session.flush()

    def ok():
        write("ok")
        transaction.after_commit(lambda: after.append("sent"))
        return "ok"

    def refused():
        write("refused")
        transaction.after_commit(lambda: after.append("sent"))
        raise ServiceError("Refusé, avec une raison.")

    def conflict():
        write("conflict")
        raise ConflictError("Quelqu’un d’autre a changé ceci.")

    def back():
        write("back")
        return transaction.refused_redirect("/plans", "Refusé, retour.")

    def own_page():
        try:
            with transaction.attempt():
                write("own")
                raise ServiceError("Refusé.")
        except ServiceError as error:
            # The savepoint undid the write: the page reads what is stored.
            return f"{error.message} {db.session.scalar(select(func.count(Region.id)))}", 422

    for view in (ok, refused, conflict, back, own_page):
        app.add_url_rule(f"/_uow/{view.__name__}", view.__name__, view, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    return after


def regions() -> list[str]:
    db.session.rollback()
    return list(db.session.scalars(select(Region.slug)))


def test_a_successful_answer_commits_then_runs_what_waited(app, routes):
    response = app.test_client().post("/_uow/ok")
    assert response.status_code == 200
    assert regions() == ["ok"]
    assert routes == ["sent"]


def test_a_service_error_is_a_422_that_writes_nothing_and_sends_nothing(app, routes):
    response = app.test_client().post("/_uow/refused", headers=HX)
    assert response.status_code == 422
    assert "Refusé, avec une raison." in response.get_data(as_text=True)
    assert regions() == []
    assert routes == []


def test_a_conflict_is_a_409_that_writes_nothing(app, routes):
    response = app.test_client().post("/_uow/conflict")
    assert response.status_code == 409
    assert "Quelqu’un d’autre a changé ceci." in response.get_data(as_text=True)
    assert regions() == []


def test_a_refusal_answered_by_a_redirect_writes_nothing(app, routes):
    response = app.test_client().post("/_uow/back")
    assert response.status_code == 303
    assert regions() == []


def test_a_view_drawing_its_own_refusal_sees_the_stored_state(app, routes):
    response = app.test_client().post("/_uow/own_page")
    assert (response.status_code, response.get_data(as_text=True)) == (422, "Refusé. 0")
    assert regions() == []


@pytest.fixture
def reads(app):
    """Test-only GET views: one that only reads, and each way a read can still write."""

    def only_reads():
        return str(db.session.scalar(select(func.count(Region.id))))

    def flushes():
        db.session.add(Region(slug="flushed", name="flushed", created_at=app_now()))
        db.session.flush()
        return "ok"

    def leaves_pending():
        db.session.add(Region(slug="pending", name="pending", created_at=app_now()))
        return "ok"

    def updates():
        db.session.execute(update(Region).values(name="renamed"))
        return "ok"

    def writes_raw():
        db.session.execute(text("UPDATE region SET name = 'raw'"))
        return "ok"

    def refuses():
        db.session.scalar(select(func.count(Region.id)))
        abort(404)

    for view in (only_reads, flushes, leaves_pending, updates, writes_raw, refuses):
        app.add_url_rule(f"/_uow/{view.__name__}", view.__name__, view)
    commits = []

    def counted(connection) -> None:  # noqa: ANN001
        commits.append(connection)

    with app.app_context():
        event.listen(db.engine, "commit", counted)
    yield commits
    with app.app_context():
        event.remove(db.engine, "commit", counted)


def stored_region(app) -> None:
    db.session.add(Region(slug="stored", name="stored", created_at=app_now()))
    db.session.commit()


def test_a_read_that_wrote_nothing_is_not_committed_on_sqlite(app, reads):
    stored_region(app)
    reads.clear()
    response = app.test_client().get("/_uow/only_reads")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "1")
    # PostgreSQL commits it: a rollback would make psycopg forget its prepared statements.
    assert len(reads) == (0 if db.engine.dialect.name == "sqlite" else 1)


def test_a_refusal_that_wrote_nothing_is_committed_on_postgresql(app, reads):
    stored_region(app)
    reads.clear()
    assert app.test_client().get("/_uow/refuses").status_code == 404
    # Nothing to undo: PostgreSQL ends it with a commit, for the reason above.
    assert len(reads) == (0 if db.engine.dialect.name == "sqlite" else 1)


@pytest.mark.parametrize(
    ("view", "stored"),
    [
        ("flushes", [("flushed", "flushed"), ("stored", "stored")]),
        ("leaves_pending", [("pending", "pending"), ("stored", "stored")]),
        ("updates", [("stored", "renamed")]),
        ("writes_raw", [("stored", "raw")]),
    ],
)
def test_a_read_that_wrote_is_committed(app, reads, view, stored):
    stored_region(app)
    reads.clear()
    assert app.test_client().get(f"/_uow/{view}").status_code == 200
    assert len(reads) == 1
    db.session.rollback()
    assert db.session.execute(select(Region.slug, Region.name).order_by(Region.slug)).all() == stored
