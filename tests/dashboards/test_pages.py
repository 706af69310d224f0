"""The dashboard pages as people see them: French labels, Québec dates, access."""

import re

import pytest
from babel.dates import format_date

from tasking.core.clock import local_today, now
from tasking.extensions import db
from tasking.models import Measurement, Task
from tests.conftest import app_now


def page(client, url):  # noqa: ANN001, ANN201
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return response.get_data(as_text=True)


def today_fr() -> str:
    return format_date(local_today(now(), "America/Montreal"), "medium", locale="fr_CA")


def test_plan_dashboard_in_french_with_the_report_date(client, dataset):
    client.login(dataset.viewer_a.email)
    html = page(client, f"/plans/{dataset.plan_a.id}/dashboard")
    assert "Tableau de bord\u00a0: Plan de rétablissement" in html
    assert f"État au {today_fr()}" in html
    assert "Ville A" in html
    for label in ("Avancement par enjeu", "Répartition par statut", "En retard", "Bloqué", "Cibles"):
        assert label in html
    assert "Enjeux sociaux" in html and "Ressources humaines" in html
    # The summary counts.
    assert re.search(r'dash-kpi-value">144<', html)
    assert re.search(r'dash-kpi-value">3\xa0%<', html)  # 4 / 144
    # Blocked list with the reason and a link to the task.
    assert "En attente du CIUSSS" in html and "Budget non voté" in html
    assert f'href="/tasks/{dataset.tasks_a[24].id}"' in html
    # Stacked bar of a theme, in the theme's colour.
    assert 'class="stacked"' in html and "Enjeux sociaux\u00a0: 4 sur 23 actions terminées" in html


def test_status_legend_shows_the_theme_colours(client, dataset):
    from tasking.models import Theme

    colours = set(db.session.scalars(db.select(Theme.colour).where(Theme.plan_id == dataset.plan_a.id)))
    assert len(colours) > 1
    client.login(dataset.viewer_a.email)
    html = page(client, f"/plans/{dataset.plan_a.id}/dashboard")
    legend = html[html.index('class="stacked-legend"') :]
    legend = legend[: legend.index("</p>")]
    keys = {key.rsplit(">", 1)[-1]: key for key in legend.split("</span>") if "<svg" in key}
    assert list(keys) == ["Terminé", "En cours", "Bloqué", "À faire"]
    for label in ("Terminé", "En cours"):
        # One stripe per theme colour, as in the bars; no grey stand-in.
        assert set(re.findall(r'--theme: (#[0-9a-fA-F]{6})"', keys[label])) == colours
    assert "#5b6776" not in legend


def test_plan_dashboard_prints_for_council(client, dataset):
    client.login(dataset.admin_a.email)
    html = page(client, f"/plans/{dataset.plan_a.id}/dashboard")
    assert re.search(r'<link rel="stylesheet" href="/static/css/print.css[^"]*" media="print">', html)
    assert "data-print" in html
    css = client.get("/static/css/app.css").get_data(as_text=True)
    print_rules = css[css.index("/* Council print-out") :]
    assert "@media print" in print_rules and ".dash-card" in print_rules
    print_css = client.get("/static/css/print.css").get_data(as_text=True)
    assert "landscape" in print_css and ".noprint" in print_css and ".topbar" in print_css
    # The navigation of the page is marked so it does not print.
    assert 'class="plan-nav noprint"' in html


def test_plan_dashboard_trend_charts_for_up_and_down_targets(client, dataset):
    client.login(dataset.member_a.email)
    html = page(client, f"/plans/{dataset.plan_a.id}/dashboard")
    up = html[html.index(f'id="trend-{dataset.up_target.id}"') :]
    up = up[: up.index("</figure>")]
    assert "<title" in up and "<desc" in up
    assert "3 mesures du 1 oct. 2026 au 1 nov. 2026; dernière valeur 38 %, cible 65 %." in up.replace(
        "\u00a0", " "
    )
    points = re.search(r'<polyline class="trend-line" points="([^"]+)"', up).group(1).split()
    assert len(points) == 3
    ys = [float(p.split(",")[1]) for p in points]
    target_y = float(re.search(r'class="trend-target"[^>]*y1="([\d.]+)"', up).group(1))
    assert ys[0] > ys[1] > ys[2] > target_y  # rising towards a target above
    down = html[html.index(f'id="trend-{dataset.down_target.id}"') :]
    down = down[: down.index("</figure>")]
    ys = [float(p.split(",")[1]) for p in re.search(r'points="([^"]+)"', down).group(1).split()]
    target_y = float(re.search(r'class="trend-target"[^>]*y1="([\d.]+)"', down).group(1))
    assert ys[0] < ys[1] < ys[2] < target_y  # falling towards a target below
    # The scale: lowest and highest values, with their unit, at the left of the frame.
    ticks = re.findall(r'<text class="trend-axis trend-tick"[^>]*>([^<]+)</text>', down)
    assert ticks == ["10\u00a0jours", "30\u00a0jours"]
    ticks = re.findall(r'<text class="trend-axis trend-tick"[^>]*>([^<]+)</text>', up)
    assert ticks == ["0\u00a0%", "65\u00a0%"]
    # Data table fallback.
    assert "1 sept. 2026" in down and "20\u00a0jours" in down
    assert "58\u00a0%" in html  # 38 / 65 of the way
    assert "50\u00a0%" in html  # (30 − 20) / (30 − 10)


