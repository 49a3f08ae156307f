"""Contacts: the organization's people, with their meetings."""

from models import utcnow
from services import contacts
from services.schemas.base import page_of
from services.schemas.contacts import ContactSchema, contact_detail

from .context import principal

CONTACT_SCHEMA = ContactSchema()


def list_contacts(search: str | None = None, page: int = 1, limit: int = 20):
    """List the organization's live contacts by name, optionally matching a search."""
    found = contacts.list_contacts(principal(), search=search, page=page, limit=limit)
    return page_of(found, CONTACT_SCHEMA), 200


def create_contact(body: dict):
    """Add a contact and fire contact.created."""
    return CONTACT_SCHEMA.dump(contacts.create_contact(principal(), body, now=utcnow())), 201


def get_contact(contact_id: str):
    """Return a contact, deleted or not, with their upcoming and past meetings."""
    found = contacts.contact_with_meetings(principal(), contact_id, now=utcnow())
    return contact_detail(found), 200


def update_contact(contact_id: str, body: dict):
    """Change the given fields of a live contact."""
    contact = contacts.update_contact(principal(), contact_id, body, now=utcnow())
    return CONTACT_SCHEMA.dump(contact), 200


def delete_contact(contact_id: str):
    """Soft-delete a contact, freeing its e-mail address."""
    contacts.delete_contact(principal(), contact_id, now=utcnow())
    return None, 204


def restore_contact(contact_id: str):
    """Bring a deleted contact back."""
    contact = contacts.restore_contact(principal(), contact_id, now=utcnow())
    return CONTACT_SCHEMA.dump(contact), 200
