"""Contacts and contact groups as the API and webhooks show them."""

from marshmallow import Schema, fields

from .base import Timestamp
from .bookings import BookingSchema


class ContactSchema(Schema):
    id = fields.String()
    name = fields.String()
    email = fields.String()
    phone = fields.String()
    company = fields.String()
    notes = fields.String()
    # Stored as the API received them: [{"label", "number"}] and [{"label", "street", …}].
    phones = fields.List(fields.Dict())
    addresses = fields.List(fields.Dict())
    websites = fields.List(fields.String())
    unsubscribed = fields.Boolean()
    bounced = fields.Boolean()
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")
    deleted_at = Timestamp(data_key="deletedAt")


class ContactGroupSchema(Schema):
    """A group with ``member_count``, as services.contact_groups annotates it."""

    id = fields.String()
    name = fields.String()
    description = fields.String()
    member_count = fields.Integer(data_key="memberCount")
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")


class MembersAddedSchema(Schema):
    """Dumps a ``services.contact_groups.MembersReport``."""

    added = fields.List(fields.String())
    created = fields.List(fields.String())
    already_members = fields.List(fields.String(), data_key="alreadyMembers")
    not_found = fields.List(fields.String(), data_key="notFound")
    invalid = fields.List(fields.String())


def contact_detail(found) -> dict:
    """A ``services.contacts.ContactWithMeetings``: the contact and their meetings."""
    meetings = BookingSchema(many=True)
    return {
        **ContactSchema().dump(found.contact),
        "upcomingMeetings": meetings.dump(found.upcoming),
        "pastMeetings": meetings.dump(found.past),
    }
