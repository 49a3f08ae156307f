"""Public widget keys: safe to publish in a web page, limited to the public endpoints."""

from peewee import BooleanField, CharField, ForeignKeyField

from .base import BaseModel, JSONField, UTCDateTimeField, new_id, utcnow
from .organization import Organization


class WidgetKey(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("wk"))
    organization = ForeignKeyField(Organization, backref="widget_keys", on_delete="CASCADE")
    name = CharField(max_length=100)
    # Kept in clear: the key is meant to be seen in web pages.
    key = CharField(max_length=64, unique=True)
    # Origins like "https://example.com"; empty means any.
    allowed_origins = JSONField(default=list)
    # None means every active event type of the organization.
    event_type_ids = JSONField(null=True)
    # The key the organization's hosted booking pages embed.
    for_hosted_pages = BooleanField(default=False)
    revoked_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
