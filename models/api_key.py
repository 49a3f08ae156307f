"""Secret API keys: only a keyed hash and the last four characters are stored."""

from peewee import CharField, ForeignKeyField

from .base import BaseModel, JSONField, UTCDateTimeField, new_id, utcnow
from .organization import Organization, User


class ApiKey(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("key"))
    organization = ForeignKeyField(Organization, backref="api_keys", on_delete="CASCADE")
    user = ForeignKeyField(User, backref="api_keys", on_delete="CASCADE")
    name = CharField(max_length=100)
    mode = CharField(max_length=8, default="live")
    key_hash = CharField(max_length=64, unique=True)
    last_four = CharField(max_length=4)
    # None means full access; otherwise the list of granted scopes.
    scopes = JSONField(null=True)
    expires_at = UTCDateTimeField(null=True)
    last_used_at = UTCDateTimeField(null=True)
    # A future value is a rotation's grace period: the key works until then.
    revoked_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)

    @classmethod
    def visible(cls, organization_id, now):
        """Keys of the organization that have not been revoked yet, newest first."""
        return (
            cls.select()
            .where(
                (cls.organization == organization_id)
                & (cls.revoked_at.is_null() | (cls.revoked_at > now))
            )
            .order_by(cls.created_at.desc(), cls.id)
        )
