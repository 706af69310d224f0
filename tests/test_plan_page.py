"""The plan page: laid out as the template, in French, readable only by
those who may, in a fixed number of queries."""

import html
from datetime import date, datetime

from sqlalchemy import delete, select

from tasking.extensions import db
from tasking.models import Comment, Measurement, OperationalObjective, Target, Task, Theme
from tests.collector import unreachable_after
from tests.conftest import app_now


def test_plan_page_lays_out_the_template_in_french(client, make):
    org = make.org("ville-a", "Ville A")
    user = make.user(org, role="viewer")
    plan = make.plan(org)
    client.login(user.email)
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)

    assert "Objectifs généraux" in page
    assert "Court et moyen terme" in page and "Long terme" in page
    assert "Minimiser l&#39;impact sur le facteur humain" in page
    assert "Activer l’équipe du rétablissement" in page
    assert "En cours - OMSC" in page
    for title in ("Enjeux sociaux", "Sécurité urbaine", "Enjeux socioéconomiques", "Communications"):
        assert title in page
    assert "Brève définition" in page
    assert "Missions responsables" in page
    assert "Enjeux de communication" in page
    assert "Objectifs de communication" in page
    assert "3 niveaux = ORGANISATIONNEL (O), GESTIONNAIRES (G), EMPLOYÉ (E)" in page
    assert page.count('class="action status-todo"') == 145
    assert page.count('<section id="theme-') == 6
    assert "Responsable(s) de l’action" in page
    assert 'media="print"' in page


def test_plan_page_shows_owners_collaborators_dates_and_progress(client, make):
    org = make.org("ville-a", "Ville A")
    owner = make.user(org, name="Luc Gagnon")
    helper = make.user(org, name="Sophie Roy")
    plan = make.plan(org)
    task = db.session.get(Task, plan.themes[0].objectives[0].tasks[0].id)
    task.owner = owner
    task.collaborators.append(helper)
    task.short_start, task.short_end = date(2026, 11, 25), date(2027, 1, 15)
    task.due_date = date(2026, 12, 4)
    target = plan.themes[1].objectives[0].targets[5]
    target.unit, target.baseline, target.target_value = "%", 0.0, 65.0
    db.session.add(
        Measurement(created_at=app_now(), target=target, value=32.5, measured_on=date(2026, 11, 20))
    )
    db.session.commit()

    client.login(owner.email)
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert "Luc Gagnon" in page
    assert "Sophie Roy" in page
    # The range stacks on two lines in the narrow column.
    assert '<span class="date">Du 25 nov. 2026</span> <span class="date">au 15 janv. 2027</span>' in page
    assert "Échéance\u00a0: 4 déc. 2026" in page
    assert '<span class="progress" title="Dernière valeur\u00a0: 32,5">' in page
    assert "32,5 / 65 %" in page
    assert 'style="width: 50%"' in page
    # The same bar in English: its words and figures are the reader's language's.
    owner.locale = "en_CA"
    db.session.commit()
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert '<span class="progress" title="Latest value: 32.5">' in page
    assert "32.5 / 65 %" in page


def test_plan_page_shows_each_actions_latest_comment(client, make):
    org = make.org()
    viewer = make.user(org, role="viewer")
    luc, sophie = make.user(org, name="Luc Gagnon"), make.user(org, name="Sophie Roy")
    plan = make.plan(org)
    task_id = plan.themes[0].objectives[0].tasks[0].id
    other_id = plan.themes[0].objectives[0].tasks[1].id
    long_body = "**Rencontre** avec le CIUSSS <script>alert(1)</script> " + "suivi des besoins " * 20
    for author, body, at in (
        (luc, "Premier appel fait", datetime(2026, 11, 20, 15)),
        (luc, "Deuxième appel fait", datetime(2026, 11, 21, 15)),
        (sophie, long_body, datetime(2026, 11, 22, 15)),
    ):
        db.session.add(Comment(task_id=task_id, author_id=author.id, body=body, created_at=at))
    db.session.add(Comment(task_id=other_id, author_id=luc.id, body="Seul commentaire", created_at=at))
    db.session.commit()

    client.login(viewer.email)
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    # The latest one, its Markdown reduced to words, shortened; the older ones behind a link.
    assert "Rencontre avec le CIUSSS &lt;script&gt;alert(1)&lt;/script&gt; suivi des besoins" in page
    assert "<script>alert" not in page and "**Rencontre" not in page
    excerpt = page.split('<blockquote class="latest-comment">')[1].split("</p>")[0]
    assert excerpt.endswith("…") and len(html.unescape(excerpt.split("<p>")[1])) <= 201
    assert "Sophie Roy, <time" in page and "22 nov. 2026, 10 h 00" in page
    assert f'href="/tasks/{task_id}#task-comments-{task_id}">2 autres</a>' in page
    assert "Premier appel fait" not in page and "Deuxième appel fait" not in page
    # A single comment: no "others" link, the comment itself links to the task.
    assert "Seul commentaire" in page
    assert f'href="/tasks/{other_id}#comment-' in page
    assert "1 autre" not in page


