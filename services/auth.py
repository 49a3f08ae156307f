"""Who is calling: turn a presented secret key into a principal, and check its scopes.

Login tokens (services.logins) become principals too, with scopes by role.
"""

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from models import ApiKey, Organization

from .errors import AuthenticationFailed, PermissionDenied
from .keys import hash_key
from .recent_keys import RECENT_KEYS


def effective_plan(organization: Organization, mode: str) -> str:
    """The plan whose limits apply: test-mode keys always get the free plan's."""
    return "free" if mode == "test" else organization.plan


SCOPES = (
    "bookings:read",
    "bookings:write",
    "contacts:read",
    "contacts:write",
    "event-types:read",
    "event-types:write",
    "schedules:read",
    "schedules:write",
    "webhooks:manage",
    "keys:manage",
    "team:read",
    "team:write",
    "billing:read",
    "billing:write",
    "workflows:manage",
)

NO_API_KEY = (
    "No API key provided. Send it as 'Authorization: Bearer <key>', "
    "as the Basic auth password, or in the X-Api-Key header."
)
NO_WIDGET_KEY = (
    "No widget key provided. Send it in the X-Widget-Key header or the widgetKey query parameter."
)

SECRET_KEY_PATTERN = re.compile(r"sw_(live|test)_[A-Za-z0-9]{32,128}")
WIDGET_KEY_PREFIX = "sw_pub_"

# Compared against when no key has the digest, so that a miss does the work of a hit.
_NO_SUCH_KEY_HASH = "0" * 64

# lastUsedAt is a hint, not an audit log: refreshing it at most this often keeps
# authentication free of a write on nearly every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


# What a login token may do, by its user's role (API keys carry their own scopes).
# None is full access. A token re-reads its user's role on every request.
_OWNER_ONLY = ("keys:manage", "billing:write")
_MEMBER_WRITES = ("bookings:write", "contacts:write")
ROLE_SCOPES: dict[str, tuple[str, ...] | None] = {
    "owner": None,
    "admin": tuple(scope for scope in SCOPES if scope not in _OWNER_ONLY),
    "member": tuple(
        scope
        for scope in SCOPES
        if (scope.endswith(":read") and scope != "billing:read") or scope in _MEMBER_WRITES
    ),
}


def scopes_of_role(role: str) -> tuple[str, ...] | None:
    """The scopes a login token of a user with this role has; an unknown role has none."""
    return ROLE_SCOPES.get(role, ())


@dataclass(frozen=True)
class Principal:
    """The caller behind a verified secret key or login token."""

    # None for a login token.
    key_id: str | None
    user_id: str
    organization_id: str
    scopes: tuple[str, ...] | None
    mode: str
    # The plan whose limits apply (test-mode keys get the free plan's).
    plan: str = "free"
    # The user's role, for a login token.
    role: str | None = None

    @property
    def full_access(self) -> bool:
        return self.scopes is None

    @property
    def caller(self) -> str:
        """Whose allowance and idempotency keys these are: the key's, or the user's."""
        return f"key:{self.key_id}" if self.key_id else f"user:{self.user_id}"

    @property
    def actor(self) -> str:
        """Who a booking's history names: the key's id, or the logged-in user's."""
        return self.key_id or self.user_id

    def has_scope(self, scope: str) -> bool:
        return self.scopes is None or scope in self.scopes

    def require(self, scope: str) -> None:
        if self.has_scope(scope):
            return
        holder = "This API key lacks" if self.key_id else f"The role '{self.role}' does not grant"
        raise PermissionDenied(
            f"{holder} the '{scope}' scope needed for this operation.",
            code="insufficient_scope",
            details={"requiredScope": scope},
        )


def recently_verified(raw_key: str | None, *, secret: str, now: datetime) -> Principal | None:
    """The principal of a key :func:`authenticate` accepted moments ago, without a query."""
    if not raw_key or not SECRET_KEY_PATTERN.fullmatch(raw_key):
        return None
    return RECENT_KEYS.principal(hash_key(raw_key, secret), now)


def authenticate(
    raw_key: str | None, *, secret: str, now: datetime, remember_seconds: float = 0
) -> Principal:
    """Return the principal of a live secret key, or raise AuthenticationFailed.

    With ``remember_seconds``, the key is remembered for :func:`recently_verified`.

    The key is looked up by the keyed hash of all of it, never by a part such as its
    prefix: an attacker cannot steer the hash, so the index lookup leaks nothing about
    stored keys. The comparison that follows is constant-time and made whether or not a
    row was found, so an unknown key, a known prefix with a wrong rest and a wholly
    made-up key take the same query and the same comparison.
    """
    if not raw_key:
        raise AuthenticationFailed(NO_API_KEY, code="missing_credentials")
    if raw_key.startswith(WIDGET_KEY_PREFIX):
        raise AuthenticationFailed(
            "Widget keys (sw_pub_...) only work on the public endpoints; use a secret key.",
            code="invalid_api_key",
        )
    digest = hash_key(raw_key, secret)
    key = (
        # The organization comes in the same query: its plan is part of the principal.
        ApiKey.select(ApiKey, Organization)
        .join(Organization)
        .where(ApiKey.key_hash == digest)
        .get_or_none()
        if SECRET_KEY_PATTERN.fullmatch(raw_key)
        else None
    )
    stored = key.key_hash if key is not None else _NO_SUCH_KEY_HASH
    if not hmac.compare_digest(stored, digest) or key is None:
        raise AuthenticationFailed("The API key is not valid.", code="invalid_api_key")
    if key.revoked_at is not None and key.revoked_at <= now:
        raise AuthenticationFailed("The API key has been revoked.", code="revoked_api_key")
    if key.expires_at is not None and key.expires_at <= now:
        raise AuthenticationFailed("The API key has expired.", code="expired_api_key")
    _touch(key, now)
    principal = Principal(
        key_id=key.id,
        user_id=key.user_id,
        organization_id=key.organization_id,
        scopes=None if key.scopes is None else tuple(key.scopes),
        mode=key.mode,
        plan=effective_plan(key.organization, key.mode),
    )
    RECENT_KEYS.remember(digest, key, principal, remember_seconds)
    return principal


def _touch(key: ApiKey, now: datetime) -> None:
    if key.last_used_at is not None and now - key.last_used_at < LAST_USED_RESOLUTION:
        return
    # Conditional, so concurrent requests of one key write once per minute at most.
    ApiKey.update(last_used_at=now).where(
        (ApiKey.id == key.id)
        & (ApiKey.last_used_at.is_null() | (ApiKey.last_used_at <= now - LAST_USED_RESOLUTION))
    ).execute()
