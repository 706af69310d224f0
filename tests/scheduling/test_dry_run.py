"""`notify … --dry-run` (and `checkins open|remind --dry-run`): prints each
e-mail the job would queue (recipient, subject) from the very code that
queues it, and writes nothing: every table keeps its row count. The real run
then queues exactly what was printed."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tasking.extensions import db

from .conftest import outbox_rows
from .test_digests import MONDAY_7, seed
from .test_regional import THURSDAY_8, region_of_two

MONDAY_9 = "2026-11-23T09:00:00-05:00"


def row_counts() -> dict[str, int]:
    """Every table's number of rows."""
    db.session.expire_all()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table))
        for table in db.metadata.sorted_tables
    }


def dry_run_then_real(cli, *command: str) -> list[str]:
    """The dry run's lines, after checking it wrote nothing and that the real
    run queues the same messages; returns the e-mail lines."""
    before = row_counts()
    queued_before = {row.id for row in outbox_rows()}
    dry = cli(*command, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert row_counts() == before
    *lines, summary = dry.output.strip().split("\n")
    assert summary == (
        f"Essai à blanc\u00a0: {len(lines)} courriel{'s' if len(lines) > 1 else ''} "
        f"{'seraient mis' if len(lines) > 1 else 'serait mis'} en file. Rien n’a été écrit."
    )
    real = cli(*command)
    assert real.exit_code == 0, real.output
    new = [row for row in outbox_rows() if row.id not in queued_before]
    assert sorted(lines) == sorted(f"{row.recipient}\t{row.subject}" for row in new)
    return lines


def test_reminders_dry_run_lists_the_emails_and_writes_nothing(world, cli):
    world.task("Inventaire", date(2026, 11, 30), collaborators=[world.helper])
    lines = dry_run_then_real(cli, "notify", "reminders", "--now", MONDAY_9)
    assert len(lines) == 2
    assert {line.split("\t")[0] for line in lines} == {world.owner.email, world.helper.email}
    assert all(line.split("\t")[1] for line in lines)  # each names its subject
    # Once queued, a dry run has nothing left to show.
    again = cli("notify", "reminders", "--now", MONDAY_9, "--dry-run")
    assert again.output.strip() == "Essai à blanc\u00a0: 0 courriel serait mis en file. Rien n’a été écrit."


def test_digests_dry_run_lists_the_emails_and_writes_nothing(world, cli):
    seed(world)
    assert len(dry_run_then_real(cli, "notify", "digests", "--now", MONDAY_7)) == 3


def test_regional_digest_dry_run_lists_the_emails_and_writes_nothing(world, mk, cli):
    region_of_two(world, mk)
    lines = dry_run_then_real(cli, "notify", "regional-digest", "--now", THURSDAY_8)
    assert len(lines) == 3
    assert "coordination@mrc-test.ca" in {line.split("\t")[0] for line in lines}
