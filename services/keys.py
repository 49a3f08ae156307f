"""The life of a secret API key: issue it once, list it without its secret, revoke, rotate."""

import hashlib
import hmac
import secrets
import string
from datetime import datetime, timedelta

from models import ApiKey, User, db

from .errors import Conflict, NotFound, PermissionDenied, RuleViolation
from .pagination import Page, paginate
from .recent_keys import RECENT_KEYS
from .text import clean_name
from .timeutil import require_supported

_KEY_ALPHABET = string.ascii_letters + string.digits
KEY_RANDOM_LENGTH = 40


def hash_key(raw_key: str, secret: str) -> str:
    """The keyed hash stored instead of the key."""
    return hmac.new(secret.encode(), raw_key.encode(), hashlib.sha256).hexdigest()


def _generate(mode: str) -> str:
    return f"sw_{mode}_" + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(KEY_RANDOM_LENGTH))


def issue_key(
    user: User,
    *,
    secret: str,
    name: str,
    scopes: list[str] | None = None,
    expires_at: datetime | None = None,
    mode: str = "live",
) -> tuple[ApiKey, str]:
    """Create a key for ``user``; return the stored row and the secret, which is never kept."""
    raw_key = _generate(mode)
    key = ApiKey.create(
        organization=user.organization_id,
        user=user,
        name=name,
        mode=mode,
        key_hash=hash_key(raw_key, secret),
        last_four=raw_key[-4:],
        scopes=None if scopes is None else sorted(set(scopes)),
        expires_at=expires_at,
    )
    return key, raw_key


def create_key(
    principal, *, secret: str, now: datetime, name: str, scopes=None, expires_at=None, mode=None
):
    """Issue a key for the caller's user, never with more power than the calling key has."""
    mode = mode or principal.mode
    if principal.mode == "test" and mode == "live":
        raise PermissionDenied(
            "A test-mode key cannot create live keys.",
            code="mode_escalation",
            details={"mode": mode},
        )
    _check_grantable(principal, scopes)
    name = clean_name(name, "name")
    if expires_at is not None and expires_at <= now:
        raise RuleViolation(
            "expiresAt must be in the future.",
            code="expiry_in_past",
            details={"expiresAt": "must be in the future"},
        )
    if expires_at is not None:
        require_supported(expires_at, "expiresAt")
    user = User.get_by_id(principal.user_id)
    return issue_key(
        user, secret=secret, name=name, scopes=scopes, expires_at=expires_at, mode=mode
    )


def list_keys(principal, *, now: datetime, page: int, limit: int) -> Page:
    """Keys of the caller's organization that still work or are in a rotation's grace period."""
    return paginate(ApiKey.visible(principal.organization_id, now), page, limit)


def revoke_key(principal, key_id: str, *, now: datetime) -> None:
    """Stop a key of the caller's organization at once."""
    revoke(_get_visible(principal, key_id, now).id, now=now)


def revoke(key_id: str, *, now: datetime) -> bool:
    """Stop a key at once, whatever its organization; False when no live key has that id."""
    RECENT_KEYS.forget(key_id)
    return bool(
        ApiKey.update(revoked_at=now)
        .where((ApiKey.id == key_id) & (ApiKey.revoked_at.is_null() | (ApiKey.revoked_at > now)))
        .execute()
    )


def rotate_key(
    principal, key_id: str, *, secret: str, now: datetime, grace_period_minutes: int = 0
):
    """Issue a successor with the same name and powers; the old key works for the grace period."""
    old = _get_visible(principal, key_id, now)
    if old.mode == "live" and principal.mode == "test":
        raise PermissionDenied(
            "A test-mode key cannot rotate live keys.",
            code="mode_escalation",
            details={"mode": old.mode},
        )
    _check_grantable(principal, old.scopes)
    if old.expires_at is not None and old.expires_at <= now:
        raise RuleViolation(
            "An expired key cannot be rotated; create a new key instead.",
            code="key_expired",
            details={"id": key_id},
        )
    RECENT_KEYS.forget(old.id)
    with db.atomic():
        # Conditional on revoked_at still being empty, so of two concurrent rotations one wins.
        retired = (
            ApiKey.update(revoked_at=now + timedelta(minutes=grace_period_minutes))
            .where((ApiKey.id == old.id) & ApiKey.revoked_at.is_null())
            .execute()
        )
        if not retired:
            raise Conflict(
                "This key is already being retired by an earlier rotation.",
                code="key_already_rotated",
                details={"id": key_id},
            )
        return issue_key(
            old.user,
            secret=secret,
            name=old.name,
            scopes=old.scopes,
            expires_at=old.expires_at,
            mode=old.mode,
        )


def _get_visible(principal, key_id: str, now: datetime) -> ApiKey:
    key = ApiKey.visible(principal.organization_id, now).where(ApiKey.id == key_id).first()
    if key is None:
        raise NotFound(f"No API key with id '{key_id}'.", details={"id": key_id})
    return key


def _check_grantable(principal, scopes) -> None:
    """A key may hand out only powers it holds itself."""
    if principal.full_access:
        return
    if scopes is None:
        raise PermissionDenied(
            "A key with limited scopes cannot create or rotate a full-access key.",
            code="scope_escalation",
            details={"scopes": "full access exceeds the calling key's scopes"},
        )
    missing = sorted(set(scopes) - set(principal.scopes))
    if missing:
        raise PermissionDenied(
            "A key cannot grant scopes it does not hold: " + ", ".join(missing) + ".",
            code="scope_escalation",
            details={"scopes": missing},
        )
