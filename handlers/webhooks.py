"""Webhooks: endpoints, their secrets, test pings and the delivery log."""

from flask import current_app

from models import utcnow
from services import webhooks
from services.schemas.base import page_of
from services.schemas.webhooks import (
    WebhookDeliverySchema,
    WebhookSchema,
    delivery_detail,
    with_secret,
)

from .context import principal

WEBHOOK_DELIVERY_SCHEMA = WebhookDeliverySchema()
WEBHOOK_SCHEMA = WebhookSchema()


def list_webhooks(page: int = 1, limit: int = 20):
    """List the organization's webhook endpoints, oldest first."""
    return page_of(
        webhooks.list_endpoints(principal(), page=page, limit=limit), WEBHOOK_SCHEMA
    ), 200


def create_webhook(body: dict):
    """Subscribe a URL to events and show its signing secret this once."""
    endpoint, secret = webhooks.create_endpoint(
        principal(),
        url=body["url"],
        events=body["events"],
        description=body.get("description", ""),
        active=body.get("active", True),
        now=utcnow(),
        config=current_app.config,
    )
    return with_secret(endpoint, secret), 201


def get_webhook(webhook_id: str):
    """Return one endpoint, without its secret."""
    return WEBHOOK_SCHEMA.dump(webhooks.get_endpoint(principal(), webhook_id)), 200


def update_webhook(webhook_id: str, body: dict):
    """Change the given fields of an endpoint; ``active: true`` re-enables it."""
    endpoint = webhooks.update_endpoint(
        principal(),
        webhook_id,
        url=body.get("url"),
        events=body.get("events"),
        description=body.get("description"),
        active=body.get("active"),
        now=utcnow(),
        config=current_app.config,
    )
    return WEBHOOK_SCHEMA.dump(endpoint), 200


def delete_webhook(webhook_id: str):
    """Delete an endpoint and its delivery log."""
    webhooks.delete_endpoint(principal(), webhook_id)
    return None, 204


def rotate_secret(webhook_id: str):
    """Issue a new signing secret; the old one also signs deliveries for 24 hours."""
    endpoint, secret = webhooks.rotate_secret(principal(), webhook_id, now=utcnow())
    return with_secret(endpoint, secret), 200


def test_webhook(webhook_id: str):
    """Send a signed ping to the endpoint now and return its delivery."""
    delivery = webhooks.send_ping(principal(), webhook_id, now=utcnow(), config=current_app.config)
    return WEBHOOK_DELIVERY_SCHEMA.dump(delivery), 200


def list_deliveries(webhook_id: str, status: str | None = None, page: int = 1, limit: int = 20):
    """List an endpoint's deliveries, newest first."""
    found = webhooks.list_deliveries(principal(), webhook_id, status=status, page=page, limit=limit)
    return page_of(found, WEBHOOK_DELIVERY_SCHEMA), 200


def get_delivery(webhook_id: str, delivery_id: str):
    """Return a delivery with every attempt made."""
    delivery = webhooks.get_delivery(principal(), webhook_id, delivery_id)
    return delivery_detail(delivery, webhooks.attempts_of(delivery)), 200


def redeliver(webhook_id: str, delivery_id: str):
    """Queue a delivery again, whatever its state."""
    delivery = webhooks.redeliver(principal(), webhook_id, delivery_id, now=utcnow())
    return WEBHOOK_DELIVERY_SCHEMA.dump(delivery), 202
