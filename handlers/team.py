"""The organization and its members."""

from models import utcnow
from services import members, organizations
from services.schemas.accounts import MemberSchema, TeamSchema
from services.schemas.base import page_of

from .context import principal

MEMBER_SCHEMA = MemberSchema()
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


def list_members(page: int = 1, limit: int = 20):
    """List the organization's members, oldest first."""
    return page_of(members.list_members(principal(), page=page, limit=limit), MEMBER_SCHEMA), 200


def create_member(body: dict):
    """Add a member to the organization."""
    return MEMBER_SCHEMA.dump(members.create_member(principal(), body, now=utcnow())), 201


def get_member(member_id: str):
    """Return one member."""
    return MEMBER_SCHEMA.dump(members.get_member(principal(), member_id)), 200


def update_member(member_id: str, body: dict):
    """Change a member's name, role or time zone."""
    return MEMBER_SCHEMA.dump(members.update_member(principal(), member_id, body)), 200


def delete_member(member_id: str):
    """Remove a member who owns, hosts and attends nothing."""
    members.delete_member(principal(), member_id, now=utcnow())
    return None, 204
