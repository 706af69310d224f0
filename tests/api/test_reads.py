"""Reading through the API: only what the token's owner may see, filtered and
paged like the board, in a fixed number of queries."""

from __future__ import annotations

from tests.api.conftest import bearer


def test_organisations_are_those_the_owner_reads(client, world):
    answer = client.get("/api/v1/organisations", headers=bearer(world.token(world.owner)))
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "no-store"
    assert [(o["name"], o["role"]) for o in answer.json] == [("Ville de Démo", "member")]


def test_plan_themes_and_objectives(client, world):
    secret = world.token(world.viewer, scope="read")
    plans = client.get(f"/api/v1/organisations/{world.org.id}/plans", headers=bearer(secret)).json
    assert [p["id"] for p in plans] == [world.plan.id]
    themes = client.get(f"/api/v1/plans/{world.plan.id}/themes", headers=bearer(secret)).json
    assert [t["title"] for t in themes] == ["Enjeux sociaux", "Économie"]
    assert [len(t["objectives"]) for t in themes] == [1, 1]


def test_another_organisation_is_not_found(client, world):
    secret = world.token(world.owner)
    for path in (
        f"/api/v1/plans/{world.other_plan.id}",
        f"/api/v1/plans/{world.other_plan.id}/tasks",
        f"/api/v1/organisations/{world.other_org.id}/plans",
    ):
        answer = client.get(path, headers=bearer(secret))
        assert answer.status_code == 404, path
        assert answer.mimetype == "application/problem+json"
        assert answer.json["status"] == 404 and answer.json["detail"]


def test_tasks_filtered_like_the_board(client, world):
    secret = world.token(world.owner)
    path = f"/api/v1/plans/{world.plan.id}/tasks"

    def titles(query: str) -> list[str]:
        answer = client.get(f"{path}?{query}", headers=bearer(secret))
        assert answer.status_code == 200, answer.json
        return [task["title"] for task in answer.json["items"]]

    assert titles("") == ["Appeler les aînés", "Ouvrir la halte", "Bloquée", "Terminée", "Sans responsable"]
    assert titles("status=blocked&status=done") == ["Bloquée", "Terminée"]
    assert titles("owner=me") == ["Appeler les aînés", "Ouvrir la halte", "Terminée"]
    assert titles(f"owner={world.admin.id}") == ["Bloquée"]
    assert titles("overdue=true") == ["Appeler les aînés"]
    assert "Appeler les aînés" not in titles("overdue=false")
    theme_id = client.get(f"/api/v1/plans/{world.plan.id}/themes", headers=bearer(secret)).json[1]["id"]
    assert titles(f"theme={theme_id}") == ["Terminée", "Sans responsable"]
    assert titles("updated_since=2030-01-01T00:00:00Z") == []


def test_tasks_come_a_page_at_a_time(client, world):
    secret = world.token(world.owner)
    seen, cursor, pages = [], None, 0
    while True:
        query = "limit=2" + (f"&cursor={cursor}" if cursor else "")
        answer = client.get(f"/api/v1/plans/{world.plan.id}/tasks?{query}", headers=bearer(secret))
        pages += 1
        seen += [task["id"] for task in answer.json["items"]]
        cursor = answer.json["next_cursor"]
        if cursor is None:
            assert "Link" not in answer.headers
            break
        assert 'rel="next"' in answer.headers["Link"]
    assert pages == 3
    assert seen == [task.id for task in world.tasks]


def test_a_cursor_not_given_by_the_api_is_refused(client, world):
    answer = client.get(
        f"/api/v1/plans/{world.plan.id}/tasks?cursor=%%%", headers=bearer(world.token(world.owner))
    )
    assert answer.status_code == 422
    assert answer.json["field"] == "cursor"


def test_invalid_query_values_are_named(client, world):
    answer = client.get(
        f"/api/v1/plans/{world.plan.id}/tasks?status=finished&limit=0",
        headers=bearer(world.token(world.owner)),
    )
    assert answer.status_code == 422
    assert answer.mimetype == "application/problem+json"
    assert set(answer.json["errors"]["query"]) == {"status", "limit"}


def test_a_task_its_history_comments_targets_and_updates(client, world):
    secret = world.token(world.owner)
    task = world.tasks[0]
    body = client.get(f"/api/v1/tasks/{task.id}", headers=bearer(secret)).json
    assert body["title"] == "Appeler les aînés"
    assert body["owner"] == {"id": world.owner.id, "name": "Frédéric Tremblay"}
    assert body["url"].endswith(f"/tasks/{task.id}")
    client.post(
        f"/api/v1/tasks/{task.id}/comments", json={"body": "Premier appel fait."}, headers=bearer(secret)
    )
    comments = client.get(f"/api/v1/tasks/{task.id}/comments", headers=bearer(secret)).json
    assert [c["body"] for c in comments] == ["Premier appel fait."]
    history = client.get(f"/api/v1/tasks/{task.id}/history", headers=bearer(secret)).json
    assert history[0]["kind"] == "comment" and history[0]["actor"] == "Frédéric Tremblay"
    targets = client.get(f"/api/v1/tasks/{task.id}/targets", headers=bearer(secret)).json
    assert [(t["text"], t["target_value"], t["measurements"]) for t in targets] == [
        ("Aînés joints", 100.0, [])
    ]
    assert client.get(f"/api/v1/tasks/{task.id}/updates", headers=bearer(secret)).json == []


def test_listing_tasks_costs_the_same_for_more_tasks(client, world, count_queries):
    secret = world.token(world.owner)
    client.get(f"/api/v1/plans/{world.plan.id}/tasks", headers=bearer(secret))  # notes the token's first use
    with count_queries() as counted:
        client.get(f"/api/v1/plans/{world.plan.id}/tasks?limit=1", headers=bearer(secret))
    few = counted.count
    with count_queries() as counted:
        client.get(f"/api/v1/plans/{world.plan.id}/tasks", headers=bearer(secret))
    assert counted.count == few <= 8
