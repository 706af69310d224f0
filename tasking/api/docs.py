"""The API's documentation as a page of the app, drawn from the same OpenAPI
document the code generates (no script from elsewhere: the page keeps the
app's content security policy)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1")

METHODS = ("get", "post", "patch", "put", "delete")


def openapi_document() -> dict[str, Any]:
    return current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()


def _schema_name(schema: dict[str, Any] | None) -> str | None:
    """« TaskSchema » for a reference (or a list of them: « [TaskSchema] »)."""
    if not schema:
        return None
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array" and "items" in schema:
        inner = _schema_name(schema["items"])
        return f"[{inner}]" if inner else None
    return None


def _body_schema(part: dict[str, Any]) -> str | None:
    return _schema_name(part.get("content", {}).get("application/json", {}).get("schema"))


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    """Every operation in path order, flattened for the template."""
    found = []
    for path, item in document.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method not in item:
                continue
            operation = item[method]
            found.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": operation.get("summary", ""),
                    "description": operation.get("description", ""),
                    "parameters": shared + operation.get("parameters", []),
                    "body": _body_schema(operation.get("requestBody", {})),
                    "responses": [
                        (code, response.get("description", ""), _body_schema(response))
                        for code, response in operation.get("responses", {}).items()
                    ],
                }
            )
    return found


@bp.route("/docs")
def index():
    document = openapi_document()
    schemas = document.get("components", {}).get("schemas", {})
    return render_template(
        "api/docs.html", document=document, operations=operations(document), schemas=schemas
    )