def test_indicators_page_lists_every_target_with_measurements(client, dataset):
    client.login(dataset.viewer_a.email)
    html = page(client, f"/plans/{dataset.plan_a.id}/indicators")
    assert "Indicateurs\u00a0: Plan de rétablissement" in html
    # The 2 measurable targets in full; the 65 others one line each, after them.
    assert html.count('<li id="target-') == 2
    assert html.count('class="indicator measurable"') == 2
    text_part = html[html.index('id="text-targets"') :]
    assert html.index(f'id="target-{dataset.down_target.id}"') < html.index('id="text-targets"')
    assert "65 cibles décrites en mots seulement" in text_part
    assert text_part.count('<tr id="target-') == 65
    assert "indicator-body" not in text_part and "Non mesurable" in text_part
    # Each line names its objective.
    assert '<td class="objective" title="Établir des indicateurs afin d’effectuer un comparatif' in text_part
    up = html[html.index(f'id="target-{dataset.up_target.id}"') :]
    up = up[: up.index("</li>")]
    assert "Plus haut, c’est mieux" in up and "Valeur de départ" in up and "65\u00a0%" in up
    assert "Luc Gagnon" in up and "15 oct. 2026" in up


def test_measurements_of_a_target_in_words_still_show(client, dataset):
    from datetime import date

    from sqlalchemy import select

    from tasking.models import OperationalObjective, Target, Theme

    # A target in words of plan A's (the first by id: rows come back in no set order).
    target = db.session.scalar(
        select(Target)
        .join(OperationalObjective, OperationalObjective.id == Target.objective_id)
        .join(Theme, Theme.id == OperationalObjective.theme_id)
        .where(Theme.plan_id == dataset.plan_a.id, Target.target_value.is_(None))
        .where(Target.id != dataset.down_target.id)
        .order_by(Target.id)
        .limit(1)
    )
    for day, value in ((1, 12.0), (20, 17.5)):
        db.session.add(
            Measurement(created_at=app_now(), target=target, value=value, measured_on=date(2026, 11, day))
        )
    db.session.commit()
    client.login(dataset.viewer_a.email)
    html = page(client, f"/plans/{dataset.plan_a.id}/indicators")
    row = html[html.index(f'<tr id="target-{target.id}"') :]
    row = row[: row.index("</tr>")]
    assert "17,5" in row and "20 nov. 2026" in row and "2 mesures" in row
    down = html[html.index(f'id="target-{dataset.down_target.id}"') :]
    down = down[: down.index("</li>")]
    assert "Plus bas, c’est mieux" in down and "Adèle Admin" in down and "jours" in down
    assert "<polyline" in down and 'class="trend-target"' in down


