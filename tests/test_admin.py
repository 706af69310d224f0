"""The members page: invite or create people, set roles, deactivate."""

import re

from sqlalchemy import select

from tasking.extensions import db
from tasking.models import Membership, OutboxMessage, User
from tests.conftest import app_now


def _admin(client, make):
    org = make.org("ville-a", "Ville A")
    admin = make.user(org, role="admin", email="admin@ville-a.qc.ca", name="Marie Tremblay")
    client.login(admin.email)
    return org, admin


def test_members_page_lists_people_in_french(client, make):
    org, _admin_user = _admin(client, make)
    make.user(org, role="viewer", name="Jean Côté")
    page = client.get(f"/admin/orgs/{org.id}/members").get_data(as_text=True)
    assert "Membres de Ville A" in page
    assert "Jean Côté" in page and "Marie Tremblay" in page
    assert "Ajouter une personne" in page


def test_create_a_user_with_a_password(client, make):
    org, _ = _admin(client, make)
    response = client.post(
        f"/admin/orgs/{org.id}/members",
        data={
            "name": "Luc Gagnon",
            "email": "luc@ville-a.qc.ca",
            "role": "member",
            "password": "Rimouski-2026",
        },
    )
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.email == "luc@ville-a.qc.ca"))
    assert user.check_password("Rimouski-2026")
    assert user.memberships[0].role == "member"
    assert db.session.scalar(select(OutboxMessage.id)) is None


def test_invite_a_user_by_email_who_then_sets_a_password(client, make_client, make):
    org, _ = _admin(client, make)
    response = client.post(
        f"/admin/orgs/{org.id}/members",
        data={"name": "Sophie Roy", "email": "sophie@ville-a.qc.ca", "role": "viewer", "password": ""},
    )
    assert response.status_code == 303
    invitation = db.session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "invitation"))
    assert invitation.recipient == "sophie@ville-a.qc.ca"
    assert "Marie Tremblay vous invite au plan de rétablissement de la Ville A" in invitation.subject
    link = re.search(r"http://retablir.test(/invitation/\S+)", invitation.body_text).group(1)

    sophie = make_client()
    assert sophie.get(link).status_code == 200
    sophie.fetch_csrf(link)
    done = sophie.post(link, data={"password": "Gaspesie-2026", "confirm": "Gaspesie-2026"})
    assert done.status_code == 303
    # Her first sign-in: the organisation's privacy notice comes first.
    assert sophie.get("/plans").headers["Location"] == "/privacy?next=/plans"
    acknowledged = sophie.post("/privacy/acknowledge", data={"seen": f"{org.id}:0", "next": "/plans"})
    assert acknowledged.headers["Location"] == "/plans"
    assert sophie.get("/plans").status_code == 200
    # Accepting signed her in: the members list says when.
    db.session.expire_all()
    signed_in = db.session.scalar(select(User).where(User.email == "sophie@ville-a.qc.ca")).last_login_at
    assert signed_in is not None
    members = client.get(f"/admin/orgs/{org.id}/members").get_data(as_text=True)
    assert members.split("sophie@ville-a.qc.ca")[1].split("</tr>")[0].count("—") == 0


def _flashes(page: str) -> str:
    start = page.index('id="flashes"')
    return page[start : page.index("</div>", start)]


def test_without_a_mail_server_the_invitation_is_said_to_wait_in_the_outbox(client, make):
    org, _ = _admin(client, make)
    client.post(
        f"/admin/orgs/{org.id}/members",
        data={"name": "Sophie Roy", "email": "sophie@ville-a.qc.ca", "role": "viewer", "password": ""},
    )
    flashes = _flashes(client.get(f"/admin/orgs/{org.id}/members").get_data(as_text=True))
    assert "envoyée" not in flashes
    assert (
        "L’invitation à sophie@ville-a.qc.ca attend dans la file d’envoi\u00a0: "
        "aucun serveur de courriel n’est configuré." in flashes
    )
    # The admin's way to the message.
    assert f'<a href="/admin/orgs/{org.id}/outbox">Ouvrir la file d’envoi</a>' in flashes
    outbox = client.get(f"/admin/orgs/{org.id}/outbox").get_data(as_text=True)
    assert "sophie@ville-a.qc.ca" in outbox


def test_with_a_mail_server_the_invitation_is_said_sent_and_is(mail_app, smtp_server, make):
    client = mail_app.test_client()
    org, _ = _admin(client, make)
    client.post(
        f"/admin/orgs/{org.id}/members",
        data={"name": "Sophie Roy", "email": "sophie@ville-a.qc.ca", "role": "viewer", "password": ""},
    )
    flashes = _flashes(client.get(f"/admin/orgs/{org.id}/members").get_data(as_text=True))
    assert "Une invitation a été envoyée à sophie@ville-a.qc.ca." in flashes
    assert "file d’envoi" not in flashes
    assert [m["To"] for m in smtp_server.messages] == ["sophie@ville-a.qc.ca"]


