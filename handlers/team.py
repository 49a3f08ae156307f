"""The organization and its members."""

from services import organizations

from .context import principal
from .schemas import TeamSchema


def _team(org) -> dict:
    return TeamSchema().dump({**org.__data__, "members": organizations.members(org.id)})


def get_team():
    """Return the organization with its members."""
    return _team(organizations.get_organization(principal().organization_id)), 200


def update_team(body: dict):
    """Rename the organization or change its time zone."""
    org = organizations.update_organization(
        principal().organization_id, name=body.get("name"), timezone=body.get("timezone")
    )
    return _team(org), 200
