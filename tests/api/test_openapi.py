"""The OpenAPI document describes every API route, and the answers match it."""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl

from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from werkzeug.datastructures import MultiDict

from tests.api.conftest import bearer
from tests.conftest import app_now


def _document(client) -> dict:  # noqa: ANN001
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    return answer.json


def test_every_api_route_is_in_the_document(app, client):
    document = _document(client)
    assert document["openapi"] == "3.1.0"
    documented = {
        (path, method.upper())
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    }
    routes = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert len(routes) >= 14
    assert routes == documented


def _check(spec: OpenAPI, method: str, path: str, answer) -> None:  # noqa: ANN001
    """Validate the answer against the operation's response in the document."""
    path, _sep, query = path.partition("?")
    request = MockRequest("http://localhost", method.lower(), path, args=MultiDict(parse_qsl(query)))
    response = MockResponse(answer.data, status_code=answer.status_code, content_type=answer.mimetype)
    spec.validate_response(request, response)


def test_answers_match_their_schemas(app, client, world):
    # Problem documents are JSON too (RFC 9457).
    config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
    spec = OpenAPI.from_dict(_document(client), config=config)
    secret = world.token(world.owner)
    task = world.tasks[0]
    today = app_now().date().isoformat()
    calls = [
        ("GET", "/api/v1/organisations", None),
        ("GET", f"/api/v1/organisations/{world.org.id}/plans", None),
        ("GET", f"/api/v1/plans/{world.plan.id}", None),
        ("GET", f"/api/v1/plans/{world.plan.id}/themes", None),
        ("GET", f"/api/v1/plans/{world.plan.id}/tasks?limit=2&status=todo&status=done", None),
        ("GET", f"/api/v1/tasks/{task.id}", None),
        ("POST", f"/api/v1/tasks/{task.id}/comments", {"body": "Fait."}),
        ("GET", f"/api/v1/tasks/{task.id}/comments", None),
        ("GET", f"/api/v1/tasks/{task.id}/history", None),
        ("PATCH", f"/api/v1/tasks/{task.id}", {"version": task.version, "status": "in_progress"}),
        ("PATCH", f"/api/v1/tasks/{task.id}", {"version": 1, "status": "done"}),
        ("POST", f"/api/v1/tasks/{task.id}/updates", {"version": task.version + 1, "health": "on_track"}),
        ("GET", f"/api/v1/tasks/{task.id}/updates", None),
        ("GET", f"/api/v1/tasks/{task.id}/targets", None),
        ("GET", f"/api/v1/tasks/{world.other_plan.id + 999}", None),
    ]
    statuses = []
    for method, path, body in calls:
        answer = client.open(path, method=method, json=body, headers=bearer(secret))
        statuses.append(answer.status_code)
        _check(spec, method, path, answer)
    target_id = client.get(f"/api/v1/tasks/{task.id}/targets", headers=bearer(secret)).json[0]["id"]
    answer = client.post(
        f"/api/v1/targets/{target_id}/measurements",
        json={"value": 5, "measured_on": today},
        headers=bearer(secret),
    )
    _check(spec, "POST", f"/api/v1/targets/{target_id}/measurements", answer)
    assert statuses == [200] * 6 + [201, 200, 200, 200, 409, 201, 200, 200, 404]


def test_the_documentation_page(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "L’API de Rétablir" in text
    assert "PATCH /api/v1/tasks/{task_id}" in text
    assert 'id="schema-Task"' in text
