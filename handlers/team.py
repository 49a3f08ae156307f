"""The organization and its members."""

from services import organizations
from services.schemas.accounts import TeamSchema

from .context import principal

TEAM_SCHEMA = TeamSchema()


def get_team():
    """Return the organization with its members."""
    return TEAM_SCHEMA.dump(organizations.get_team(principal().organization_id)), 200


def update_team(body: dict):
    """Rename the organization or change its time zone."""
    team = organizations.update_team(
        principal().organization_id, name=body.get("name"), timezone=body.get("timezone")
    )
    return TEAM_SCHEMA.dump(team), 200