def test_english_is_available_per_user(client, make):
    org = make.org()
    user = make.user(org, locale="en_CA")
    plan = make.plan(org)
    client.login(user.email)
    page = client.get(f"/plans/{plan.id}").get_data(as_text=True)
    assert '<html lang="en-CA">' in page
    assert "General objectives" in page
    # The plan's own text stays as the municipality wrote it.
    assert "Enjeux sociaux" in page


def test_language_switch_is_saved_on_the_user(client, make):
    org = make.org()
    user = make.user(org)
    client.login(user.email)
    client.post("/language", data={"locale": "en_CA", "next": "/plans"})
    assert "Recovery plans" in client.get("/plans").get_data(as_text=True)
    client.post("/language", data={"locale": "fr_CA", "next": "/plans"})
    assert "Plans de rétablissement" in client.get("/plans").get_data(as_text=True)
    assert client.post("/language", data={"locale": "de"}).status_code == 400


def test_other_organisations_plan_is_404(client, make):
    mine, theirs = make.org(), make.org()
    user = make.user(mine, role="admin")
    their_plan = make.plan(theirs)
    client.login(user.email)
    response = client.get(f"/plans/{their_plan.id}")
    assert response.status_code == 404
    assert "n’existe pas ou vous n’y avez pas accès" in response.get_data(as_text=True)
    assert client.get("/plans/999999").status_code == 404


def test_regional_coordinator_reads_the_plans_of_the_region_only(client, make):
    region = make.region("mrc-a", "MRC A")
    inside, outside = make.org(region=region), make.org()
    coordinator = make.user(outside, role="viewer", regional=region)
    inside_plan, outside_plan = make.plan(inside), make.plan(make.org())
    client.login(coordinator.email)
    assert client.get(f"/plans/{inside_plan.id}").status_code == 200
    assert client.get(f"/plans/{outside_plan.id}").status_code == 404
    listing = client.get("/plans").get_data(as_text=True)
    assert inside.name in listing


def test_signed_out_visitor_is_sent_to_login(client, make):
    plan = make.plan(make.org())
    response = client.get(f"/plans/{plan.id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_plan_page_query_count_does_not_grow_with_the_plan(client, make, count_queries):
    org = make.org()
    user = make.user(org)
    small = make.plan(org)
    client.login(user.email)
    client.get(f"/plans/{small.id}")  # warm-up: the first request after sign-in loads more
    with count_queries() as small_count:
        client.get(f"/plans/{small.id}")
    big = make.plan(org)
    # Three times the actions in the same plan.
    for task in list(db.session.get(type(big), big.id).themes[0].objectives[0].tasks):
        for n in range(2):
            db.session.add(
                Task(
                    created_at=app_now(),
                    updated_at=app_now(),
                    plan_id=big.id,
                    objective_id=task.objective_id,
                    title=f"{task.title} ({n})",
                    plan_position=9 + n,
                )
            )
    # And comments by several people on several actions.
    for n, task in enumerate(db.session.get(type(big), big.id).themes[1].objectives[0].tasks):
        for author in (user, make.user(org)):
            db.session.add(
                Comment(created_at=app_now(), task_id=task.id, author_id=author.id, body=f"Suivi {n}")
            )
    db.session.commit()
    client.get(f"/plans/{big.id}")
    with count_queries() as big_count:
        client.get(f"/plans/{big.id}")
    assert big_count.count == small_count.count
    assert small_count.count <= 20


def test_admin_creates_a_plan_from_the_template_on_the_web(client, make):
    org = make.org()
    admin = make.user(org, role="admin")
    member = make.user(org)
    client.login(admin.email)
    response = client.post(f"/orgs/{org.id}/plans/from-template")
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "6 enjeux, 145 actions" in page

    client.post("/logout")
    client.login(member.email)
    assert client.post(f"/orgs/{org.id}/plans/from-template").status_code == 404


def test_healthz(app, client):
    # Scheduler left out: tests/ops/test_health.py covers the heartbeat.
    app.config["SCHEDULER_MAX_SILENCE"] = 0
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["schema"]


def test_favicon_is_linked_and_served(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    for url in ("/static/favicon.svg", "/favicon.ico"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "image/svg+xml"
        assert b"#1b4f8a" in response.data


def test_the_plan_page_leaves_nothing_per_target_for_the_garbage_collector(client, make):
    """Each target's progress was an include that built a macro holding the
    page's context: some 20 objects per target in reference cycles."""
    org = make.org("ville-a", "Ville A")
    user = make.user(org, role="viewer")
    plan = make.plan(org)
    for target in db.session.scalars(select(Target)):
        target.unit, target.baseline, target.target_value = "%", 0.0, 100.0
    db.session.commit()
    url = f"/plans/{plan.id}"
    client.login(user.email)
    page = client.get(url).get_data(as_text=True)
    assert page.count('<span class="progress"') == 67
    with_targets = unreachable_after(client, url)

    objectives = select(OperationalObjective.id).join(Theme).where(Theme.plan_id == plan.id)
    db.session.execute(delete(Target).where(Target.objective_id.in_(objectives)))
    db.session.commit()
    assert '<span class="progress"' not in client.get(url).get_data(as_text=True)
    without = unreachable_after(client, url)
    # Some slack for what another thread of the test process might leave.
    assert with_targets - without < 100, (with_targets, without)
