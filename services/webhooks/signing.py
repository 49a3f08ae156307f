"""Signing secrets, the delivery body, and the headers that let a receiver verify it."""

import hashlib
import hmac
import json
import secrets
import string
from datetime import datetime, timedelta

from models import DomainEvent, WebhookEndpoint

from ..timeutil import format_timestamp

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_RANDOM_LENGTH = 40
_ALPHABET = string.ascii_letters + string.digits
# How long deliveries stay signed with the secret a rotation replaced.
PREVIOUS_SECRET_LIFETIME = timedelta(hours=24)
USER_AGENT = "Slotwise-Webhooks/1"


def new_secret() -> str:
    return SECRET_PREFIX + "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_RANDOM_LENGTH))


def event_body(event: DomainEvent) -> bytes:
    """The exact bytes that are sent and signed."""
    body = {
        "id": event.id,
        "type": event.type,
        "createdAt": format_timestamp(event.created_at),
        "data": event.data,
    }
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The current secret, then the one it replaced while that one is still honoured."""
    found = [endpoint.secret]
    expires_at = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires_at is not None and now < expires_at:
        found.append(endpoint.previous_secret)
    return found


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(body: bytes, timestamp: int, secrets_: list[str]) -> str:
    """``t=<unix seconds>,v1=<hex>[,v1=<hex>]``: one ``v1`` per secret."""
    return ",".join(
        [f"t={timestamp}", *(f"v1={signature(secret, timestamp, body)}" for secret in secrets_)]
    )


def delivery_headers(
    endpoint: WebhookEndpoint, event: DomainEvent, body: bytes, now: datetime
) -> dict[str, str]:
    timestamp = int(now.timestamp())
    return {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Slotwise-Event-Id": event.id,
        "Slotwise-Signature": signature_header(body, timestamp, signing_secrets(endpoint, now)),
    }
