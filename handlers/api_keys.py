"""Secret API keys."""

from models import utcnow
from services import keys
from services.schemas.accounts import ApiKeySchema
from services.schemas.base import page_of
from services.timeutil import parse_timestamp

from .context import principal, secret_key

API_KEY_SCHEMA = ApiKeySchema()


def _with_secret(key, raw_key: str) -> dict:
    return {**API_KEY_SCHEMA.dump(key), "key": raw_key}


def list_keys(page: int = 1, limit: int = 20):
    """List the organization's live keys without their secrets."""
    return page_of(
        keys.list_keys(principal(), now=utcnow(), page=page, limit=limit), API_KEY_SCHEMA
    ), 200


def create_key(body: dict):
    """Create a key and show its secret this once."""
    expires_at = body.get("expiresAt")
    key, raw_key = keys.create_key(
        principal(),
        secret=secret_key(),
        now=utcnow(),
        name=body["name"],
        scopes=body.get("scopes"),
        expires_at=parse_timestamp(expires_at, "expiresAt") if expires_at else None,
        mode=body.get("mode"),
    )
    return _with_secret(key, raw_key), 201


def revoke_key(key_id: str):
    """Revoke a key with immediate effect."""
    keys.revoke_key(principal(), key_id, now=utcnow())
    return None, 204


def rotate_key(key_id: str, body: dict | None = None):
    """Issue a successor key and retire this one after the grace period."""
    key, raw_key = keys.rotate_key(
        principal(),
        key_id,
        secret=secret_key(),
        now=utcnow(),
        grace_period_minutes=(body or {}).get("gracePeriodMinutes", 0),
    )
    return _with_secret(key, raw_key), 201
