"""Personal access tokens: shown once, stored hashed, expiring, revocable,
never more than their owner, and rate-limited."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from tasking.extensions import db
from tasking.models import ApiToken
from tests.api.conftest import bearer
from tests.conftest import app_now


def _newest() -> ApiToken:
    return db.session.scalars(select(ApiToken).order_by(ApiToken.id.desc()).limit(1)).one()


def _create(client, **fields):  # noqa: ANN001, ANN003
    data = {"name": "Rapport du conseil", "scope": "read", "expires_on": "2027-02-01", **fields}
    return client.post("/account/tokens", data={**data, "csrf_token": client.csrf})


def test_a_token_is_shown_once_and_stored_hashed(client, world):
    client.login(world.owner.email)
    page = _create(client)
    assert page.status_code == 201
    secret = re.search(r'class="token-secret" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert secret.startswith("rtb_")
    again = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in again
    assert "Rapport du conseil" in again
    never = again.count("<td>Jamais</td>")
    row = _newest()
    assert secret not in (row.secret_hash, row.prefix) and secret.startswith(row.prefix)
    assert client.get("/api/v1/organisations", headers=bearer(secret)).status_code == 200
    listed = client.get("/account/tokens").get_data(as_text=True)
    assert listed.count("<td>Jamais</td>") == never - 1


def test_refused_token_forms_say_why(client, world):
    client.login(world.owner.email)
    for fields, sentence in (
        ({"name": ""}, "Donnez un nom au jeton."),
        ({"expires_on": "2026-11-01"}, "La date d’expiration doit être dans le futur."),
        ({"expires_on": "2028-06-01"}, "Un jeton vit au plus un an."),
    ):
        page = _create(client, **fields)
        assert page.status_code == 422
        assert sentence in page.get_data(as_text=True)
    assert [t.name for t in db.session.scalars(select(ApiToken))] == ["Frédéric Tremblay write"]


def test_a_revoked_token_stops_working(client, world):
    secret = world.token(world.owner)
    client.login(world.owner.email)
    token = _newest()
    answer = client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": client.csrf})
    assert answer.status_code == 303
    refused = client.get("/api/v1/organisations", headers=bearer(secret))
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    assert refused.json["detail"] == "Ce jeton est inconnu, expiré ou révoqué."
    assert "Révoqué" in client.get("/account/tokens").get_data(as_text=True)


def test_nobody_revokes_someone_elses_token(client, world):
    world.token(world.owner)
    token = _newest()
    client.login(world.admin.email)
    assert (
        client.post(f"/account/tokens/{token.id}/revoke", data={"csrf_token": client.csrf}).status_code == 422
    )
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_an_expired_token_stops_working(client, world, clock):
    secret = world.token(world.owner, days=3)
    assert client.get("/api/v1/organisations", headers=bearer(secret)).status_code == 200
    clock.set(app_now() + timedelta(days=3))
    assert client.get("/api/v1/organisations", headers=bearer(secret)).status_code == 401


def test_a_deactivated_persons_tokens_stop_working(client, world):
    secret = world.token(world.owner)
    world.owner.active = False
    db.session.commit()
    assert client.get("/api/v1/organisations", headers=bearer(secret)).status_code == 401


def test_no_token_or_a_malformed_one(client, world):
    assert client.get("/api/v1/organisations").status_code == 401
    assert client.get("/api/v1/organisations", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/api/v1/organisations", headers=bearer("rtb_nothing")).status_code == 401


def test_calls_are_limited_per_token(app, client, world):
    app.config["API_RATE_LIMIT"] = "3 per hour"
    first, second = world.token(world.owner), world.token(world.admin)
    answers = [client.get("/api/v1/organisations", headers=bearer(first)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert answers[-1].mimetype == "application/problem+json"
    assert client.get("/api/v1/organisations", headers=bearer(second)).status_code == 200
