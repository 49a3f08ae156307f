"""Logging in with an e-mail address and a password, and the short-lived tokens it gives.

A login token is a JWT (HS256) signed with a key derived from the server secret. It names
its user and is checked against them on every request: a deleted user, or one whose
password has changed since, makes it worthless at once. What it may do follows the user's
role as it is now (``services.auth.ROLE_SCOPES``).
"""

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import jwt

from models import Organization, User

from . import passwords
from .auth import Principal, scopes_of_role
from .errors import AuthenticationFailed

TOKEN_LIFETIME = timedelta(minutes=15)
ISSUER = "slotwise"
ALGORITHM = "HS256"
# Three base64url parts joined by dots (the last empty when unsigned, which is refused);
# secret keys (sw_live_…) never contain a dot.
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
# The same whatever was wrong, so that a failure tells nothing about which accounts exist.
INVALID_CREDENTIALS = (
    "The e-mail address, password or organization is not right. An address that belongs "
    "to users of several organizations needs the organization's slug too."
)


@dataclass(frozen=True)
class Login:
    token: str
    expires_at: datetime
    user: User
    scopes: tuple[str, ...] | None


def looks_like_token(raw: str | None) -> bool:
    return bool(raw) and TOKEN_PATTERN.fullmatch(raw) is not None


def _signing_key(secret: str) -> bytes:
    return hmac.new(secret.encode(), b"slotwise login tokens", hashlib.sha256).digest()


def _password_mark(user: User, secret: str) -> str:
    """A fingerprint of the user's password hash: a new password voids older tokens."""
    digest = hmac.new(
        secret.encode(), f"login:{user.password_hash or ''}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:16]).decode().rstrip("=")


def login(
    email: str, password: str, *, organization: str | None = None, secret: str, now: datetime
) -> Login:
    """Check the password of the user with this address; return a new token for them.

    Every failure (unknown address, an address of several organizations and no
    organization, no password set, a wrong password) is the same ``invalid_credentials``
    after the same work.
    """
    candidates = list(passwords.users_with_email(email, organization).limit(2))
    user = candidates[0] if len(candidates) == 1 else None
    if not passwords.verify(user.password_hash if user else None, password):
        raise AuthenticationFailed(INVALID_CREDENTIALS, code="invalid_credentials")
    return issue(user, secret=secret, now=now)


def issue(user: User, *, secret: str, now: datetime) -> Login:
    """A token for ``user`` valid from ``now`` for TOKEN_LIFETIME."""
    expires_at = (now + TOKEN_LIFETIME).replace(microsecond=0)
    claims = {
        "iss": ISSUER,
        "sub": user.id,
        "org": user.organization_id,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "pwd": _password_mark(user, secret),
    }
    token = jwt.encode(claims, _signing_key(secret), algorithm=ALGORITHM)
    return Login(token, expires_at, user, scopes_of_role(user.role))


def _invalid(message: str = "The login token is not valid.") -> AuthenticationFailed:
    return AuthenticationFailed(message, code="invalid_token")


def authenticate(raw_token: str, *, secret: str, now: datetime) -> Principal:
    """The principal of a valid, unexpired token whose user still exists."""
    try:
        claims = jwt.decode(
            raw_token,
            _signing_key(secret),
            algorithms=[ALGORITHM],
            issuer=ISSUER,
            # Expiry is checked below against ``now``; the library would read the clock.
            options={
                "require": ["iss", "sub", "org", "iat", "exp", "pwd"],
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.InvalidTokenError:
        raise _invalid() from None
    expiry = claims["exp"]
    subject, organization, mark = claims["sub"], claims["org"], claims["pwd"]
    if not isinstance(expiry, int | float) or not all(
        isinstance(value, str) for value in (subject, organization, mark)
    ):
        raise _invalid()
    if expiry <= now.timestamp():
        raise AuthenticationFailed(
            "The login token has expired; log in again.", code="expired_token"
        )
    user = (
        User.select(User, Organization)
        .join(Organization)
        .where((User.id == subject) & (User.organization == organization))
        .first()
    )
    if user is None or not hmac.compare_digest(_password_mark(user, secret), mark):
        raise _invalid("The login token is no longer valid; log in again.")
    return Principal(
        key_id=None,
        user_id=user.id,
        organization_id=user.organization_id,
        scopes=scopes_of_role(user.role),
        mode="live",
        plan=user.organization.plan,
        role=user.role,
    )
