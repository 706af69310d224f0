"""The administrators' single sign-on page: the provider is checked
through its discovery document before anything is stored, the secret is
kept encrypted and never shown back, and passwords can be turned off only
by an administrator who came in through the provider."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from tasking.core.errors import ServiceError
from tasking.extensions import db
from tasking.models import OrgSso
from tasking.sso import sealing
from tasking.sso.services import save_settings
from tests.conftest import app_now
from tests.sso.conftest import CLIENT_ID, CLIENT_SECRET, sso_sign_in
from tests.sso.provider import Account

NBSP = "\u00a0"


def _form(provider, **changes: str) -> dict:
    values = {
        "issuer": provider.issuer,
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "provider_name": "Microsoft 365",
        "password_allowed": "1",
    }
    values.update(changes)
    return values


@pytest.fixture
def admin_client(make, client):
    org = make.org("ville-a", "Ville A")
    make.user(org, role="admin", email="admin@ville-a.qc.ca")
    client.login("admin@ville-a.qc.ca")
    client.org = org
    return client


def test_the_page_tells_what_to_register(admin_client):
    page = admin_client.get(f"/admin/orgs/{admin_client.org.id}/sso")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "http://retablir.test/login/sso/callback" in text
    assert "Authentification unique de Ville A" in text


def test_a_provider_is_saved_with_its_secret_encrypted(admin_client, provider):
    org_id = admin_client.org.id
    answer = admin_client.post(f"/admin/orgs/{org_id}/sso", data=_form(provider))
    assert answer.status_code == 303
    config = db.session.get(OrgSso, org_id)
    assert (config.issuer, config.client_id, config.password_allowed) == (provider.issuer, CLIENT_ID, True)
    assert CLIENT_SECRET not in config.client_secret_encrypted
    assert sealing.unseal(config.client_secret_encrypted) == CLIENT_SECRET
    page = admin_client.get(f"/admin/orgs/{org_id}/sso").get_data(as_text=True)
    assert CLIENT_SECRET not in page
    assert f"se termine par «{NBSP}0123{NBSP}»" in page
    # Left empty, the stored secret stays.
    again = admin_client.post(f"/admin/orgs/{org_id}/sso", data=_form(provider, client_secret=""))
    assert again.status_code == 303
    db.session.expire_all()
    assert sealing.unseal(db.session.get(OrgSso, org_id).client_secret_encrypted) == CLIENT_SECRET


@pytest.mark.parametrize(
    ("issuer", "message"),
    [
        ("", "Émetteur\u00a0: saisissez l’adresse du fournisseur."),
        ("pas une adresse", "Émetteur\u00a0: ce n’est pas une adresse valide"),
        ("ftp://login.example.com/tenant", "Émetteur\u00a0: l’adresse doit commencer par https://."),
        ("http://login.example.com/tenant", "Émetteur\u00a0: l’adresse doit commencer par https://."),
        ("https://login.example.com/t?x=1", "Émetteur\u00a0: ce n’est pas une adresse valide"),
        ("https://", "Émetteur\u00a0: ce n’est pas une adresse valide"),
        ("http://127.0.0.1:9/nobody", "Le fournisseur de connexion de votre organisation ne répond pas"),
    ],
)
def test_a_bad_issuer_is_a_form_error(admin_client, provider, issuer, message):
    answer = admin_client.post(f"/admin/orgs/{admin_client.org.id}/sso", data=_form(provider, issuer=issuer))
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert db.session.get(OrgSso, admin_client.org.id) is None


def test_http_on_loopback_needs_the_setting(admin_client, provider, app):
    app.config["SSO_HTTP_LOOPBACK"] = False
    answer = admin_client.post(f"/admin/orgs/{admin_client.org.id}/sso", data=_form(provider))
    assert answer.status_code == 422
    assert "Émetteur\u00a0: l’adresse doit commencer par https://." in answer.get_data(as_text=True)


def test_an_issuer_the_provider_does_not_state_is_refused(admin_client, provider):
    answer = admin_client.post(
        f"/admin/orgs/{admin_client.org.id}/sso",
        data=_form(provider, issuer=provider.issuer.replace("127.0.0.1", "localhost")),
    )
    assert answer.status_code == 422
    assert "le fournisseur déclare un autre émetteur" in answer.get_data(as_text=True)


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("client_id", "Identifiant client\u00a0: saisissez l’identifiant de l’application."),
        ("client_secret", "Secret client\u00a0: saisissez le secret fourni par le fournisseur."),
        ("provider_name", "Nom du fournisseur\u00a0: saisissez le nom affiché sur le bouton."),
    ],
)
def test_missing_values_are_form_errors(admin_client, provider, field, message):
    answer = admin_client.post(f"/admin/orgs/{admin_client.org.id}/sso", data=_form(provider, **{field: " "}))
    assert answer.status_code == 422
    assert message in answer.get_data(as_text=True)
    assert db.session.get(OrgSso, admin_client.org.id) is None


def test_passwords_go_off_only_after_signing_in_through_the_provider(admin_client, make_client, provider):
    org_id = admin_client.org.id
    assert admin_client.post(f"/admin/orgs/{org_id}/sso", data=_form(provider)).status_code == 303
    refused = admin_client.post(f"/admin/orgs/{org_id}/sso", data=_form(provider, password_allowed="0"))
    assert refused.status_code == 422
    assert "connectez-vous d’abord une fois avec ce fournisseur" in refused.get_data(as_text=True)
    assert db.session.get(OrgSso, org_id).password_allowed is True

    provider.account = Account("sub-admin", "admin@ville-a.qc.ca")
    through_provider = make_client()
    assert sso_sign_in(through_provider).status_code == 303
    through_provider.fetch_csrf(f"/admin/orgs/{org_id}/sso")
    answer = through_provider.post(f"/admin/orgs/{org_id}/sso", data=_form(provider, password_allowed="0"))
    assert answer.status_code == 303
    db.session.expire_all()
    assert db.session.get(OrgSso, org_id).password_allowed is False
    page = through_provider.get(f"/admin/orgs/{org_id}/sso").get_data(as_text=True)
    assert "Les membres se connectent uniquement avec le fournisseur." in page


def test_removing_single_sign_on(admin_client, make_client, provider):
    org_id = admin_client.org.id
    admin_client.post(f"/admin/orgs/{org_id}/sso", data=_form(provider))
    assert "Se connecter avec Microsoft 365 — Ville A" in make_client().get("/login").get_data(as_text=True)
    answer = admin_client.post(f"/admin/orgs/{org_id}/sso/remove")
    assert answer.status_code == 303
    assert db.session.get(OrgSso, org_id) is None
    admin_client.post("/logout")
    assert "Se connecter avec Microsoft 365" not in admin_client.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_only_the_organisations_admins_reach_the_page(make, make_client, provider, role):
    org = make.org("ville-a", "Ville A")
    other = make.org("ville-b", "Ville B")
    make.user(org, role=role, email="personne@ville-a.qc.ca")
    make.user(other, role="admin", email="admin@ville-b.qc.ca")
    for email in ("personne@ville-a.qc.ca", "admin@ville-b.qc.ca"):
        client = make_client()
        client.login(email)
        assert client.get(f"/admin/orgs/{org.id}/sso").status_code == 404
        assert client.post(f"/admin/orgs/{org.id}/sso", data=_form(provider)).status_code == 404
        assert client.post(f"/admin/orgs/{org.id}/sso/remove").status_code == 404
    assert db.session.get(OrgSso, org.id) is None
    anonymous = make_client()
    assert "/login" in anonymous.get(f"/admin/orgs/{org.id}/sso").headers["Location"]


def test_the_operator_lets_passwords_in_again(runner, town):
    db.session.get(OrgSso, town.org.id).password_allowed = False
    db.session.commit()
    result = runner.invoke(args=["sso", "allow-passwords", "--org", "ville-a"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.get(OrgSso, town.org.id).password_allowed is True


@pytest.mark.parametrize("slug", ["ville-z", "ville-b"])
def test_allow_passwords_refuses_an_organisation_without_it(runner, make, town, slug):
    make.org("ville-b", "Ville B")
    result = runner.invoke(args=["sso", "allow-passwords", "--org", slug])
    assert result.exit_code == 1
    assert result.output.count("\n") == 1


def _saved_with(make, stated_issuer: str, typed: str):
    org = make.org("ville-c", "Ville C")
    admin = make.user(org, role="admin", email="admin@ville-c.qc.ca")
    values = {
        "issuer": typed,
        "client_id": "app",
        "client_secret": "s3cret",
        "provider_name": "Microsoft 365",
    }
    return save_settings(
        db.session,
        actor=admin,
        organisation=org,
        values=values,
        proven=False,
        discover=lambda issuer: {"issuer": stated_issuer},
        now=app_now(),
    )


def test_an_entra_tenant_named_by_its_domain_keeps_the_issuer_entra_states(make):
    tenant = "https://login.microsoftonline.com/0b5f2a6c-8f4e-4b1d-9a43-3c1f6a2d7e10/v2.0"
    config = _saved_with(make, tenant, "https://login.microsoftonline.com/ville-c.qc.ca/v2.0/")
    assert config.issuer == tenant


def test_entras_multi_tenant_address_is_refused(make):
    with pytest.raises(ServiceError, match="sert plusieurs locataires") as refused:
        _saved_with(
            make,
            "https://login.microsoftonline.com/{tenantid}/v2.0",
            "https://login.microsoftonline.com/common/v2.0",
        )
    assert refused.value.field == "issuer"


def _sealed_under_another_key() -> str:
    """What a changed SECRET_KEY leaves behind."""
    return Fernet(Fernet.generate_key()).encrypt(b"secret").decode()


def test_a_secret_the_server_can_no_longer_read_is_said(client, town):
    db.session.get(OrgSso, town.org.id).client_secret_encrypted = _sealed_under_another_key()
    db.session.commit()
    sso_sign_in(client)
    page = client.get("/login").get_data(as_text=True)
    assert "la clé secrète du serveur a changé depuis son réglage" in page


def test_check_names_a_secret_the_key_no_longer_reads(runner, town, make, provider):
    other = make.org("ville-b", "Ville B")
    admin_b = make.user(other, role="admin", email="admin@ville-b.qc.ca")
    values = {
        "issuer": provider.issuer,
        "client_id": "b",
        "client_secret": "secret-b",
        "provider_name": "Entra",
    }
    save_settings(
        db.session,
        actor=admin_b,
        organisation=other,
        values=values,
        proven=False,
        discover=lambda issuer: {"issuer": issuer},
        now=app_now(),
        http_loopback=True,
    )
    db.session.get(OrgSso, town.org.id).client_secret_encrypted = _sealed_under_another_key()
    db.session.commit()
    output = runner.invoke(args=["check"]).output
    assert "Le secret client de l’authentification unique de Ville A ne peut être lu" in output
    assert "Ville B" not in output