def test_fragment_for_htmx(client, dataset):
    client.login(dataset.viewer_a.email)
    response = client.get(f"/plans/{dataset.plan_a.id}/dashboard", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert html.lstrip().startswith('<div id="plan-dashboard"') and "<html" not in html
    assert "HX-Request" in response.headers.get("Vary", "")


def test_plan_dashboard_is_404_outside_the_organisation(client, dataset, make):
    outsider = make.user(dataset.ville_c, "admin", "admin@ville-c.qc.ca")
    client.login(outsider.email)
    assert client.get(f"/plans/{dataset.plan_a.id}/dashboard").status_code == 404
    assert client.get(f"/plans/{dataset.plan_a.id}/indicators").status_code == 404
    assert client.get("/plans/99999/dashboard").status_code == 404


def test_regional_coordinator_sees_every_municipality(client, dataset):
    client.login(dataset.coordinator.email)
    html = page(client, "/regions/mrc-a/dashboard")
    assert "Tableau de bord régional" in html and "MRC A" in html
    assert f"État au {today_fr()}" in html
    assert 'id="org-ville-a"' in html and 'id="org-ville-b"' in html and "Ville C" not in html
    assert f'href="/plans/{dataset.plan_a.id}/board"' in html
    assert f'href="/plans/{dataset.plan_b.id}/dashboard"' in html
    row_a = html[html.index('id="org-ville-a"') :]
    row_a = row_a[: row_a.index("</tr>")]
    assert "17\u00a0%" in row_a  # 4 of 23 social actions done
    # The coordinator also has it in the navigation, and can read each board's plan.
    assert 'href="/regions/mrc-a/dashboard"' in html
    assert client.get(f"/plans/{dataset.plan_b.id}/dashboard").status_code == 200


def test_municipality_admin_sees_only_their_line(client, dataset):
    client.login(dataset.admin_b.email)
    html = page(client, "/regions/mrc-a/dashboard")
    assert 'id="org-ville-b"' in html and 'id="org-ville-a"' not in html
    assert "Ville A" not in html
    assert "Vous voyez la ligne de la municipalité" in html
    # Their plan dashboard links there.
    plan_html = page(client, f"/plans/{dataset.plan_b.id}/dashboard")
    assert 'href="/regions/mrc-a/dashboard"' in plan_html


@pytest.mark.parametrize("who", ["member_a", "viewer_a", "other_coordinator"])
def test_others_get_404_on_the_regional_dashboard(client, dataset, who):
    client.login(getattr(dataset, who).email)
    assert client.get("/regions/mrc-a/dashboard").status_code == 404
    assert client.get("/regions/nowhere/dashboard").status_code == 404


def test_admin_of_another_region_gets_404(client, dataset, make):
    admin_c = make.user(dataset.ville_c, "admin", "admin@ville-c.qc.ca")
    client.login(admin_c.email)
    assert client.get("/regions/mrc-a/dashboard").status_code == 404
    assert client.get("/regions/mrc-z/dashboard").status_code == 200


def test_signed_out_is_sent_to_login(client, dataset):
    response = client.get("/regions/mrc-a/dashboard")
    assert response.status_code in (302, 303) and "/login" in response.headers["Location"]


def _grow(plan, extra: int, owners) -> None:  # noqa: ANN001
    """Add ``extra`` tasks to the plan, spread over its objectives, owners and statuses."""
    from datetime import date, timedelta

    base = list(db.session.scalars(db.select(Task).where(Task.plan_id == plan.id)))
    statuses = ["todo", "in_progress", "blocked", "done"]
    for index in range(extra):
        model = base[index % len(base)]
        db.session.add(
            Task(
                created_at=app_now(),
                updated_at=app_now(),
                plan_id=plan.id,
                objective_id=model.objective_id,
                title=f"Action ajoutée {index}",
                status=statuses[index % 4],
                blocked_reason="raison" if index % 4 == 2 else "",
                owner_id=owners[index % len(owners)].id,
                due_date=date(2026, 1, 1) + timedelta(days=index),
            )
        )


def test_query_count_does_not_grow_with_tasks(client, dataset, make, count_queries):
    from datetime import date

    from tests.factories import targets_of

    big_org = make.org("ville-grande", "Ville Grande", dataset.region)
    owners = [make.user(big_org, "member") for _ in range(5)]
    coordinator = dataset.coordinator
    big = make.plan(big_org)
    _grow(big, 155, owners)
    for plan, measured in ((dataset.plan_b, 2), (big, 6)):
        for index, target in enumerate(targets_of(plan)[:measured]):
            target.target_value, target.baseline = 100.0, 0.0
            for day in range(1, 4 + index):
                db.session.add(
                    Measurement(
                        created_at=app_now(),
                        target=target,
                        value=day * 5.0,
                        measured_on=date(2026, 10, day),
                        author_id=owners[day % 5].id,
                    )
                )
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count(Task.id)).where(Task.plan_id == big.id)) == 300

    client.login(coordinator.email)
    counts = {}
    # 145 tasks, 2 measured targets; 300 tasks of every status, 6 measured targets.
    for plan_id in (dataset.plan_b.id, big.id):
        for view in ("dashboard", "indicators"):
            url = f"/plans/{plan_id}/{view}"
            with count_queries() as counter:
                page(client, url)
            counts[(plan_id, view)] = counter.count
    assert counts[(dataset.plan_b.id, "dashboard")] == counts[(big.id, "dashboard")]
    assert counts[(dataset.plan_b.id, "indicators")] == counts[(big.id, "indicators")]
    # Five statements read the check-ins (health by theme, response rate; tasking/checkins/status.py).
    assert counts[(big.id, "dashboard")] <= 16 + 5

    with count_queries() as counter:
        page(client, "/regions/mrc-a/dashboard")
    with_big = counter.count
    big_plan = db.session.get(type(big), big.id)
    big_plan.archived_at = big_plan.created_at
    db.session.commit()
    with count_queries() as counter:
        page(client, "/regions/mrc-a/dashboard")
    assert counter.count == with_big


