"""Each security event is written once, with who, whom, where and from which
address; a refused change writes none, a failed sign-in is written although
the sign-in is refused."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tasking.auth.services import RESET_SALT, make_token
from tasking.core import security_log as log
from tasking.extensions import db
from tasking.meetings.services import prepare_meeting
from tasking.models import OutboxMessage, SecurityEvent
from tests.conftest import PASSWORD, app_now
from tests.test_two_factor import code_at, enrol, password_step

ADDRESS = "203.0.113.7"
BROWSER = "Mozilla/5.0 (Essai) Firefox/140.0"


def events(*kinds: str) -> list[SecurityEvent]:
    db.session.expire_all()
    query = select(SecurityEvent).order_by(SecurityEvent.id)
    if kinds:
        query = query.where(SecurityEvent.kind.in_(kinds))
    return list(db.session.scalars(query))


def only(kind: str) -> SecurityEvent:
    found = events(kind)
    assert len(found) == 1, [(e.kind, e.detail) for e in events()]
    return found[0]


@pytest.fixture
def town(make):
    org = make.org("ville-a", "Ville A")
    admin = make.user(org, role="admin", email="admin@ville-a.qc.ca", name="Anne Admin")
    member = make.user(org, role="member", email="membre@ville-a.qc.ca", name="Marc Membre")
    return org, admin, member


@pytest.fixture
def visitor(make_client):
    """A client coming from a documented address with a browser of its own."""
    client = make_client()
    client.environ_base.update({"REMOTE_ADDR": ADDRESS, "HTTP_USER_AGENT": BROWSER})
    return client


def test_a_sign_in_is_recorded_with_its_address_and_browser(visitor, town):
    _org, _admin, member = town
    visitor.login(member.email)
    event = only(log.SIGN_IN)
    assert (event.actor_user_id, event.subject_user_id, event.organisation_id) == (member.id, member.id, None)
    assert (event.address, event.user_agent) == (ADDRESS, BROWSER)
    assert event.at == app_now()
    assert event.detail == {"method": "password", "second_factor": None, "remember": False}


@pytest.mark.parametrize(
    ("email", "password", "reason", "known"),
    [
        ("membre@ville-a.qc.ca", "pas-le-bon-mot", "wrong_password", True),
        ("Personne@Nulle-Part.ca", PASSWORD, "unknown_email", False),
    ],
)
def test_a_failed_sign_in_is_recorded_although_refused(visitor, town, email, password, reason, known):
    member = town[2]
    visitor.fetch_csrf("/login")
    refused = visitor.post("/login", data={"email": email, "password": password})
    assert refused.status_code == 422
    event = only(log.SIGN_IN_FAILED)
    assert event.actor_user_id is None
    assert event.subject_user_id == (member.id if known else None)
    assert event.address == ADDRESS
    assert event.detail == {"email": email.lower(), "reason": reason, "step": "password"}
    assert events(log.SIGN_IN) == []


def test_a_password_typed_in_the_address_field_is_not_kept(visitor, town):
    visitor.fetch_csrf("/login")
    visitor.post("/login", data={"email": "Secret-Mot-2026", "password": "Secret-Mot-2026"})
    assert only(log.SIGN_IN_FAILED).detail == {"email": None, "reason": "unknown_email", "step": "password"}


def test_a_deactivated_account_and_a_paused_address_are_said(visitor, town, client):
    org, admin, member = town
    client.login(admin.email)
    client.post(f"/admin/orgs/{org.id}/members/{member.id}/active", data={"active": "0"})
    visitor.fetch_csrf("/login")
    visitor.post("/login", data={"email": member.email, "password": PASSWORD})
    assert only(log.SIGN_IN_FAILED).detail["reason"] == "deactivated"
    for _n in range(5):
        visitor.post("/login", data={"email": admin.email, "password": "faux-mot-de-passe"})
    paused = visitor.post("/login", data={"email": admin.email, "password": PASSWORD})
    assert paused.status_code == 429
    reasons = [e.detail["reason"] for e in events(log.SIGN_IN_FAILED) if e.subject_user_id == admin.id]
    assert reasons == ["wrong_password"] * 4 + ["paused", "paused"]


def test_sign_out_and_an_idle_session_are_recorded(visitor, town, clock):
    member = town[2]
    visitor.login(member.email)
    visitor.post("/logout")
    event = only(log.SIGN_OUT)
    assert (event.actor_user_id, event.subject_user_id, event.address) == (member.id, member.id, ADDRESS)

    visitor.login(member.email)
    clock.advance(minutes=121)
    # An htmx request answered 401: the end of the session is kept all the same.
    assert visitor.get("/me/tasks", headers={"HX-Request": "true"}).status_code == 401
    ended = only(log.SESSION_EXPIRED)
    assert (ended.actor_user_id, ended.subject_user_id, ended.detail) == (None, member.id, {"reason": "idle"})
    assert ended.at == app_now()
    visitor.get("/me/tasks")
    assert len(events(log.SESSION_EXPIRED)) == 1


def test_a_password_change_is_recorded_and_a_refused_one_is_not(visitor, town):
    member = town[2]
    visitor.login(member.email)
    weak = visitor.post("/account/password", data={"current": PASSWORD, "password": "abc", "confirm": "abc"})
    assert weak.status_code == 422
    assert events(log.PASSWORD_CHANGED) == []
    wrong = visitor.post(
        "/account/password",
        data={"current": "pas-le-bon", "password": "Nouveau-Depart-9", "confirm": "Nouveau-Depart-9"},
    )
    assert wrong.status_code == 422
    assert only(log.SIGN_IN_FAILED).detail == {
        "email": member.email,
        "reason": "wrong_password",
        "step": "confirm",
    }
    done = visitor.post(
        "/account/password",
        data={"current": PASSWORD, "password": "Nouveau-Depart-9", "confirm": "Nouveau-Depart-9"},
    )
    assert done.status_code == 303
    event = only(log.PASSWORD_CHANGED)
    assert (event.actor_user_id, event.subject_user_id, event.address) == (member.id, member.id, ADDRESS)


def test_a_reset_is_recorded_from_the_request_to_the_new_password(visitor, town):
    member = town[2]
    visitor.fetch_csrf("/password/forgot")
    visitor.post("/password/forgot", data={"email": "inconnu@nulle-part.ca"})
    assert events() == []
    visitor.post("/password/forgot", data={"email": member.email})
    asked = only(log.PASSWORD_RESET_REQUESTED)
    assert (asked.actor_user_id, asked.subject_user_id, asked.address) == (None, member.id, ADDRESS)
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == "password_reset"))
    link = f"/password/reset/{make_token(member, RESET_SALT)}"
    visitor.post(link, data={"password": "abc", "confirm": "abc"})
    assert events(log.PASSWORD_RESET) == []
    visitor.post(link, data={"password": "Nouveau-Depart-9", "confirm": "Nouveau-Depart-9"})
    reset = only(log.PASSWORD_RESET)
    assert (reset.actor_user_id, reset.subject_user_id) == (member.id, member.id)
    assert only(log.SIGN_IN).detail["method"] == "link"


def test_two_factor_changes_and_a_recovery_code_are_recorded(client, visitor, town):
    member = town[2]
    client.login(member.email)
    _secret, codes = enrol(client)
    assert only(log.TWO_FACTOR_ENABLED).subject_user_id == member.id
    assert client.post("/account/two-factor/recovery-codes").status_code == 200
    assert only(log.RECOVERY_CODES_REGENERATED).actor_user_id == member.id
    fresh = re.findall(
        r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>",
        client.post("/account/two-factor/recovery-codes").get_data(as_text=True),
    )
    assert fresh and fresh != codes

    password_step(visitor, member.email)
    wrong = visitor.post("/login/code", data={"code": "000000"})
    assert wrong.status_code == 422
    failed = only(log.SIGN_IN_FAILED)
    assert (failed.subject_user_id, failed.detail["reason"], failed.detail["step"]) == (
        member.id,
        "wrong_code",
        "code",
    )
    assert visitor.post("/login/code", data={"code": fresh[0]}).status_code == 303
    used = only(log.RECOVERY_CODE_USED)
    assert (used.actor_user_id, used.address) == (member.id, ADDRESS)
    signed_in = [e for e in events(log.SIGN_IN) if e.address == ADDRESS]
    assert [e.detail["second_factor"] for e in signed_in] == ["recovery_code"]

    assert client.post("/account/two-factor/disable").status_code == 303
    assert only(log.TWO_FACTOR_DISABLED).subject_user_id == member.id


def test_an_app_code_signs_in_without_a_recovery_code_event(client, visitor, town):
    member = town[2]
    client.login(member.email)
    secret, _codes = enrol(client)
    password_step(visitor, member.email)
    assert visitor.post("/login/code", data={"code": code_at(secret, 30)}).status_code == 303
    assert events(log.RECOVERY_CODE_USED) == []
    assert [e.detail["second_factor"] for e in events(log.SIGN_IN) if e.address == ADDRESS] == ["app"]


def test_a_refused_two_factor_change_records_nothing(client, town):
    org, admin, _member = town
    client.login(admin.email)
    enrol(client)
    client.post(f"/admin/orgs/{org.id}/settings", data={"admins_need_2fa": "1"})
    rule = only(log.ORG_TWO_FACTOR_RULE)
    assert (rule.actor_user_id, rule.organisation_id, rule.detail) == (
        admin.id,
        org.id,
        {"before": False, "after": True},
    )
    # Saved again unchanged: nothing new.
    client.post(f"/admin/orgs/{org.id}/settings", data={"admins_need_2fa": "1"})
    assert len(events(log.ORG_TWO_FACTOR_RULE)) == 1
    refused = client.post("/account/two-factor/disable")
    assert refused.status_code == 303
    assert events(log.TWO_FACTOR_DISABLED) == []


def test_members_invited_added_and_their_roles_and_status(visitor, town, make_client):
    org, admin, member = town
    visitor.login(admin.email)
    url = f"/admin/orgs/{org.id}/members"
    visitor.post(url, data={"name": "Sophie Roy", "email": "sophie@ville-a.qc.ca", "role": "viewer"})
    invited = only(log.MEMBER_INVITED)
    assert (invited.actor_user_id, invited.organisation_id, invited.address) == (admin.id, org.id, ADDRESS)
    assert invited.detail == {"role": "viewer", "email": "sophie@ville-a.qc.ca"}
    duplicate = visitor.post(url, data={"name": "Sophie", "email": "sophie@ville-a.qc.ca", "role": "viewer"})
    assert duplicate.status_code == 422
    visitor.post(
        url,
        data={"name": "Luc G", "email": "luc@ville-a.qc.ca", "role": "member", "password": "Rimouski-2026"},
    )
    assert only(log.MEMBER_ADDED).detail == {"role": "member", "email": "luc@ville-a.qc.ca"}
    assert len(events(log.MEMBER_INVITED)) == 1

    role_url = f"/admin/orgs/{org.id}/members/{member.id}/role"
    visitor.post(role_url, data={"role": "admin"})
    changed = only(log.ROLE_CHANGED)
    assert (changed.actor_user_id, changed.subject_user_id, changed.organisation_id) == (
        admin.id,
        member.id,
        org.id,
    )
    assert changed.detail == {"before": "member", "after": "admin"}
    # Refused (one's own admin role) and unchanged: nothing.
    visitor.post(f"/admin/orgs/{org.id}/members/{admin.id}/role", data={"role": "viewer"})
    visitor.post(role_url, data={"role": "admin"})
    assert len(events(log.ROLE_CHANGED)) == 1

    active_url = f"/admin/orgs/{org.id}/members/{member.id}/active"
    visitor.post(active_url, data={"active": "0"})
    visitor.post(active_url, data={"active": "0"})
    visitor.post(f"/admin/orgs/{org.id}/members/{admin.id}/active", data={"active": "0"})
    visitor.post(active_url, data={"active": "1"})
    assert only(log.ACCOUNT_DEACTIVATED).subject_user_id == member.id
    assert only(log.ACCOUNT_REACTIVATED).subject_user_id == member.id


def test_the_invited_person_accepting_is_recorded(client, make_client, town):
    org, admin, _member = town
    client.login(admin.email)
    client.post(
        f"/admin/orgs/{org.id}/members",
        data={"name": "Sophie Roy", "email": "sophie@ville-a.qc.ca", "role": "viewer"},
    )
    body = db.session.scalar(select(OutboxMessage.body_text).where(OutboxMessage.kind == "invitation"))
    link = re.search(r"http://retablir.test(/invitation/\S+)", body).group(1)
    sophie = make_client()
    sophie.fetch_csrf(link)
    assert (
        sophie.post(link, data={"password": "Nouveau-Depart-9", "confirm": "Nouveau-Depart-9"}).status_code
        == 303
    )
    accepted = only(log.INVITATION_ACCEPTED)
    assert accepted.actor_user_id == accepted.subject_user_id == only(log.MEMBER_INVITED).subject_user_id


def test_exports_and_imports_are_recorded(visitor, town, make):
    org, admin, _member = town
    plan = make.plan_with(org)
    visitor.login(admin.email)
    exported = visitor.get(f"/plans/{plan.id}/export.xlsx")
    assert exported.status_code == 200
    event = only(log.EXPORT)
    assert (event.actor_user_id, event.organisation_id, event.address) == (admin.id, org.id, ADDRESS)
    assert event.detail == {"what": "plan", "format": "xlsx", "plan_id": plan.id}

    book = load_workbook(io.BytesIO(exported.data))
    sheet = book["Tâches"]
    status = [c.value for c in sheet[1]].index("Statut") + 1
    sheet.cell(row=2, column=status).value = "Terminé"
    buffer = io.BytesIO()
    book.save(buffer)
    preview = visitor.post(
        f"/plans/{plan.id}/import",
        data={"file": (io.BytesIO(buffer.getvalue()), "plan.xlsx")},
        content_type="multipart/form-data",
    )
    assert events(log.IMPORT) == []
    confirm = re.search(r'action="(/plans/\d+/import/[^"]+/confirm)"', preview.get_data(as_text=True)).group(
        1
    )
    assert visitor.post(confirm).status_code == 200
    imported = only(log.IMPORT)
    assert (imported.actor_user_id, imported.organisation_id, imported.address) == (admin.id, org.id, ADDRESS)
    assert imported.detail == {"what": "tasks", "plan_id": plan.id, "filename": "plan.xlsx", "rows": 1}


def test_the_minutes_file_is_recorded(client, make):
    region = make.region("mrc-a", "MRC A")
    make.org("ville-a", "Ville A", region=region)
    coordinator = make.user(make.org(), role="viewer", email="mrc@mrc-a.qc.ca", regional=region)
    meeting = prepare_meeting(db.session, region=region, actor=coordinator, now=app_now())
    db.session.commit()
    client.login(coordinator.email)
    assert client.get(f"/regions/{region.slug}/meetings/{meeting.id}/minutes.docx").status_code == 200
    event = only(log.EXPORT)
    assert event.actor_user_id == coordinator.id
    assert event.detail == {"what": "minutes", "format": "docx", "meeting_id": meeting.id}


def test_api_tokens_created_and_revoked(visitor, town):
    member = town[2]
    visitor.login(member.email)
    refused = visitor.post("/account/tokens", data={"name": "", "scope": "read", "expires_on": "2027-01-31"})
    assert refused.status_code == 422
    assert events(log.API_TOKEN_CREATED) == []
    created = visitor.post(
        "/account/tokens", data={"name": "Power BI", "scope": "read", "expires_on": "2027-01-31"}
    )
    assert created.status_code == 201
    event = only(log.API_TOKEN_CREATED)
    assert (event.actor_user_id, event.subject_user_id, event.address) == (member.id, member.id, ADDRESS)
    assert event.detail["name"] == "Power BI" and event.detail["scope"] == "read"
    token_id = event.detail["token_id"]
    visitor.post(f"/account/tokens/{token_id}/revoke")
    visitor.post(f"/account/tokens/{token_id}/revoke")
    assert only(log.API_TOKEN_REVOKED).detail == {"token_id": token_id, "name": "Power BI"}


def test_the_address_behind_a_trusted_proxy_is_the_clients(_schema, make):
    from tests.conftest import Client, make_app

    app = make_app(_schema, TRUSTED_PROXIES=1)
    app.test_client_class = Client
    with app.app_context():
        member = make.user(make.org(), email="loin@ville.qc.ca")
        client = app.test_client()
        client.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.23"
        client.login(member.email)
        assert only(log.SIGN_IN).address == "198.51.100.23"


def test_a_plan_imported_from_word_is_recorded(visitor, town):
    from tests.exchange.seed_docx import seed_docx
    from tests.exchange.test_docx_import import import_docx

    org, admin, _member = town
    visitor.login(admin.email)
    plan = import_docx(visitor, org.id, seed_docx())
    event = only(log.IMPORT)
    assert (event.actor_user_id, event.organisation_id, event.address) == (admin.id, org.id, ADDRESS)
    assert event.detail == {"what": "plan", "plan_id": plan.id, "filename": "plan.docx"}
