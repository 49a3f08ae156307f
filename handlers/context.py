"""What a handler needs from the request besides its arguments."""

from connexion.context import context
from flask import current_app

from services.auth import Principal
from services.widget_keys import WidgetPrincipal


def principal() -> Principal:
    """The caller, as verified by the security functions."""
    return context["token_info"]["principal"]


def widget() -> WidgetPrincipal | None:
    """The widget key the request came with, if any."""
    return (context.get("token_info") or {}).get("widget")


def secret_key() -> str:
    return current_app.config["SECRET_KEY"]
