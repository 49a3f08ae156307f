"""Responses remembered for 24 hours under the client's Idempotency-Key."""

from peewee import AutoField, CharField, IntegerField, TextField

from .base import BaseModel, UTCDateTimeField, utcnow


class IdempotencyRecord(BaseModel):
    id = AutoField()
    # Whose key it is: an API key id, or the client address on public endpoints.
    scope = CharField(max_length=100)
    key = CharField(max_length=255)
    request_hash = CharField(max_length=64)
    # None while the first request is still running.
    response_status = IntegerField(null=True)
    response_body = TextField(null=True)
    created_at = UTCDateTimeField(default=utcnow, index=True)

    class Meta:
        indexes = ((("scope", "key"), True),)
