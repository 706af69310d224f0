"""The organisation's webhooks page, for its admins: add, pause, remove, and
each webhook's latest deliveries with the receiver's answer."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_login import current_user, login_required

from tasking.core import clock
from tasking.core.errors import ServiceError
from tasking.core.permissions import org_admin_or_404
from tasking.core.sessions import recent_password_required
from tasking.core.transaction import attempt
from tasking.extensions import db
from tasking.models import Organisation, Webhook, WebhookDelivery
from tasking.webhooks import settings
from tasking.webhooks.delivery import recent_deliveries, retry_delivery
from tasking.webhooks.forms import EVENT_LABELS, FORMAT_LABELS, WebhookForm
from tasking.webhooks.queue import forget_webhooks

bp = Blueprint("webhooks", __name__, url_prefix="/admin/orgs/<int:org_id>/webhooks")


def _page(org_id: int, form: WebhookForm, status: int = 200):
    hooks = settings.webhooks_of(db.session, org_id)
    return (
        render_template(
            "webhooks/index.html",
            org_id=org_id,
            organisation=db.session.get(Organisation, org_id),
            form=form,
            webhooks=hooks,
            deliveries=recent_deliveries(db.session, [hook.id for hook in hooks]),
            event_labels=EVENT_LABELS,
            format_labels=FORMAT_LABELS,
        ),
        status,
    )


def _webhook_or_404(org_id: int, webhook_id: int) -> Webhook:
    webhook = db.session.get(Webhook, webhook_id)
    if webhook is None or webhook.organisation_id != org_id:
        abort(404)
    return webhook


def _back(org_id: int):
    return redirect(url_for("webhooks.index", org_id=org_id), code=303)


@bp.route("")
@login_required
def index(org_id: int):
    org_admin_or_404(db.session, current_user, org_id)
    return _page(org_id, WebhookForm(formdata=None))


@bp.route("", methods=["POST"])
@login_required
@recent_password_required
def add(org_id: int):
    org_admin_or_404(db.session, current_user, org_id)
    form = WebhookForm()
    if not form.validate():
        return _page(org_id, form, 422)
    try:
        with attempt():
            settings.add_webhook(
                db.session,
                actor=current_user,
                organisation_id=org_id,
                url=form.url.data,
                events=form.events.data or [],
                format=form.format.data,
                now=clock.now(),
            )
    except ServiceError as refused:
        getattr(form, refused.field or "url").errors = [refused.message]
        return _page(org_id, form, 422)
    forget_webhooks(db.session)
    return _back(org_id)


@bp.route("/<int:webhook_id>/active", methods=["POST"])
@login_required
def toggle(org_id: int, webhook_id: int):
    org_admin_or_404(db.session, current_user, org_id)
    webhook = _webhook_or_404(org_id, webhook_id)
    webhook.active = not webhook.active
    return _back(org_id)


@bp.route("/<int:webhook_id>/delete", methods=["POST"])
@login_required
def delete(org_id: int, webhook_id: int):
    org_admin_or_404(db.session, current_user, org_id)
    db.session.delete(_webhook_or_404(org_id, webhook_id))
    return _back(org_id)


@bp.route("/deliveries/<int:delivery_id>/retry", methods=["POST"])
@login_required
def retry(org_id: int, delivery_id: int):
    org_admin_or_404(db.session, current_user, org_id)
    delivery = db.session.get(WebhookDelivery, delivery_id)
    if delivery is None:
        abort(404)
    _webhook_or_404(org_id, delivery.webhook_id)
    retry_delivery(db.session, delivery, clock.now())
    return _back(org_id)
