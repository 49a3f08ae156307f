"""Logging in with a password, for a short-lived bearer token."""

from models import utcnow
from services import logins
from services.schemas.accounts import LoginSchema

from .context import secret_key

LOGIN_SCHEMA = LoginSchema()


def login(body: dict):
    """Check an e-mail address and password; return a login token for the user."""
    found = logins.login(
        body["email"],
        body["password"],
        organization=body.get("organization"),
        secret=secret_key(),
        now=utcnow(),
    )
    return LOGIN_SCHEMA.dump(found), 200
