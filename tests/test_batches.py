"""Reads sent together (tasking/core/batches.py): the same rows as one at a
time, on PostgreSQL in one round trip, and a failing one raises as
SQLAlchemy's own execution would. The round-trip tests make their own
PostgreSQL database: they run in the SQLite pass too."""

from __future__ import annotations

import pytest
from flask_login import current_user
from sqlalchemy import Select, bindparam, column, create_engine, literal, select, table, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from tasking.core.batches import AHEAD, COMMITTING, columns_of, loaded, read_together, reads_first
from tasking.core.ids import in_ids_param
from tasking.extensions import db
from tasking.models import User
from tests import factories
from tests.conftest import Client
from tests.test_database_connections import pg_app, traced  # noqa: F401

NAMES = select(User.id, User.name).where(User.name != bindparam("not_named")).order_by(User.id)
SUM = select((bindparam("a") + bindparam("b")).label("total"), literal("là").label("word"))


def _three_people() -> None:
    org = factories.organisation(db.session)
    for name in ("Anne", "Bruno", "Chloé"):
        factories.user(db.session, org, "member", name=name)
    db.session.commit()


def test_reads_together_give_what_each_gives_alone(app):
    _three_people()
    reads = [(NAMES, {"not_named": "Bruno"}), (SUM, {"a": 2, "b": 40})]

    names, sums = read_together(db.session, reads)

    assert [tuple(row) for row in names] == [
        tuple(row) for row in db.session.execute(NAMES, {"not_named": "Bruno"})
    ]
    assert [row.name for row in names] == ["Anne", "Chloé"]
    assert (sums[0].total, sums[0].word) == (42, "là")


@pytest.mark.parametrize("others", [0, 1], ids=["alone", "with another"])
def test_a_failing_read_raises_and_the_session_goes_on(app, others):
    """Alone, a read goes without psycopg's pipeline: it fails the same way."""
    missing = select(column("n")).select_from(table("no_such_table"))

    with pytest.raises(DBAPIError):
        read_together(db.session, [(SUM, {"a": 1, "b": 1})] * others + [(missing, {})])
    db.session.rollback()

    assert read_together(db.session, [(SUM, {"a": 1, "b": 2})])[0][0].total == 3


def test_on_postgresql_reads_together_take_one_round_trip(traced):  # noqa: F811
    app, trace = traced

    def three_reads():  # noqa: ANN202
        rows = read_together(db.session, [(SUM, {"a": n, "b": 1}) for n in (1, 2, 3)])
        return " ".join(str(found[0].total) for found in rows)

    app.add_url_rule("/three-reads", "three_reads", three_reads)
    client = app.test_client()
    assert client.get("/three-reads").get_data(as_text=True) == "2 3 4"  # connects, prepares
    trace.mark()

    assert client.get("/three-reads").get_data(as_text=True) == "2 3 4"

    asked, round_trips = trace.sent()
    assert trace.statements == 3  # statement counters still hear each read
    assert len([sent for sent in asked if sent.startswith("Execute")]) == 3
    assert round_trips == 1


def test_rows_read_ahead_serve_the_same_read_once_without_asking_again(app, count_queries):
    _three_people()
    not_bruno = (NAMES, {"not_named": "Bruno"})

    (sums,) = read_together(db.session, [(SUM, {"a": 1, "b": 1})], ahead=[not_bruno])
    with count_queries() as counted:
        (names,) = read_together(db.session, [not_bruno])
    assert sums[0].total == 2
    assert [row.name for row in names] == ["Anne", "Chloé"] and counted.count == 0

    with count_queries() as counted:
        (other,) = read_together(db.session, [(NAMES, {"not_named": "Anne"})])
        (again,) = read_together(db.session, [not_bruno])
    assert [row.name for row in other] == ["Bruno", "Chloé"]
    assert [row.name for row in again] == ["Anne", "Chloé"] and counted.count == 2


def test_a_write_drops_what_was_read_ahead(app):
    _three_people()
    everyone = (NAMES, {"not_named": ""})
    read_together(db.session, [(SUM, {"a": 1, "b": 1})], ahead=[everyone])

    db.session.scalars(select(User).where(User.name == "Anne")).one().name = "Annie"
    db.session.flush()

    (names,) = read_together(db.session, [everyone])
    assert [row.name for row in names] == ["Annie", "Bruno", "Chloé"]


def test_what_was_read_ahead_leaves_with_the_connection(app, count_queries):
    _three_people()
    everyone = (NAMES, {"not_named": ""})
    read_together(db.session, [(SUM, {"a": 1, "b": 1})], ahead=[everyone])
    db.session.commit()  # the connection goes back to the pool

    with count_queries() as counted:
        (names,) = read_together(db.session, [everyone])
    assert len(names) == 3 and counted.count == 1


def test_a_page_keeps_its_first_reads_only_for_a_reader_let_in(fresh_app):
    """The reads a view sends with its reader's statement (``reads_first``)
    wait for the page only if the session is still good: signed out, they are dropped."""
    org = factories.organisation(db.session)
    person = factories.user(db.session, org, "member", name="Anne")
    db.session.commit()

    @reads_first(lambda reader_id: [(NAMES, {"not_named": str(reader_id)})])
    def first_reads_kept():  # noqa: ANN202
        signed_in = current_user.is_authenticated
        return f"{signed_in} {AHEAD in db.session.connection().info}"

    fresh_app.add_url_rule("/first-reads-kept", "first_reads_kept", first_reads_kept)
    fresh_app.test_client_class = Client
    client, copy = fresh_app.test_client(), fresh_app.test_client()
    client.login(person.email)
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/first-reads-kept").get_data(as_text=True) == "True True"

    client.post("/logout")

    assert copy.get("/first-reads-kept").get_data(as_text=True) == "False False"


