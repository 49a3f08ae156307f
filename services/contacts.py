"""Contacts: the organization's people, unique by e-mail address, soft-deleted and restored.

Every write records its ``contact.*`` event in the same transaction, so a change that rolls
back fires nothing.
"""

from dataclasses import dataclass
from datetime import datetime

from peewee import IntegrityError, fn

from models import ACTIVE_STATUSES, Booking, Contact, write_transaction

from . import events
from .errors import Conflict, NotFound
from .lookup import owned
from .pagination import Page, paginate
from .text import clean_name

MEETINGS_SHOWN = 20


@dataclass(frozen=True)
class ContactWithMeetings:
    contact: Contact
    upcoming: list[Booking]
    past: list[Booking]


def normalize_email(address: str) -> str:
    """The form addresses are stored and compared in: trimmed and lower-cased."""
    return address.strip().lower()


def live(organization_id: str):
    """The organization's contacts that are not deleted, by name (ignoring case), then id."""
    return (
        Contact.select()
        .where((Contact.organization == organization_id) & Contact.deleted_at.is_null())
        .order_by(fn.LOWER(Contact.name), Contact.id)
    )


def _email_owner(organization_id: str, email: str, *, besides: str) -> Contact | None:
    """The live contact other than ``besides`` that has this address."""
    return (
        Contact.select(Contact.id)
        .where(
            (Contact.organization == organization_id)
            & (Contact.email == email)
            & Contact.deleted_at.is_null()
            & (Contact.id != besides)
        )
        .first()
    )


def _duplicate(email: str, owner_id: str) -> Conflict:
    return Conflict(
        f"Another contact already has the e-mail address {email}.",
        code="duplicate_email",
        details={"email": "already used", "contactId": owner_id},
    )


def _refuse_taken_email(contact: Contact) -> None:
    owner = _email_owner(contact.organization_id, contact.email, besides=contact.id)
    if owner is not None:
        raise _duplicate(contact.email, owner.id)


def _save(contact: Contact, event_type: str, **options) -> Contact:
    """Write the row and its event; an address a concurrent request took first is a 409."""
    try:
        with write_transaction():
            contact.save(**options)
            events.contact_event(event_type, contact)
    except IntegrityError:
        # Outside the transaction, which has rolled back: only the partial unique index on
        # live addresses can object, and the row that won is visible now.
        owner = _email_owner(contact.organization_id, contact.email, besides=contact.id)
        if owner is None:
            raise
        raise _duplicate(contact.email, owner.id) from None
    return contact


def _columns(fields: dict) -> dict:
    """Column values from API fields, which share the columns' names."""
    values = dict(fields)
    if "name" in values:
        values["name"] = clean_name(values["name"], "name")
    if "email" in values:
        values["email"] = normalize_email(values["email"])
    return values


def list_contacts(principal, *, search: str | None, page: int, limit: int) -> Page:
    """Live contacts by name; ``search`` matches name, address or company, ignoring case."""
    query = live(principal.organization_id)
    if search is not None:
        # ILIKE on PostgreSQL; SQLite's LIKE ignores the case of ASCII letters only.
        query = query.where(
            Contact.name.contains(search)
            | Contact.email.contains(search)
            | Contact.company.contains(search)
        )
    return paginate(query, page, limit)


def get_contact(principal, contact_id: str) -> Contact:
    """A contact of the organization, deleted ones included; NotFound for any other id."""
    return owned(Contact, contact_id, principal.organization_id, "contact")


def _get_live(principal, contact_id: str) -> Contact:
    contact = get_contact(principal, contact_id)
    if contact.deleted_at is not None:
        raise NotFound(
            f"Contact '{contact_id}' is deleted; restore it first.", details={"id": contact_id}
        )
    return contact


def contact_with_meetings(principal, contact_id: str, *, now: datetime) -> ContactWithMeetings:
    """A contact with their next and their last bookings, twenty of each at most.

    Upcoming: confirmed or pending bookings that have not ended, soonest first (a meeting
    under way included). Past: bookings of any status that have ended, latest first.
    """
    contact = get_contact(principal, contact_id)
    bookings = Booking.select().where(Booking.contact == contact.id)
    upcoming = (
        bookings.where((Booking.end_at > now) & Booking.status.in_(ACTIVE_STATUSES))
        .order_by(Booking.start_at, Booking.id)
        .limit(MEETINGS_SHOWN)
    )
    past = (
        bookings.where(Booking.end_at <= now)
        .order_by(Booking.end_at.desc(), Booking.id.desc())
        .limit(MEETINGS_SHOWN)
    )
    return ContactWithMeetings(contact, Booking.with_hosts(upcoming), Booking.with_hosts(past))


def create_contact(principal, fields: dict, *, now: datetime) -> Contact:
    """Add a contact from API ``fields``; its address must be free among live contacts."""
    contact = Contact(
        organization=principal.organization_id, created_at=now, updated_at=now, **_columns(fields)
    )
    _refuse_taken_email(contact)
    return _save(contact, "contact.created", force_insert=True)


def update_contact(principal, contact_id: str, fields: dict, *, now: datetime) -> Contact:
    """Change the API ``fields`` given (lists replace); a change to nothing fires no event."""
    contact = _get_live(principal, contact_id)
    changed = {
        column: value
        for column, value in _columns(fields).items()
        if getattr(contact, column) != value
    }
    if not changed:
        return contact
    for column, value in changed.items():
        setattr(contact, column, value)
    if "email" in changed:
        _refuse_taken_email(contact)
    contact.updated_at = now
    return _save(contact, "contact.updated")


def delete_contact(principal, contact_id: str, *, now: datetime) -> None:
    """Soft-delete: the contact leaves lists and frees its address; bookings keep it."""
    contact = _get_live(principal, contact_id)
    contact.deleted_at = contact.updated_at = now
    _save(contact, "contact.deleted")


def restore_contact(principal, contact_id: str, *, now: datetime) -> Contact:
    """Undo a deletion, unless a live contact took the address meanwhile."""
    contact = get_contact(principal, contact_id)
    if contact.deleted_at is None:
        return contact
    _refuse_taken_email(contact)
    contact.deleted_at = None
    contact.updated_at = now
    return _save(contact, "contact.updated")
