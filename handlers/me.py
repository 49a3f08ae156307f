"""The calling account."""

from services.accounts import whoami

from .context import principal
from .schemas import MeSchema


def get_me():
    """Describe the calling key, its user and organization."""
    return MeSchema().dump(whoami(principal())), 200
