"""The regional dashboard's weeks: each municipality's trend from the weekly
snapshots, the meetings' open follow-ups by owner and age, the meetings held
and each municipality's attendance; what a municipality's admin sees of
them; the number of queries whatever the region's size."""

from __future__ import annotations

import re
from datetime import datetime

from tasking.extensions import db
from tasking.meetings import closing, services
from tasking.models import PlanWeek, Task
from tests.dashboards.conftest import Dataset
from tests.dashboards.test_pages import page

NBSP = "\u00a0"
URL = "/regions/mrc-a/dashboard"


def snapshot(plan, week: str, total: int, done: int, overdue: int, blocked: int = 0) -> None:  # noqa: ANN001
    db.session.add(
        PlanWeek(
            plan_id=plan.id,
            organisation_id=plan.organisation_id,
            week=week,
            total=total,
            done=done,
            overdue=overdue,
            blocked=blocked,
            recorded_at=datetime(2026, 11, 1),
        )
    )


def cells(html: str, row_class: str, slug: str) -> list[str]:
    """The figures of one line of a municipality's group in the trend table."""
    group = html[html.index(f'<tbody id="trend-{slug}">') :]
    group = group[: group.index("</tbody>")]
    line = group[group.index(f'<tr class="{row_class}">') :]
    line = line[: line.index("</tr>")]
    return re.findall(r'<td class="num[^"]*">([^<]*)</td>', line)


def test_the_trend_reads_twelve_weeks_of_snapshots_and_today(client, dataset: Dataset, make):
    # Today is Wednesday 25 November 2026, ISO week 48: the columns run from week 37.
    snapshot(dataset.plan_a, "2026-W36", 144, 0, 9)  # before the twelve weeks
    snapshot(dataset.plan_a, "2026-W37", 144, 0, 0)
    snapshot(dataset.plan_a, "2026-W45", 144, 1, 0)
    snapshot(dataset.plan_a, "2026-W47", 144, 2, 1)  # week 46 was not recorded
    snapshot(dataset.plan_b, "2026-W47", 145, 3, 0)
    other = make.plan(dataset.ville_c)
    snapshot(other, "2026-W47", 145, 100, 50)  # another region
    db.session.commit()

    client.login(dataset.coordinator.email)
    html = page(client, URL)
    assert 'id="region-trend"' in html and 'id="trend-none"' not in html
    head = html[html.index('<table class="trend-table">') :]
    head = head[: head.index("</thead>")]
    assert '<abbr title="Semaine du 7 sept. 2026">S37</abbr>' in head
    assert ">S36<" not in head and ">S47<" in head
    assert '<abbr title="Aujourd’hui, 25 nov. 2026">Auj.</abbr>' in head
    # Ville A: 4 of its 144 live actions done today (3 %), 2 overdue.
    progress = cells(html, "trend-progress", "ville-a")
    assert progress[0] == f"0{NBSP}%" and progress[8] == f"1{NBSP}%"
    assert progress[9] == "—" and progress[1:8] == ["—"] * 7
    assert progress[10:] == [f"1{NBSP}%", f"3{NBSP}%", f"+2{NBSP}pts"]
    overdue = cells(html, "trend-overdue", "ville-a")
    assert overdue[0] == "0" and overdue[10:] == ["1", "2", "+1"]
    assert '<td class="num is-warn">+1</td>' in html
    # Ville B: 3 of 145 done last week and today: no change.
    assert cells(html, "trend-progress", "ville-b")[10:] == [f"2{NBSP}%", f"2{NBSP}%", "="]
    assert "Ville C" not in html
    # The progress line is drawn for the eye only: its numbers are in the table.
    spark = html[html.index('<tbody id="trend-ville-a">') :]
    spark = spark[spark.index("<svg") : spark.index("</svg>")]
    assert 'aria-hidden="true"' in spark
    # Broken where weeks were not recorded: weeks 37 and 45 alone, week 47 to today.
    assert spark.count("<circle") == 2 and spark.count("<polyline") == 1
    # On a scale of 0 to 10 %: week 47 at 1 %, today at 3 %.
    assert '<polyline class="spark-line" points="109.1,23.6 120.0,18.8"/>' in spark


def test_before_any_snapshot_the_trend_is_today_only(client, dataset: Dataset):
    client.login(dataset.coordinator.email)
    html = page(client, URL)
    assert 'id="trend-none"' in html
    assert "la tendance commence avec le prochain résumé régional" in html
    assert cells(html, "trend-progress", "ville-a")[-2:] == [f"3{NBSP}%", "—"]


def hold_meeting(dataset: Dataset, on: datetime, present, follow_ups) -> int:  # noqa: ANN001
    """Prepare the region's meeting at ``on``, mark who came, record follow-ups and close it."""
    region, coordinator = dataset.region, dataset.coordinator
    meeting = services.prepare_meeting(db.session, region=region, actor=coordinator, now=on)
    services.set_attendance(db.session, meeting=meeting, present={org.id for org in present}, names={})
    item = meeting.items[0]
    for title, owner, due in follow_ups:
        services.add_follow_up(
            db.session,
            meeting=meeting,
            item_id=item.id,
            title=title,
            owner_id=owner.id,
            due_date=due,
            actor=coordinator,
            now=on,
        )
    closing.close_meeting(db.session, meeting=meeting, actor=coordinator, now=on)
    db.session.commit()
    return meeting.id


