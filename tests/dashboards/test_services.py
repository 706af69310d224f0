"""The figures of the dashboards on a known data set, as of a fixed day."""

from datetime import date

from tasking.dashboards import services
from tasking.extensions import db
from tests.dashboards.conftest import TODAY


def test_plan_figures_by_status_overdue_and_blocked(dataset):
    board = services.plan_dashboard(db.session, plan=dataset.plan_a, today=TODAY)

    # 145 actions, one archived: 144 live.
    assert board.figures.total == 144
    assert board.figures.counts == {"todo": 136, "in_progress": 2, "blocked": 2, "done": 4}
    assert board.figures.overdue == 2
    assert board.figures.done_share == 4 / 144

    tasks = dataset.tasks_a
    assert [line.id for line in board.overdue] == [tasks[3].id, tasks[4].id]
    late = board.overdue[0]
    assert (late.due_date, late.days_late, late.owner_name) == (date(2026, 11, 20), 5, "Luc Gagnon")
    assert board.overdue[1].days_late == 1
    # Blocked: the dated one first, then the one with no due date.
    assert [line.id for line in board.blocked] == [tasks[3].id, tasks[24].id]
    assert [line.blocked_reason for line in board.blocked] == ["En attente du CIUSSS", "Budget non voté"]
    assert board.blocked[1].owner_name is None


def test_overdue_depends_on_the_day_given(dataset):
    earlier = services.plan_dashboard(db.session, plan=dataset.plan_a, today=date(2026, 11, 21))
    assert [line.id for line in earlier.overdue] == [dataset.tasks_a[3].id]
    later = services.plan_dashboard(db.session, plan=dataset.plan_a, today=date(2026, 12, 2))
    # Due today (25 Nov) and 1 Dec are now late too; done tasks never are.
    assert {line.id for line in later.overdue} == {t.id for t in dataset.tasks_a[3:6]} | {
        dataset.tasks_a[30].id
    }


def test_progress_per_theme(dataset):
    board = services.plan_dashboard(db.session, plan=dataset.plan_a, today=TODAY)
    by_number = {item.theme.number: item.figures for item in board.themes}
    assert list(by_number) == [3, 4, 5, 6, 7, 8]
    social = by_number[3]
    assert (social.total, social.done, social.blocked, social.overdue) == (23, 4, 1, 2)
    assert social.done_share == 4 / 23
    assert social.share("in_progress") == 1 / 23
    urban = by_number[4]
    assert (urban.total, urban.done, urban.blocked, urban.counts["in_progress"]) == (37, 0, 1, 1)
    assert [f.total for f in by_number.values()] == [23, 37, 18, 12, 30, 24]


def test_targets_split_measurable_and_text(dataset):
    board = services.plan_dashboard(db.session, plan=dataset.plan_a, today=TODAY)
    assert [i.target.id for i in board.indicators] == [dataset.up_target.id, dataset.down_target.id]
    up, down = board.indicators
    assert up.latest.value == 38.0 and up.progress == 38 / 65
    assert down.latest.value == 20.0 and down.progress == 0.5
    assert len(board.text_targets) == 67 - 2


def test_regional_rows_and_columns(dataset):
    board = services.regional_dashboard(
        db.session,
        region=dataset.region,
        organisation_ids=[dataset.ville_a.id, dataset.ville_b.id, dataset.ville_c.id],
        today=TODAY,
    )
    # Ville C belongs to another region: never shown here, whatever is asked.
    assert [row.organisation.name for row in board.rows] == ["Ville A", "Ville B"]
    assert [column.number for column in board.columns] == [3, 4, 5, 6, 7, 8]
    row_a, row_b = board.rows
    assert row_a.plan.id == dataset.plan_a.id
    assert (row_a.figures.total, row_a.figures.done, row_a.figures.overdue, row_a.figures.blocked) == (
        144,
        4,
        2,
        2,
    )
    assert row_a.cells["n3"].done_share == 4 / 23
    assert (row_b.figures.total, row_b.figures.done, row_b.figures.overdue) == (145, 3, 0)
    assert row_b.cells["n3"].done == 3 and row_b.cells["n4"].done == 0


def test_regional_shows_every_live_plan_and_an_org_without_plan(dataset, make):
    # Ville B imports a second plan (say, from a Word document): its first
    # plan, where the work is, must stay on the dashboard beside the new one.
    newer = make.plan(dataset.ville_b)
    newer.title = "Plan importé"
    archived = make.plan(dataset.ville_b)
    archived.archived_at = archived.created_at
    make.org("ville-d", "Ville D (sans plan)", dataset.region)
    db.session.commit()
    ids = [row for row in dataset.region.organisations]
    board = services.regional_dashboard(
        db.session, region=dataset.region, organisation_ids=[o.id for o in ids], today=TODAY
    )
    assert [(row.organisation.slug, row.plan and row.plan.id) for row in board.rows] == [
        ("ville-a", dataset.plan_a.id),
        ("ville-b", dataset.plan_b.id),
        ("ville-b", newer.id),
        ("ville-d", None),
    ]
    first_b, newer_b = board.rows[1:3]
    assert first_b.figures.done == 3 and newer_b.figures.done == 0
    assert board.rows[3].figures.total == 0
    assert [(org.slug, len(rows)) for org, rows in board.municipalities] == [
        ("ville-a", 1),
        ("ville-b", 2),
        ("ville-d", 1),
    ]


def test_themes_are_matched_by_title_when_unnumbered(dataset):
    from tasking.models import Theme

    theme = db.session.scalars(
        db.select(Theme).where(Theme.plan_id == dataset.plan_b.id, Theme.number == 3)
    ).one()
    theme.number = None
    theme.title = "Enjeux   SOCIAUX"
    db.session.commit()
    board = services.regional_dashboard(
        db.session,
        region=dataset.region,
        organisation_ids=[dataset.ville_a.id, dataset.ville_b.id],
        today=TODAY,
    )
    keys = [column.key for column in board.columns]
    assert "t:enjeux sociaux" in keys and "n3" in keys
    row_a, row_b = board.rows
    assert "t:enjeux sociaux" not in row_a.cells and row_b.cells["t:enjeux sociaux"].done == 3
    assert services.theme_key(None, " Enjeux  sociaux ") == "t:enjeux sociaux"
