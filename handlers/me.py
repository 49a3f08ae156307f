"""The calling account."""

from services.accounts import whoami
from services.schemas.accounts import MeSchema

from .context import principal


def get_me():
    """Describe the calling key, its user and organization."""
    return MeSchema().dump(whoami(principal())), 200
