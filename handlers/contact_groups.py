"""Contact groups and their members."""

from models import utcnow
from services import contact_groups
from services.schemas.base import page_of
from services.schemas.contacts import ContactGroupSchema, ContactSchema, MembersAddedSchema

from .context import principal

CONTACT_GROUP_SCHEMA = ContactGroupSchema()
CONTACT_SCHEMA = ContactSchema()
MEMBERS_ADDED_SCHEMA = MembersAddedSchema()


def list_groups(page: int = 1, limit: int = 20):
    """List the organization's contact groups by name, with their member counts."""
    found = contact_groups.list_groups(principal(), page=page, limit=limit)
    return page_of(found, CONTACT_GROUP_SCHEMA), 200


def create_group(body: dict):
    """Create an empty contact group."""
    group = contact_groups.create_group(
        principal(), name=body["name"], description=body.get("description", ""), now=utcnow()
    )
    return CONTACT_GROUP_SCHEMA.dump(group), 201


def get_group(group_id: str):
    """Return a contact group with its member count."""
    return CONTACT_GROUP_SCHEMA.dump(contact_groups.get_group(principal(), group_id)), 200


def update_group(group_id: str, body: dict):
    """Change the name or description of a group."""
    group = contact_groups.update_group(
        principal(),
        group_id,
        name=body.get("name"),
        description=body.get("description"),
        now=utcnow(),
    )
    return CONTACT_GROUP_SCHEMA.dump(group), 200


def delete_group(group_id: str):
    """Delete a group; its contacts stay."""
    contact_groups.delete_group(principal(), group_id)
    return None, 204


def list_members(group_id: str, page: int = 1, limit: int = 20):
    """List the group's live contacts by name."""
    found = contact_groups.list_members(principal(), group_id, page=page, limit=limit)
    return page_of(found, CONTACT_SCHEMA), 200


def add_members(group_id: str, body: dict):
    """Add contacts to a group by e-mail address and report what became of each."""
    report = contact_groups.add_members(
        principal(),
        group_id,
        body["emails"],
        create_missing=body.get("createMissing", False),
        now=utcnow(),
    )
    return MEMBERS_ADDED_SCHEMA.dump(report), 200


def remove_member(group_id: str, contact_id: str):
    """Take a contact out of a group."""
    contact_groups.remove_member(principal(), group_id, contact_id)
    return None, 204
