"""`checkins open|remind --dry-run`: the e-mails the round would send, and
nothing written (no round opened, no message recorded, nothing queued)."""

from __future__ import annotations

from tests.scheduling.test_dry_run import dry_run_then_real, row_counts

from .conftest import OPENS, REMINDS


def test_opening_and_reminding_dry_runs_list_the_emails_and_write_nothing(world, actions, cli):
    lines = dry_run_then_real(cli, "checkins", "open", "--now", OPENS)
    # One update page per owner with actions to update.
    assert {line.split("\t")[0] for line in lines} == {world.owner.email, world.helper.email}
    lines = dry_run_then_real(cli, "checkins", "remind", "--now", REMINDS)
    assert {line.split("\t")[0] for line in lines} == {world.owner.email, world.helper.email}


def test_a_refused_dry_run_says_why_and_writes_nothing(world, cli):
    before = row_counts()
    refused = cli("checkins", "open", "--org", "nulle-part", "--now", OPENS, "--dry-run")
    assert refused.exit_code == 1
    assert len(refused.output.strip().splitlines()) == 1 and refused.output.startswith("Erreur")
    assert row_counts() == before