def test_bad_input_is_shown_on_the_form_and_creates_nothing(client, make):
    org, _ = _admin(client, make)
    cases = [
        ({"name": "X Y", "email": "pas-un-courriel", "role": "member"}, "adresse courriel valide"),
        ({"name": "X Y", "email": "admin@ville-a.qc.ca", "role": "member"}, "déjà"),
        ({"name": "X Y", "email": "x@ville-a.qc.ca", "role": "member", "password": "court"}, "au moins 12"),
        ({"name": "X Y", "email": "x@ville-a.qc.ca", "role": "chef"}, "est pas un choix valide"),
    ]
    for data, message in cases:
        response = client.post(f"/admin/orgs/{org.id}/members", data=data)
        assert response.status_code == 422, data
        assert message in response.get_data(as_text=True), data
    assert db.session.scalar(select(User).where(User.email == "x@ville-a.qc.ca")) is None


def test_change_role_and_deactivate(client, make):
    org, admin = _admin(client, make)
    luc = make.user(org, role="member")
    assert (
        client.post(f"/admin/orgs/{org.id}/members/{luc.id}/role", data={"role": "viewer"}).status_code == 303
    )
    assert (
        client.post(f"/admin/orgs/{org.id}/members/{luc.id}/active", data={"active": "0"}).status_code == 303
    )
    db.session.expire_all()
    assert db.session.scalar(select(Membership.role).where(Membership.user_id == luc.id)) == "viewer"
    assert db.session.get(User, luc.id).active is False
    # An admin cannot lock themself out.
    response = client.post(
        f"/admin/orgs/{org.id}/members/{admin.id}/active", data={"active": "0"}, follow_redirects=True
    )
    assert "propre compte" in response.get_data(as_text=True)
    assert db.session.get(User, admin.id).active is True


def test_one_organisation_cannot_deactivate_someone_who_works_elsewhere_too(client, make):
    org, _admin_user = _admin(client, make)
    region = make.region("mrc-x", "MRC X")
    coordinator = make.user(org, role="viewer", email="mrc@mrc-x.qc.ca", regional=region)
    shared = make.user(org, role="member", email="partage@ville.qc.ca")
    db.session.add(
        Membership(
            created_at=app_now(),
            user_id=shared.id,
            organisation_id=make.org("autre", "Autre").id,
            role="member",
        )
    )
    db.session.commit()
    for person in (coordinator, shared):
        response = client.post(
            f"/admin/orgs/{org.id}/members/{person.id}/active", data={"active": "0"}, follow_redirects=True
        )
        assert "le compte reste actif" in response.get_data(as_text=True)
        db.session.expire_all()
        assert db.session.get(User, person.id).active is True


def test_messages_about_a_person_read_well_in_french(client, make):
    """No « de Henri » nor « de Alain »: the wording needs no elision."""
    org, _ = _admin(client, make)
    henri = make.user(org, name="Henri Créé")
    members = client.get(f"/admin/orgs/{org.id}/members").get_data(as_text=True)
    assert "Rôle attribué à Henri Créé" in members
    role = client.post(
        f"/admin/orgs/{org.id}/members/{henri.id}/role", data={"role": "viewer"}, follow_redirects=True
    )
    assert "Rôle modifié pour Henri Créé." in role.get_data(as_text=True)
    off = client.post(
        f"/admin/orgs/{org.id}/members/{henri.id}/active", data={"active": "0"}, follow_redirects=True
    )
    assert "Compte désactivé pour Henri Créé." in off.get_data(as_text=True)
    on = client.post(
        f"/admin/orgs/{org.id}/members/{henri.id}/active", data={"active": "1"}, follow_redirects=True
    )
    assert "Compte réactivé pour Henri Créé." in on.get_data(as_text=True)


def test_members_page_is_404_for_non_admins_and_other_organisations(client, make):
    org = make.org()
    other_org = make.org()
    member = make.user(org, role="member")
    stranger = make.user(other_org, role="admin")
    client.login(member.email)
    assert client.get(f"/admin/orgs/{org.id}/members").status_code == 404
    assert client.get("/admin/").status_code == 404
    client.post("/logout")
    client.login(stranger.email)
    assert client.get(f"/admin/orgs/{org.id}/members").status_code == 404
    assert (
        client.post(f"/admin/orgs/{org.id}/members/{member.id}/active", data={"active": "0"}).status_code
        == 404
    )
