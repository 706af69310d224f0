"""The task page's in-place edit groups: which fields each form holds and how
its posted values are read. Validation itself is the services' job."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from tasking.core.errors import ServiceError
from tasking.core.validation import parse_id

# group → the task fields its form edits, in display order.
GROUPS: dict[str, tuple[str, ...]] = {
    "title": ("title",),
    "description": ("description",),
    "status": ("status", "blocked_reason"),
    "region_help": ("region_help", "region_help_reason"),
    "owner": ("owner_id",),
    "collaborators": ("collaborators",),
    "partners": ("partners",),
    "horizon": ("horizon", "level"),
    "dates": ("short_start", "short_end", "long_start", "long_end", "due_date"),
}


def read_group(group: str, form: MultiDict) -> dict[str, Any]:
    """The posted values of a group, as the services take them."""
    if group == "collaborators":
        try:
            ids = [parse_id(v) for v in form.getlist("collaborators") if v]
            if None in ids:
                raise ValueError("not an id")
            return {"collaborators": ids}
        except ValueError as exc:
            raise ServiceError(_("Unknown person."), "collaborators") from exc
    if group == "partners":
        return {"partners": [line for line in form.get("partners", "").splitlines() if line.strip()]}
    if group == "region_help":
        # An unticked box posts nothing: the request is withdrawn, its reason with it.
        asks = form.get("region_help") in ("1", "on")
        return {"region_help": asks, "region_help_reason": form.get("region_help_reason", "") if asks else ""}
    # A field left out of the post is left as it is (only forms name every field).
    values = {field: form[field] for field in GROUPS[group] if field in form}
    if group == "status" and values.get("status") != "blocked":
        # The reason only means something while the task is blocked.
        values.pop("blocked_reason", None)
    return values


def read_version(form: MultiDict) -> int:
    """The task version the form was built on; every edit must carry it."""
    version = parse_id(form.get("version"))
    if version is None:
        raise ServiceError(_("The form is damaged. Reload the page and try again."))
    return version
