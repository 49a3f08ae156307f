"""Users' passwords, kept only as Argon2 hashes."""

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from models import Organization, User

from .contacts import normalize_email
from .errors import NotFound, RuleViolation

MIN_LENGTH = 12
# Argon2 takes any length; this only bounds the work one request can ask for.
MAX_LENGTH = 1024

_hasher = PasswordHasher()


def check_strength(password: str) -> None:
    """Refuse passwords too short to resist guessing (and absurdly long ones)."""
    if len(password) < MIN_LENGTH:
        raise RuleViolation(
            f"A password needs at least {MIN_LENGTH} characters.",
            code="password_too_short",
            details={"password": f"at least {MIN_LENGTH} characters"},
        )
    if len(password) > MAX_LENGTH:
        raise RuleViolation(
            f"A password may have at most {MAX_LENGTH} characters.",
            code="password_too_long",
            details={"password": f"at most {MAX_LENGTH} characters"},
        )


def users_with_email(email: str, organization_slug: str | None = None):
    """The users with this address (in the organization with this slug, when given)."""
    query = (
        User.select(User, Organization)
        .join(Organization)
        .where(User.email == normalize_email(email))
        .order_by(Organization.slug)
    )
    if organization_slug is not None:
        query = query.where(Organization.slug == organization_slug)
    return query


def set_password(email: str, password: str, *, organization_slug: str | None = None) -> User:
    """Give the user with this address a new password; their login tokens stop working."""
    check_strength(password)
    users = list(users_with_email(email, organization_slug))
    if not users:
        where = f" in organization '{organization_slug}'" if organization_slug else ""
        raise NotFound(f"No user with the e-mail address '{email}'{where}.")
    if len(users) > 1:
        slugs = ", ".join(user.organization.slug for user in users)
        raise RuleViolation(
            f"'{email}' is a user of several organizations ({slugs}); name the organization.",
            code="ambiguous_email",
        )
    (user,) = users
    User.update(password_hash=_hasher.hash(password)).where(User.id == user.id).execute()
    return User.get_by_id(user.id)


def verify(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; without a hash, fail after the same work as a check."""
    try:
        # The dummy keeps an unknown user as slow to refuse as a wrong password.
        _hasher.verify(stored_hash or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    return stored_hash is not None


@cache
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(24))
