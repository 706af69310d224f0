"""The API's rate limit counts the API's calls only: pages and fragments
skip the limiter, and never use up a token's allowance."""

from __future__ import annotations

from tests.api.conftest import bearer


def test_pages_do_not_count_against_the_api_limit(app, client, world):
    app.config["API_RATE_LIMIT"] = "3 per hour"
    secret = world.token(world.owner)
    for _ in range(5):
        assert client.get("/healthz", headers=bearer(secret)).status_code in (200, 503)
        assert client.get("/login", headers=bearer(secret)).status_code == 200
    answers = [client.get("/api/v1/organisations", headers=bearer(secret)) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert "X-RateLimit-Limit" not in client.get("/login").headers
    assert answers[0].headers["X-RateLimit-Limit"] == "3"
