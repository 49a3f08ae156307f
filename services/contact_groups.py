"""Contact groups: named sets of contacts, filled one by one or from a list of addresses."""

import re
from dataclasses import dataclass, field
from datetime import datetime

from peewee import SQL, fn

from models import Contact, ContactGroup, ContactGroupMember, db, new_id, write_transaction

from . import contacts, events
from .errors import NotFound
from .lookup import owned
from .pagination import Page, paginate
from .text import clean_name

# The pattern of the spec's Email schema: addresses in a bulk add are reported, not refused.
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
NAME_LENGTH = 200


@dataclass
class MembersReport:
    """What happened to each address of a bulk add, in the order they were given."""

    added: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    already_members: list[str] = field(default_factory=list)
    not_found: list[str] = field(default_factory=list)
    invalid: list[str] = field(default_factory=list)


def _member_count():
    """The live members of the group in the enclosing query, as a correlated subquery."""
    return (
        ContactGroupMember.select(fn.COUNT(SQL("*")))
        .join(Contact)
        .where((ContactGroupMember.group == ContactGroup.id) & Contact.deleted_at.is_null())
    )


def _with_counts(organization_id: str):
    """The organization's groups, each with ``member_count``, in one query."""
    return ContactGroup.select(ContactGroup, _member_count().alias("member_count")).where(
        ContactGroup.organization == organization_id
    )


def _owned(principal, group_id: str) -> ContactGroup:
    return owned(ContactGroup, group_id, principal.organization_id, "contact group")


def list_groups(principal, *, page: int, limit: int) -> Page:
    """The organization's groups by name (ignoring case), then id, with their member counts."""
    query = _with_counts(principal.organization_id).order_by(
        fn.LOWER(ContactGroup.name), ContactGroup.id
    )
    return paginate(query, page, limit)


def get_group(principal, group_id: str) -> ContactGroup:
    """A group of the organization with its ``member_count``; NotFound for any other id."""
    _owned(principal, group_id)
    return _with_counts(principal.organization_id).where(ContactGroup.id == group_id).get()


def create_group(principal, *, name: str, description: str = "", now: datetime) -> ContactGroup:
    """Create an empty group; names need not be unique."""
    group = ContactGroup(
        organization=principal.organization_id,
        name=clean_name(name, "name"),
        description=description,
        created_at=now,
        updated_at=now,
    )
    with db.atomic():
        group.save(force_insert=True)
    group.member_count = 0
    return group


def update_group(
    principal, group_id: str, *, name=None, description=None, now: datetime
) -> ContactGroup:
    """Change the name or the description given (None: unchanged)."""
    group = get_group(principal, group_id)
    if name is not None:
        group.name = clean_name(name, "name")
    if description is not None:
        group.description = description
    group.updated_at = now
    with db.atomic():
        group.save()
    return group


def delete_group(principal, group_id: str) -> None:
    """Delete the group and its memberships; the contacts stay."""
    group = _owned(principal, group_id)
    with db.atomic():
        ContactGroupMember.delete().where(ContactGroupMember.group == group.id).execute()
        group.delete_instance()


def list_members(principal, group_id: str, *, page: int, limit: int) -> Page:
    """The group's live contacts, by name."""
    group = _owned(principal, group_id)
    query = (
        contacts.live(principal.organization_id)
        .join(ContactGroupMember)
        .where(ContactGroupMember.group == group.id)
    )
    return paginate(query, page, limit)


def _unique(emails: list[str]) -> list[str]:
    """Normalized addresses, each once, in the order first given."""
    return list(dict.fromkeys(contacts.normalize_email(email) for email in emails))


def _live_by_email(organization_id: str, emails: list[str]) -> dict[str, Contact]:
    if not emails:
        return {}
    found = Contact.select().where(
        (Contact.organization == organization_id)
        & Contact.email.in_(emails)
        & Contact.deleted_at.is_null()
    )
    return {contact.email: contact for contact in found}


def _create_missing(organization_id: str, emails: list[str], now: datetime) -> set[str]:
    """Create contacts for ``emails``, named after the part before the @; return the new ids.

    Insert-or-ignore: an address a concurrent request gave a contact first keeps that
    contact, whose id is not among the ones returned.
    """
    rows = {
        new_id("con"): {
            "organization": organization_id,
            "email": email,
            "name": email.split("@", 1)[0][:NAME_LENGTH],
            "created_at": now,
            "updated_at": now,
        }
        for email in emails
    }
    if rows:
        Contact.insert_many(
            [{"id": contact_id, **row} for contact_id, row in rows.items()]
        ).on_conflict_ignore().execute()
    return set(rows)


def add_members(
    principal, group_id: str, emails: list[str], *, create_missing: bool, now: datetime
) -> MembersReport:
    """Add contacts to the group by address, creating unknown ones if asked; one transaction."""
    organization_id = principal.organization_id
    report = MembersReport()
    wanted = []
    for email in _unique(emails):
        (wanted if EMAIL.fullmatch(email) else report.invalid).append(email)
    with write_transaction():
        group = _owned(principal, group_id)
        existing = _live_by_email(organization_id, wanted)
        missing = [email for email in wanted if email not in existing]
        new_ids = _create_missing(organization_id, missing, now) if create_missing else set()
        found = {**existing, **_live_by_email(organization_id, missing if new_ids else [])}
        members = {
            member.contact_id
            for member in ContactGroupMember.select(ContactGroupMember.contact).where(
                (ContactGroupMember.group == group.id)
                & ContactGroupMember.contact.in_([contact.id for contact in found.values()])
            )
        }
        joining = []
        for email in wanted:
            contact = found.get(email)
            if contact is None:
                report.not_found.append(email)
            elif contact.id in members:
                report.already_members.append(email)
            else:
                if contact.id in new_ids:
                    report.created.append(email)
                    events.contact_event("contact.created", contact)
                report.added.append(email)
                joining.append({"group": group.id, "contact": contact.id, "added_at": now})
        if joining:
            ContactGroupMember.insert_many(joining).on_conflict_ignore().execute()
    return report


def remove_member(principal, group_id: str, contact_id: str) -> None:
    """Take a contact out of the group; NotFound unless it is a member."""
    group = _owned(principal, group_id)
    with db.atomic():
        removed = (
            ContactGroupMember.delete()
            .where(
                (ContactGroupMember.group == group.id) & (ContactGroupMember.contact == contact_id)
            )
            .execute()
        )
    if not removed:
        raise NotFound(
            f"Contact '{contact_id}' is not a member of group '{group_id}'.",
            details={"contactId": contact_id},
        )