def _named_among() -> Select:
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    return select(User.name).where(in_ids_param(User.id, "ids", postgresql)).order_by(User.id)


def test_reads_of_a_list_of_ids_are_kept_and_found_as_any_other(app, count_queries):
    _three_people()
    anne, bruno, chloe = db.session.scalars(select(User.id).order_by(User.id))
    among = _named_among()

    read_together(db.session, [(SUM, {"a": 1, "b": 1})], ahead=[(among, {"ids": [anne, chloe]})])
    with count_queries() as counted:
        (kept,) = read_together(db.session, [(among, {"ids": [anne, chloe]})])
        (other,) = read_together(db.session, [(among, {"ids": [bruno]})])

    assert [row.name for row in kept] == ["Anne", "Chloé"]
    assert [row.name for row in other] == ["Bruno"] and counted.count == 1


def test_on_postgresql_a_row_lock_drops_what_was_read_ahead(pg_app):  # noqa: F811
    """A lock taken after the rows were read (SQLite takes none): they may
    no longer be what the lock holds."""
    app, _admin = pg_app
    with app.app_context():
        db.session.execute(text("CREATE TABLE held (id integer)"))
        read_together(db.session, [(SUM, {"a": 1, "b": 1})], ahead=[(SUM, {"a": 2, "b": 2})])
        db.session.execute(text("SELECT id FROM held"))
        assert AHEAD in db.session.connection().info  # a plain read keeps them

        db.session.execute(text("SELECT id FROM held FOR UPDATE"))

        assert AHEAD not in db.session.connection().info
        db.session.rollback()


def test_on_postgresql_the_last_reads_send_the_commit_and_the_request_s_commit_waits_for_it(traced):  # noqa: F811
    """After the last write, COMMIT goes as soon as the reads are answered,
    and nobody waits for it until the request's own commit, which sends
    nothing more: the page is drawn meanwhile. Stored once that commit returns."""
    app, trace = traced
    with app.app_context():
        db.session.execute(text("CREATE TABLE kept (n integer)"))
        db.session.commit()
        db.session.execute(text("INSERT INTO kept VALUES (1)"))
        trace.mark()

        (rows,) = read_together(db.session, [(SUM, {"a": 1, "b": 1})], last=True)
        sent, _answered = trace.sent()
        awaited = COMMITTING in db.session.connection().info
        db.session.commit()
        asked, _round_trips = trace.sent()
        other = create_engine(db.engine.url)
        with other.connect() as elsewhere:
            seen = elsewhere.execute(text("SELECT n FROM kept")).scalars().all()
        other.dispose()

    assert rows[0].total == 2 and seen == [1]
    assert sent[-1] == 'Query "COMMIT"' and awaited and asked == sent


def test_on_postgresql_a_commit_sent_with_the_last_reads_fails_the_request_s_commit(pg_app):  # noqa: F811
    """A constraint checked at COMMIT: its refusal comes with the answer the
    request's commit waits for, and nothing is stored."""
    app, _admin = pg_app
    with app.app_context():
        db.session.execute(
            text("CREATE TABLE once (n integer, CONSTRAINT one_n UNIQUE (n) DEFERRABLE INITIALLY DEFERRED)")
        )
        db.session.commit()
        db.session.execute(text("INSERT INTO once VALUES (1), (1)"))

        (rows,) = read_together(db.session, [(SUM, {"a": 1, "b": 1})], last=True)
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()

        assert rows[0].total == 2
        assert db.session.execute(text("SELECT count(*) FROM once")).scalar() == 0
        db.session.commit()


def test_a_failing_last_read_commits_nothing(app):
    """On PostgreSQL the COMMIT is sent only once the reads are answered;
    elsewhere the request commits at its end, as ever."""
    _three_people()
    missing = select(column("n")).select_from(table("no_such_table"))
    db.session.scalars(select(User).where(User.name == "Anne")).one().name = "Annie"

    with pytest.raises(DBAPIError):
        read_together(db.session, [(SUM, {"a": 1, "b": 1}), (missing, {})], last=True)
    db.session.rollback()

    assert db.session.scalars(select(User.name).order_by(User.id)).all() == ["Anne", "Bruno", "Chloé"]


def test_an_object_made_from_its_columns_is_as_if_a_query_had_loaded_it(app, count_queries):
    _three_people()
    db.session.expunge_all()
    people = select(*columns_of(User)).order_by(User.id)

    with count_queries() as counted:
        (rows,) = read_together(db.session, [(people, {})])
        anne = loaded(db.session, User, rows[0])
        names = (anne.name, anne.email)
    assert counted.count == 1 and names[0] == "Anne"
    assert anne in db.session and not db.session.dirty
    assert loaded(db.session, User, rows[0]) is anne
    assert db.session.get(User, rows[0].id) is anne

    anne.name = "Annie"
    db.session.commit()
    assert db.session.scalars(select(User.name).order_by(User.id)).all() == ["Annie", "Bruno", "Chloé"]


def test_last_reads_inside_a_savepoint_leave_the_transaction_open(app):
    """The request's transaction is not theirs to end: the savepoint's
    writes are still undone with it."""
    _three_people()
    db.session.scalars(select(User).where(User.name == "Bruno")).one().name = "Bruno B."
    db.session.flush()
    with db.session.begin_nested():
        db.session.scalars(select(User).where(User.name == "Anne")).one().name = "Annie"
        read_together(db.session, [(SUM, {"a": 1, "b": 1})], last=True)
    db.session.rollback()

    assert db.session.scalars(select(User.name).order_by(User.id)).all() == ["Anne", "Bruno", "Chloé"]
