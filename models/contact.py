"""People the organization has met, and the groups it sorts them into."""

from peewee import BooleanField, CharField, ForeignKeyField, TextField

from .base import BaseModel, JSONField, UTCDateTimeField, new_id, utcnow
from .organization import Organization


class Contact(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("con"))
    organization = ForeignKeyField(Organization, backref="contacts", on_delete="CASCADE")
    # Stored lower-cased, so uniqueness is case-insensitive.
    email = CharField(max_length=254)
    name = CharField(max_length=200)
    phone = CharField(max_length=50, default="")
    company = CharField(max_length=200, default="")
    notes = TextField(default="")
    phones = JSONField(default=list)
    addresses = JSONField(default=list)
    websites = JSONField(default=list)
    unsubscribed = BooleanField(default=False)
    bounced = BooleanField(default=False)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    deleted_at = UTCDateTimeField(null=True)


Contact.add_index(
    Contact.index(
        Contact.organization, Contact.email, unique=True, where=Contact.deleted_at.is_null()
    )
)


class ContactGroup(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("grp"))
    organization = ForeignKeyField(Organization, backref="contact_groups", on_delete="CASCADE")
    name = CharField(max_length=200)
    description = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)


class ContactGroupMember(BaseModel):
    group = ForeignKeyField(ContactGroup, backref="memberships", on_delete="CASCADE")
    contact = ForeignKeyField(Contact, backref="memberships", on_delete="CASCADE")
    added_at = UTCDateTimeField(default=utcnow)

    class Meta:
        primary_key = False
        indexes = ((("group", "contact"), True),)
