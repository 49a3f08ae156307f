"""Places where meetings happen, saved once and shared by event types."""

from peewee import CharField, ForeignKeyField, TextField

from .base import BaseModel, UTCDateTimeField, new_id, utcnow
from .organization import Organization


class Location(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("loc"))
    organization = ForeignKeyField(Organization, backref="locations", on_delete="CASCADE")
    name = CharField(max_length=200)
    type = CharField(max_length=16)
    address = CharField(max_length=500, null=True)
    url = CharField(max_length=2000, null=True)
    phone = CharField(max_length=50, null=True)
    # For the organization only: never shown to invitees nor copied onto bookings.
    notes = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
