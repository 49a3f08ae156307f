"""E-mails about bookings: each message is rendered once, then sent (or stored) and logged."""

from peewee import CharField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, UTCDateTimeField, new_id, utcnow
from .booking import Booking
from .organization import Organization


class EmailMessage(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("eml"))
    organization = ForeignKeyField(Organization, backref="emails", on_delete="CASCADE")
    booking = ForeignKeyField(Booking, backref="emails", null=True, on_delete="CASCADE")
    to = CharField(max_length=254)
    subject = CharField(max_length=300)
    template = CharField(max_length=100)
    # The whole MIME message, so a retry sends exactly what was rendered.
    message = TextField()
    # pending, sent, stored (no SMTP server configured), failed
    status = CharField(max_length=16, default="pending")
    attempts = IntegerField(default=0)
    next_attempt_at = UTCDateTimeField(null=True, index=True)
    locked_until = UTCDateTimeField(null=True)
    sent_at = UTCDateTimeField(null=True)
    error = TextField(default="")
    created_at = UTCDateTimeField(default=utcnow)
