"""The calling account."""

from services.accounts import whoami
from services.schemas.accounts import MeSchema

from .context import principal

ME_SCHEMA = MeSchema()


def get_me():
    """Describe the calling key, its user and organization."""
    return ME_SCHEMA.dump(whoami(principal())), 200
