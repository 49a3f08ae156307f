"""Webhook endpoints, the events they receive, and every delivery attempt."""

from peewee import BooleanField, CharField, ForeignKeyField, IntegerField, TextField

from .base import BaseModel, JSONField, UTCDateTimeField, new_id, utcnow
from .organization import Organization


class DomainEvent(BaseModel):
    """Something that happened, written in the transaction that made it happen (an outbox).

    ``dispatched_at`` stays empty until its webhook deliveries and e-mails exist, so an
    event whose dispatch was lost (a crash right after the commit) is dispatched later.
    """

    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("ev"))
    organization = ForeignKeyField(Organization, backref="events", on_delete="CASCADE")
    type = CharField(max_length=40)
    # The resource as the API returns it, when it happened.
    data = JSONField()
    booking_id = CharField(max_length=32, null=True)
    created_at = UTCDateTimeField(default=utcnow)
    dispatched_at = UTCDateTimeField(null=True, index=True)


class WebhookEndpoint(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("whk"))
    organization = ForeignKeyField(Organization, backref="webhooks", on_delete="CASCADE")
    url = CharField(max_length=2000)
    events = JSONField()
    description = TextField(default="")
    active = BooleanField(default=True)
    # Needed in clear to sign deliveries; never shown again after creation or rotation.
    secret = CharField(max_length=100)
    previous_secret = CharField(max_length=100, null=True)
    previous_secret_expires_at = UTCDateTimeField(null=True)
    consecutive_failures = IntegerField(default=0)
    disabled_reason = CharField(max_length=200, default="")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)


class WebhookDelivery(BaseModel):
    """One event for one endpoint, retried until delivered or given up."""

    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("whd"))
    endpoint = ForeignKeyField(WebhookEndpoint, backref="deliveries", on_delete="CASCADE")
    event = ForeignKeyField(DomainEvent, backref="deliveries", on_delete="CASCADE")
    # pending, delivered, failed
    status = CharField(max_length=16, default="pending")
    attempts = IntegerField(default=0)
    next_attempt_at = UTCDateTimeField(null=True, index=True)
    # Set while a worker holds it; a worker that dies lets it lapse and another takes over.
    locked_until = UTCDateTimeField(null=True)
    last_response_status = IntegerField(null=True)
    last_error = TextField(default="")
    last_duration_ms = IntegerField(null=True)
    delivered_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)


class WebhookAttempt(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("wha"))
    delivery = ForeignKeyField(WebhookDelivery, backref="attempt_log", on_delete="CASCADE")
    started_at = UTCDateTimeField()
    duration_ms = IntegerField()
    response_status = IntegerField(null=True)
    error = TextField(default="")
