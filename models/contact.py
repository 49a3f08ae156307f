"""People the organization has met: every invitee becomes a contact."""

from peewee import CharField, ForeignKeyField

from .base import BaseModel, UTCDateTimeField, new_id, utcnow
from .organization import Organization


class Contact(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("con"))
    organization = ForeignKeyField(Organization, backref="contacts", on_delete="CASCADE")
    # Stored lower-cased, so uniqueness is case-insensitive.
    email = CharField(max_length=254)
    name = CharField(max_length=200)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    deleted_at = UTCDateTimeField(null=True)


Contact.add_index(
    Contact.index(
        Contact.organization, Contact.email, unique=True, where=Contact.deleted_at.is_null()
    )
)