def test_long_lists_are_complete_on_paper(client, dataset):
    from datetime import date

    for task in dataset.tasks_a[40:53]:  # 13 more overdue: 15 in all
        task.status, task.due_date = "in_progress", date(2026, 1, 5)
    db.session.commit()
    client.login(dataset.admin_a.email)
    html = page(client, f"/plans/{dataset.plan_a.id}/dashboard")
    overdue = html[html.index('id="overdue"') : html.index('id="blocked"')]
    assert overdue.count("<tr>") == 1 + 15
    assert "autres dans l’application" not in html
    # No print rule hides rows of these lists (the browser test checks the paper).
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert ".dash-list tbody tr:nth-child" not in css


def test_indicators_lead_to_where_measurements_and_targets_are_edited(make_client, dataset):
    plan_id, up, down = dataset.plan_a.id, dataset.up_target, dataset.down_target
    first_task = dataset.tasks_a[0].id  # the up and down targets hang off the first objective

    member = make_client()
    member.login(dataset.member_a.email)
    html = page(member, f"/plans/{plan_id}/indicators")
    assert f'href="/tasks/{first_task}#target-{up.id}">Saisir une mesure</a>' in html
    assert html.count(">Saisir une mesure</a>") == 2  # measurable targets only
    assert "/edit/targets/" not in html

    admin = make_client()
    admin.login(dataset.admin_a.email)
    html = page(admin, f"/plans/{plan_id}/indicators")
    assert f'href="/plans/{plan_id}/edit/targets/{down.id}">Modifier la cible</a>' in html
    assert html.count(">Rendre mesurable</a>") == 65

    viewer = make_client()
    viewer.login(dataset.viewer_a.email)
    html = page(viewer, f"/plans/{plan_id}/indicators")
    assert "Saisir une mesure" not in html and "Rendre mesurable" not in html


def test_heat_map_cell_intensity_follows_the_share_done(client, dataset):
    client.login(dataset.coordinator.email)
    html = page(client, "/regions/mrc-a/dashboard")
    row_a = html[html.index('id="org-ville-a"') :]
    row_a = row_a[: row_a.index("</tr>")]
    # 4 of 23 social actions done: 8 % + 17.4 % × 80 ≈ 22 % of the colour; an empty theme 8 %.
    assert 'style="--heat: 22%" title="4 sur 23 actions terminées">17\u00a0%</td>' in row_a
    assert 'style="--heat: 8%" title="0 sur 37 actions terminées">0\u00a0%</td>' in row_a
    fragment = client.get("/regions/mrc-a/dashboard", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="region-dashboard"')


def test_regional_query_count_does_not_grow_with_municipalities(client, dataset, make, count_queries):
    client.login(dataset.coordinator.email)
    with count_queries() as counter:
        page(client, "/regions/mrc-a/dashboard")
    two = counter.count
    third = make.org("ville-e", "Ville E", dataset.region)
    make.plan(third)
    with count_queries() as counter:
        html = page(client, "/regions/mrc-a/dashboard")
    assert 'id="org-ville-e"' in html
    assert counter.count == two
    # A second live plan of a municipality is one more line, not more queries.
    second = make.plan(third)
    with count_queries() as counter:
        html = page(client, "/regions/mrc-a/dashboard")
    assert f'id="plan-{second.id}"' in html
    assert counter.count == two


def test_regional_rows_name_each_live_plan(client, dataset, make):
    imported = make.plan(dataset.ville_b)
    imported.title = "Plan importé de Word"
    db.session.commit()
    client.login(dataset.coordinator.email)
    html = page(client, "/regions/mrc-a/dashboard")
    group_b = html[html.index('<tbody id="org-ville-b"') :]
    group_b = group_b[: group_b.index("</tbody>")]
    first = group_b[group_b.index(f'<tr id="plan-{dataset.plan_b.id}"') :]
    first = first[: first.index("</tr>")]
    # The original plan keeps its line, named and linked, with its figures.
    assert "Ville B<br>" in first
    assert f'<a href="/plans/{dataset.plan_b.id}/dashboard">Plan de rétablissement</a>' in first
    assert "3/145" in first
    assert f'href="/plans/{dataset.plan_b.id}/board"' in first
    assert 'aria-label="Tableau de Ville B\u00a0: Plan de rétablissement"' in first
    newer = group_b[group_b.index(f'<tr id="plan-{imported.id}"') :]
    newer = newer[: newer.index("</tr>")]
    assert "Ville B<br>" in newer
    assert f'<a href="/plans/{imported.id}/dashboard">Plan importé de Word</a>' in newer
    assert "0/145" in newer
