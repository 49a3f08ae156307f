"""Webhook endpoints: subscribe a URL to events, change it, rotate its secret, delete it."""

from datetime import datetime

from models import WebhookEndpoint, db

from ..lookup import oldest_first, owned
from ..pagination import Page, paginate
from . import signing, ssrf


def list_endpoints(principal, *, page: int, limit: int) -> Page:
    """The organization's endpoints, oldest first."""
    return paginate(oldest_first(WebhookEndpoint, principal.organization_id), page, limit)


def get_endpoint(principal, webhook_id: str) -> WebhookEndpoint:
    """An endpoint of the caller's organization; NotFound for any other id."""
    return owned(WebhookEndpoint, webhook_id, principal.organization_id, "webhook endpoint")


def create_endpoint(
    principal,
    *,
    url: str,
    events: list[str],
    description: str = "",
    active: bool = True,
    now: datetime,
    config: dict,
) -> tuple[WebhookEndpoint, str]:
    """Subscribe ``url`` to ``events``; return the endpoint and its secret, shown only now."""
    ssrf.resolve(url, allow_private=config["WEBHOOKS_ALLOW_PRIVATE"])
    secret = signing.new_secret()
    endpoint = WebhookEndpoint.create(
        organization=principal.organization_id,
        url=url,
        events=events,
        description=description,
        active=active,
        secret=secret,
        created_at=now,
        updated_at=now,
    )
    return endpoint, secret


def update_endpoint(
    principal,
    webhook_id: str,
    *,
    url=None,
    events=None,
    description=None,
    active=None,
    now: datetime,
    config: dict,
) -> WebhookEndpoint:
    """Change the fields given (None: unchanged); ``active: true`` forgives past failures."""
    endpoint = get_endpoint(principal, webhook_id)
    changes = {}
    if url is not None:
        ssrf.resolve(url, allow_private=config["WEBHOOKS_ALLOW_PRIVATE"])
        changes["url"] = url
    if events is not None:
        changes["events"] = events
    if description is not None:
        changes["description"] = description
    if active is not None:
        # The reason tells why Slotwise disabled it; re-enabling starts a fresh streak.
        changes.update(active=active, disabled_reason="")
        if active:
            changes["consecutive_failures"] = 0
    # Only these columns: a delivery may be counting a failure on the same row right now.
    WebhookEndpoint.update(**changes, updated_at=now).where(
        WebhookEndpoint.id == endpoint.id
    ).execute()
    return WebhookEndpoint.get_by_id(endpoint.id)


def delete_endpoint(principal, webhook_id: str) -> None:
    """Delete the endpoint with its deliveries and their attempts."""
    endpoint = get_endpoint(principal, webhook_id)
    with db.atomic():
        endpoint.delete_instance()


def rotate_secret(principal, webhook_id: str, *, now: datetime) -> tuple[WebhookEndpoint, str]:
    """Issue a new secret; the replaced one keeps signing deliveries for 24 hours."""
    endpoint = get_endpoint(principal, webhook_id)
    secret = signing.new_secret()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + signing.PREVIOUS_SECRET_LIFETIME
    endpoint.secret = secret
    endpoint.updated_at = now
    endpoint.save(
        only=[
            WebhookEndpoint.secret,
            WebhookEndpoint.previous_secret,
            WebhookEndpoint.previous_secret_expires_at,
            WebhookEndpoint.updated_at,
        ]
    )
    return endpoint, secret
