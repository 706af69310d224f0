"""What the security log says, in the reader's language: the kinds of event
and a line of detail for each."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from tasking.core import security_log as log

KIND_LABELS = {
    log.SIGN_IN: _l("Sign-in"),
    log.SIGN_IN_FAILED: _l("Failed sign-in"),
    log.SIGN_OUT: _l("Sign-out"),
    log.SESSION_EXPIRED: _l("Session ended"),
    log.PASSWORD_CHANGED: _l("Password changed"),
    log.PASSWORD_RESET_REQUESTED: _l("Password reset link requested"),
    log.PASSWORD_RESET: _l("Password reset"),
    log.INVITATION_ACCEPTED: _l("Invitation accepted"),
    log.TWO_FACTOR_ENABLED: _l("Two-factor sign-in turned on"),
    log.TWO_FACTOR_DISABLED: _l("Two-factor sign-in turned off"),
    log.RECOVERY_CODE_USED: _l("Recovery code used"),
    log.RECOVERY_CODES_REGENERATED: _l("New recovery codes"),
    log.SECURITY_KEY_ADDED: _l("Security key added"),
    log.SECURITY_KEY_REMOVED: _l("Security key removed"),
    log.MEMBER_INVITED: _l("Member invited"),
    log.MEMBER_ADDED: _l("Member added"),
    log.ROLE_CHANGED: _l("Role changed"),
    log.ACCOUNT_DEACTIVATED: _l("Account deactivated"),
    log.ACCOUNT_REACTIVATED: _l("Account reactivated"),
    log.ORG_TWO_FACTOR_RULE: _l("Two-factor rule for administrators"),
    log.PRIVACY_NOTICE_PUBLISHED: _l("Privacy notice published"),
    log.EXPORT: _l("Export"),
    log.IMPORT: _l("Import"),
    log.API_TOKEN_CREATED: _l("API token created"),
    log.API_TOKEN_REVOKED: _l("API token revoked"),
}

REASONS = {
    "wrong_password": _l("wrong password"),
    "unknown_email": _l("no account uses this address"),
    "deactivated": _l("deactivated account"),
    "paused": _l("sign-in paused after too many failures"),
    "wrong_code": _l("wrong code"),
    "wrong_key": _l("security key refused"),
    "password_off": _l("password sign-in turned off by the organisation"),
    "sso_refused": _l("refused after single sign-on"),
    "idle": _l("inactivity"),
    "lifetime": _l("maximum length reached"),
    "unknown": _l("session from an earlier version"),
}

ROLES = {"admin": _l("administrator"), "member": _l("member"), "viewer": _l("viewer")}

WHAT = {
    "plan": _l("plan"),
    "tasks": _l("tasks"),
    "minutes": _l("meeting minutes"),
    "security_log": _l("security log"),
    "personal_data": _l("personal data"),
    "incidents": _l("confidentiality incident register"),
}


def kind_label(kind: str) -> str:
    label = KIND_LABELS.get(kind)
    return str(label) if label is not None else kind


def _role(value: Any) -> str:
    return str(ROLES.get(value, value or "—"))


def _yes_no(value: Any) -> str:
    return _("required") if value else _("not required")


def describe(kind: str, detail: dict[str, Any] | None) -> str:
    """One line on what the event's detail holds, or ""."""
    detail = detail or {}
    if kind == log.SIGN_IN_FAILED:
        reason = str(REASONS.get(detail.get("reason"), detail.get("reason") or ""))
        if detail.get("message"):
            reason = f"{reason} ({detail['message']})"
        return _("%(reason)s; address typed: %(email)s", reason=reason, email=detail.get("email") or "—")
    if kind == log.SESSION_EXPIRED:
        return str(REASONS.get(detail.get("reason"), ""))
    if kind == log.SIGN_IN:
        return _sign_in(detail)
    if kind == log.ROLE_CHANGED:
        return f"{_role(detail.get('before'))} → {_role(detail.get('after'))}"
    if kind == log.ORG_TWO_FACTOR_RULE:
        return f"{_yes_no(detail.get('before'))} → {_yes_no(detail.get('after'))}"
    if kind in (log.MEMBER_INVITED, log.MEMBER_ADDED):
        return _("%(email)s as %(role)s", email=detail.get("email") or "—", role=_role(detail.get("role")))
    if kind in (log.EXPORT, log.IMPORT):
        return _exchange(detail)
    if kind == log.PRIVACY_NOTICE_PUBLISHED:
        return _("version %(version)s", version=detail.get("version"))
    if kind in (log.SECURITY_KEY_ADDED, log.SECURITY_KEY_REMOVED):
        return _("key « %(name)s »", name=detail.get("name") or "—")
    if kind in (log.API_TOKEN_CREATED, log.API_TOKEN_REVOKED):
        return _("token « %(name)s »", name=detail.get("name") or "—")
    return ""


def _sign_in(detail: dict[str, Any]) -> str:
    methods = {"password": _("password"), "link": _("from an e-mailed link"), "sso": _("single sign-on")}
    method = detail.get("method")
    parts = [methods.get(method, str(method or ""))]
    factor = detail.get("second_factor")
    if factor == "app":
        parts.append(_("authenticator app code"))
    elif factor == "recovery_code":
        parts.append(_("recovery code"))
    elif factor == "security_key":
        parts.append(_("security key"))
    if detail.get("remember"):
        parts.append(_("stay signed in"))
    return ", ".join(part for part in parts if part)


def _exchange(detail: dict[str, Any]) -> str:
    what = str(WHAT.get(detail.get("what"), detail.get("what") or ""))
    parts = [what]
    if detail.get("format"):
        parts.append(str(detail["format"]).upper())
    if detail.get("filename"):
        parts.append(str(detail["filename"]))
    if detail.get("rows") is not None:
        parts.append(ngettext("%(num)d row", "%(num)d rows", int(detail["rows"])))
    return ", ".join(part for part in parts if part)
