"""The admins' security log page: what each organisation sees, the filters,
the pages, the CSV; the purge of old entries; what the personal-data export reads."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from tasking.core import security_log as log
from tasking.extensions import db
from tasking.models import SecurityEvent
from tasking.scheduling.scheduler import JOBS
from tasking.securitylog.services import PER_PAGE, events_about, pseudonymise
from tests.conftest import app_now


@pytest.fixture
def towns(make):
    a = make.org("ville-a", "Ville A")
    b = make.org("ville-b", "Ville B")
    people = {
        "admin": make.user(a, role="admin", email="admin@ville-a.qc.ca", name="Anne Admin"),
        "member": make.user(a, role="member", email="membre@ville-a.qc.ca", name="Marc Membre"),
        "viewer": make.user(a, role="viewer", email="elu@ville-a.qc.ca", name="Élie Élu"),
        "other": make.user(b, role="admin", email="admin@ville-b.qc.ca", name="Bob Bé"),
    }
    return a, b, people


def add(kind: str, *, at: datetime | None = None, **fields) -> SecurityEvent:
    event = log.record(db.session, kind, now=at or app_now(), **{"actor": None, **fields})
    db.session.commit()
    return event


def rows_on(page: str) -> int:
    return page.count('id="security-event-')


def test_an_admin_sees_the_events_of_the_organisation_and_its_people(client, towns):
    a, b, people = towns
    add(log.SIGN_IN, actor=people["member"], subject=people["member"], address="10.0.0.5")
    add(
        log.ROLE_CHANGED,
        actor=people["admin"],
        subject=people["viewer"],
        organisation=a.id,
        detail={"before": "viewer", "after": "member"},
    )
    # Another organisation's: its admin's sign-in, and a change made there.
    add(log.SIGN_IN, actor=people["other"], subject=people["other"], address="10.9.9.9")
    add(log.EXPORT, actor=people["other"], organisation=b.id, detail={"what": "plan", "format": "csv"})
    # A failed sign-in with an address nobody uses: no organisation's.
    add(log.SIGN_IN_FAILED, detail={"email": "x@nulle-part.ca", "reason": "unknown_email"})
    client.login(people["admin"].email)
    response = client.get(f"/admin/orgs/{a.id}/security-log")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Journal de sécurité de Ville A" in page
    assert 'aria-current="page">Journal de sécurité</a>' in page
    # The admin's own sign-in (by the client above) shows too.
    assert rows_on(page) == 3
    assert "Marc Membre" in page and "10.0.0.5" in page
    assert "Rôle modifié" in page and "observateur → membre" in page
    assert "10.9.9.9" not in page and "Bob Bé" not in page and "nulle-part" not in page


def test_members_and_other_organisations_get_404(client, towns):
    a, _b, people = towns
    for who in ("member", "viewer", "other"):
        client.login(people[who].email)
        assert client.get(f"/admin/orgs/{a.id}/security-log").status_code == 404
        assert client.get(f"/admin/orgs/{a.id}/security-log.csv").status_code == 404
        client.post("/logout")


def test_the_filters_narrow_the_list(client, towns, clock):
    a, _b, people = towns
    member, viewer = people["member"], people["viewer"]
    add(log.SIGN_IN, actor=member, subject=member, address="10.0.0.5", at=datetime(2026, 11, 1, 15))
    add(
        log.SIGN_IN_FAILED,
        subject=viewer,
        address="192.168.1.20",
        at=datetime(2026, 11, 10, 15),
        detail={"email": viewer.email, "reason": "wrong_password"},
    )
    add(
        log.PASSWORD_CHANGED,
        actor=viewer,
        subject=viewer,
        address="192.168.1.21",
        at=datetime(2026, 11, 20, 4),
    )
    client.login(people["admin"].email)
    url = f"/admin/orgs/{a.id}/security-log"

    def count(**args) -> int:
        response = client.get(url, query_string=args)
        assert response.status_code == 200, response.get_data(as_text=True)
        return rows_on(response.get_data(as_text=True))

    assert count() == 4  # and the admin's own sign-in
    assert count(kind="sign_in") == 2
    assert count(person=viewer.id) == 2
    assert count(person=viewer.id, kind="password_changed") == 1
    assert count(address="192.168.1.") == 2
    assert count(address="192.168.1.2") == 2
    assert count(address="192.168.1.20") == 1
    # Days are the organisation's: 20 November 04:00 UTC is the 19th in Montréal.
    assert count(since="2026-11-10", until="2026-11-19") == 2
    assert count(since="2026-11-20", until="2026-11-20") == 0
    assert count(since="2026-11-02") == 3


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        ({"kind": "drop table"}, "Choisissez un type d’événement dans la liste."),
        ({"since": "hier"}, "AAAA-MM-JJ"),
        ({"since": "2026-11-20", "until": "2026-11-01"}, "La date de début vient après la date de fin."),
        ({"address": "<script>"}, "Une adresse se compose de chiffres"),
        ({"person": "999"}, "Choisissez une personne dans la liste."),
    ],
)
def test_a_bad_filter_is_said_and_left_out(client, towns, args, sentence):
    a, _b, people = towns
    client.login(people["admin"].email)
    response = client.get(f"/admin/orgs/{a.id}/security-log", query_string=args)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert sentence in page.replace("\u00a0", " ")
    assert rows_on(page) == 1  # the filter is left out: the admin's sign-in shows
    assert client.get(f"/admin/orgs/{a.id}/security-log.csv", query_string=args).status_code == 400


def test_htmx_gets_the_list_alone(client, towns):
    a, _b, people = towns
    client.login(people["admin"].email)
    response = client.get(f"/admin/orgs/{a.id}/security-log", headers={"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<div id="security-log">') and "<html" not in page


def test_pages_of_fifty_newest_first(client, towns):
    a, _b, people = towns
    member = people["member"]
    for n in range(PER_PAGE + 5):
        add(
            log.SIGN_IN,
            actor=member,
            subject=member,
            address=f"10.0.1.{n}",
            at=datetime(2026, 11, 1) + timedelta(minutes=n),
        )
    client.login(people["admin"].email)
    first = client.get(f"/admin/orgs/{a.id}/security-log?kind=sign_in").get_data(as_text=True)
    assert rows_on(first) == PER_PAGE and "56 événements" in first
    assert first.index("10.0.1.54") < first.index("10.0.1.53")
    assert "page=2" in first and "kind=sign_in" in first
    second = client.get(f"/admin/orgs/{a.id}/security-log?kind=sign_in&page=2").get_data(as_text=True)
    assert rows_on(second) == 6 and "10.0.1.0<" in second


def test_the_csv_is_the_filtered_list_for_excel(client, towns):
    a, _b, people = towns
    viewer = people["viewer"]
    add(
        log.SIGN_IN_FAILED,
        subject=viewer,
        address="192.168.1.20",
        user_agent='=HYPERLINK("x")',
        at=datetime(2026, 11, 10, 15),
        detail={"email": "=cmd|' /C calc'!A0", "reason": "wrong_password"},
    )
    add(
        log.PASSWORD_CHANGED,
        actor=viewer,
        subject=viewer,
        address="192.168.1.21",
        at=datetime(2026, 11, 12, 15),
    )
    client.login(people["admin"].email)
    response = client.get(f"/admin/orgs/{a.id}/security-log.csv?person={viewer.id}")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "journal-securite-ville-a.csv" in response.headers["Content-Disposition"]
    assert response.data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "Date et heure",
        "Événement",
        "Par",
        "Par (courriel)",
        "Concernant",
        "Concernant (courriel)",
        "Adresse",
        "Navigateur",
        "Détail",
    ]
    assert rows[1] == [
        "2026-11-12 10:00:00",
        "Mot de passe modifié",
        "Élie Élu",
        "elu@ville-a.qc.ca",
        "Élie Élu",
        "elu@ville-a.qc.ca",
        "192.168.1.21",
        "",
        "",
    ]
    assert rows[2][:2] == ["2026-11-10 10:00:00", "Échec de connexion"]
    assert rows[2][7] == '\'=HYPERLINK("x")'
    assert rows[2][8] == "mauvais mot de passe\u00a0; adresse saisie\u00a0: =cmd|' /C calc'!A0"
    assert len(rows) == 3
    # The export itself is in the log.
    export = db.session.scalar(select(SecurityEvent).where(SecurityEvent.kind == log.EXPORT))
    assert export.actor_user_id == people["admin"].id and export.organisation_id == a.id
    assert export.detail == {"what": "security_log", "format": "csv", "rows": 2, "person": str(viewer.id)}


def test_the_page_asks_a_constant_number_of_queries(client, towns, count_queries):
    a, _b, people = towns
    member = people["member"]
    client.login(people["admin"].email)
    url = f"/admin/orgs/{a.id}/security-log"

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(url).status_code == 200
        return counter.count

    add(log.SIGN_IN, actor=member, subject=member)
    few = queries()
    for n in range(30):
        add(
            log.ROLE_CHANGED,
            actor=people["admin"],
            subject=people["viewer" if n % 2 else "member"],
            organisation=a.id,
            detail={"before": "member", "after": "viewer"},
        )
    assert queries() == few


def test_entries_past_the_period_are_purged_by_the_scheduler_job(app, towns, clock):
    _a, _b, people = towns
    member = people["member"]
    clock.set(datetime(2026, 11, 25, 15))
    add(log.SIGN_IN, actor=member, subject=member, at=datetime(2025, 11, 25, 14))
    add(log.SIGN_IN, actor=member, subject=member, at=datetime(2025, 11, 25, 16))
    add(log.SIGN_IN, actor=member, subject=member, at=datetime(2026, 11, 25, 14))
    report = JOBS["security-log"](db.session, now=clock())
    assert report.as_line() == "purged=1"
    assert db.session.scalar(select(func.count(SecurityEvent.id))) == 2
    assert JOBS["security-log"](db.session, now=clock()).purged == 0
    app.config["SECURITY_LOG_DAYS"] = 30
    clock.advance(days=1)
    assert JOBS["security-log"](db.session, now=clock()).purged == 1
    remaining = db.session.scalars(select(SecurityEvent.at)).all()
    assert remaining == [datetime(2026, 11, 25, 14)]


def test_events_about_a_person(towns):
    a, _b, people = towns
    member, admin = people["member"], people["admin"]
    add(log.SIGN_IN, actor=member, subject=member, at=datetime(2026, 11, 2))
    add(
        log.ROLE_CHANGED,
        actor=admin,
        subject=member,
        organisation=a.id,
        at=datetime(2026, 11, 3),
        detail={"before": "member", "after": "viewer"},
    )
    add(log.EXPORT, actor=member, organisation=a.id, at=datetime(2026, 11, 4), detail={"what": "plan"})
    add(log.SIGN_IN, actor=admin, subject=admin, at=datetime(2026, 11, 5))
    found = events_about(db.session, member)
    assert [(e.kind, e.at.day) for e in found] == [("sign_in", 2), ("role_changed", 3), ("export", 4)]


def test_the_members_page_links_the_log(client, towns):
    a, _b, people = towns
    client.login(people["admin"].email)
    page = client.get(f"/admin/orgs/{a.id}/members").get_data(as_text=True)
    assert f'href="/admin/orgs/{a.id}/security-log"' in page


def test_a_pseudonymised_persons_address_leaves_the_details(towns):
    a, _b, people = towns
    member = people["member"]
    add(
        log.SIGN_IN_FAILED,
        subject=member,
        detail={"email": "MEMBRE@ville-a.qc.ca", "reason": "wrong_password"},
    )
    add(
        log.MEMBER_INVITED,
        actor=people["admin"],
        subject=member,
        organisation=a.id,
        detail={"email": member.email, "role": "member"},
    )
    add(log.SIGN_IN_FAILED, subject=member, detail={"email": "autre@ville-a.qc.ca", "reason": "paused"})
    assert pseudonymise(db.session, member, email="personne-retiree-17@invalid") == 2
    db.session.commit()
    db.session.expire_all()
    assert [e.detail["email"] for e in events_about(db.session, member)] == [
        "personne-retiree-17@invalid",
        "personne-retiree-17@invalid",
        "autre@ville-a.qc.ca",
    ]


def test_a_kept_session_asks_the_password_again_before_the_csv(client, towns, clock):
    from tests.test_sessions import _remembered

    a, _b, people = towns
    _remembered(client, people["admin"].email)
    clock.advance(minutes=16)
    url = f"/admin/orgs/{a.id}/security-log.csv"
    asked = client.get(url)
    assert asked.headers["Location"] == f"/account/confirm?next={url}"
    assert db.session.scalar(select(SecurityEvent.id).where(SecurityEvent.kind == log.EXPORT)) is None
    # The page itself shows without it.
    assert client.get(f"/admin/orgs/{a.id}/security-log").status_code == 200
