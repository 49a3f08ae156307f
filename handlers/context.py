"""What a handler needs from the request besides its arguments."""

from connexion.context import context
from flask import current_app

from services.auth import Principal


def principal() -> Principal:
    """The caller, as verified by the security functions."""
    return context["token_info"]["principal"]


def secret_key() -> str:
    return current_app.config["SECRET_KEY"]