def meetings_of_november(dataset: Dataset) -> tuple[int, int]:
    """Thursday 5 November: Ville A alone, two follow-ups; Thursday 19
    November: both, one follow-up; the one for 26 November is only prepared."""
    d = dataset
    first = hold_meeting(
        d,
        datetime(2026, 11, 4, 15),
        [d.ville_a],
        [("Appeler le CISSS", d.member_a, "2026-11-20"), ("Bilan des refuges", d.member_a, "2026-12-15")],
    )
    second = hold_meeting(
        d,
        datetime(2026, 11, 18, 15),
        [d.ville_a, d.ville_b],
        [("Réserver la salle", d.admin_b, "2026-12-03")],
    )
    done = db.session.query(Task).filter_by(title="Bilan des refuges").one()
    done.status = "done"
    services.prepare_meeting(db.session, region=d.region, actor=d.coordinator, now=datetime(2026, 11, 25, 15))
    db.session.commit()
    return first, second


def test_open_follow_ups_by_owner_with_their_age(client, dataset: Dataset):
    meetings_of_november(dataset)
    client.login(dataset.coordinator.email)
    html = page(client, URL)
    section = html[html.index('id="region-follow-ups"') : html.index('id="region-meetings"')]
    assert "Suivis ouverts des rencontres précédentes <span" in section and "(2)" in section
    owners = re.findall(r'<th scope="rowgroup"[^>]*>([^<]+)<br>', section)
    assert owners == ["Benoît Admin", "Luc Gagnon"]
    luc = section[section.index("Luc Gagnon") :]
    # Decided on 5 November, due on the 20th: 20 days old, 5 days late.
    assert "Appeler le CISSS</a>" in luc
    assert "5 nov. 2026" in luc and "20 jours" in luc and "5 jours de retard" in luc
    assert "1 en retard" in luc
    assert "Bilan des refuges" not in section  # done
    benoit = section[section.index("Benoît Admin") : section.index("Luc Gagnon")]
    assert "Réserver la salle" in benoit and "6 jours" in benoit and "de retard" not in benoit


def test_meetings_held_and_attendance(client, dataset: Dataset):
    first, second = meetings_of_november(dataset)
    client.login(dataset.coordinator.email)
    html = page(client, URL)
    section = html[html.index('id="region-meetings"') :]
    assert "Rencontres tenues <span" in section and "(2)" in section
    held = section[section.index('id="meetings-held"') : section.index('id="attendance"')]
    # Latest first, each linked to its minutes; the prepared meeting is not held yet.
    assert re.findall(r"/meetings/(\d+)\">([^<]+)</a>", held) == [
        (str(second), "19 nov. 2026"),
        (str(first), "5 nov. 2026"),
    ]
    assert held.count("2 sur 2") == 1 and held.count("1 sur 2") == 1
    ville_a = section[section.index(f'id="attendance-{dataset.ville_a.id}"') :]
    assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', ville_a[: ville_a.index("</tr>")]) == [
        "2",
        "0",
        f"100{NBSP}%",
    ]
    ville_b = section[section.index(f'id="attendance-{dataset.ville_b.id}"') :]
    assert re.findall(r'<td class="num[^"]*">([^<]*)</td>', ville_b[: ville_b.index("</tr>")]) == [
        "1",
        "1",
        f"50{NBSP}%",
    ]
    assert 'href="/regions/mrc-a/meetings"' in section


def test_an_admin_sees_their_own_lines_and_what_the_minutes_say(client, dataset: Dataset):
    meetings_of_november(dataset)
    snapshot(dataset.plan_a, "2026-W47", 144, 2, 1)
    snapshot(dataset.plan_b, "2026-W47", 145, 3, 0)
    db.session.commit()
    client.login(dataset.admin_b.email)
    html = page(client, URL)
    # Their municipality's trend and attendance, not Ville A's.
    assert 'id="trend-ville-b"' in html and 'id="trend-ville-a"' not in html
    assert f'id="attendance-{dataset.ville_b.id}"' in html
    assert f'id="attendance-{dataset.ville_a.id}"' not in html
    # The meetings and their follow-ups are in the minutes they receive.
    assert "Appeler le CISSS" in html and "2 sur 2" in html
    task = db.session.query(Task).filter_by(title="Appeler le CISSS").one()
    assert client.get(f"/tasks/{task.id}").status_code == 200
    assert client.get(f"/tasks/{dataset.tasks_a[3].id}").status_code == 404


def test_the_fragment_carries_the_weeks(client, dataset: Dataset):
    client.login(dataset.coordinator.email)
    fragment = client.get(URL, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="region-dashboard"')
    for section in ("region-trend", "region-follow-ups", "region-meetings"):
        assert f'id="{section}"' in fragment
    assert "<html" not in fragment


def test_query_count_does_not_grow_with_municipalities_weeks_or_meetings(
    client, dataset: Dataset, make, count_queries
):
    meetings_of_november(dataset)
    client.login(dataset.coordinator.email)
    with count_queries() as counter:
        page(client, URL)
    two = counter.count
    for number in range(3):
        town = make.org(f"ville-n{number}", f"Ville N{number}", dataset.region)
        plan = make.plan(town)
        for week in range(37, 48):
            snapshot(plan, f"2026-W{week}", 145, week - 37, 1)
    for week in range(37, 48):
        snapshot(dataset.plan_a, f"2026-W{week}", 144, 1, 1)
    hold_meeting(dataset, datetime(2026, 10, 28, 15), [dataset.ville_b], [])
    db.session.commit()
    with count_queries() as counter:
        html = page(client, URL)
    # Five municipalities, eleven recorded weeks each, a third meeting (Ville B alone of five).
    assert 'id="trend-ville-n2"' in html and "1 sur 5" in html
    assert counter.count == two
