"""Reads sent together (tasking/core/batches.py): the same rows as one at a
time, on PostgreSQL in one round trip, and a failing one raises as
SQLAlchemy's own execution would. The round-trip tests make their own
PostgreSQL database: they run in the SQLite pass too."""

from __future__ import annotations

import pytest
from sqlalchemy import bindparam, column, literal, select, table
from sqlalchemy.exc import DBAPIError

from tasking.core.batches import read_together
from tasking.extensions import db
from tasking.models import User
from tests import factories
from tests.test_database_connections import pg_app, traced  # noqa: F401

NAMES = select(User.id, User.name).where(User.name != bindparam("not_named")).order_by(User.id)
SUM = select((bindparam("a") + bindparam("b")).label("total"), literal("là").label("word"))


def test_reads_together_give_what_each_gives_alone(app):
    org = factories.organisation(db.session)
    for name in ("Anne", "Bruno", "Chloé"):
        factories.user(db.session, org, "member", name=name)
    db.session.commit()
    reads = [(NAMES, {"not_named": "Bruno"}), (SUM, {"a": 2, "b": 40})]

    names, sums = read_together(db.session, reads)

    assert [tuple(row) for row in names] == [
        tuple(row) for row in db.session.execute(NAMES, {"not_named": "Bruno"})
    ]
    assert [row.name for row in names] == ["Anne", "Chloé"]
    assert (sums[0].total, sums[0].word) == (42, "là")


def test_a_failing_read_raises_and_the_session_goes_on(app):
    missing = select(column("n")).select_from(table("no_such_table"))

    with pytest.raises(DBAPIError):
        read_together(db.session, [(SUM, {"a": 1, "b": 1}), (missing, {})])
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
