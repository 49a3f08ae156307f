"""Organizations and the people in them."""

from peewee import CharField, ForeignKeyField

from .base import BaseModel, UTCDateTimeField, new_id, utcnow

PLANS = ("free", "pro", "business")
ROLES = ("owner", "admin", "member")


class Organization(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("org"))
    name = CharField(max_length=200)
    slug = CharField(max_length=80, unique=True)
    timezone = CharField(max_length=64, default="UTC")
    plan = CharField(max_length=16, default="free")
    created_at = UTCDateTimeField(default=utcnow)


class User(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("usr"))
    organization = ForeignKeyField(Organization, backref="users", on_delete="CASCADE")
    email = CharField(max_length=254)
    name = CharField(max_length=200)
    username = CharField(max_length=80, unique=True)
    timezone = CharField(max_length=64, default="UTC")
    role = CharField(max_length=16, default="member")
    # An Argon2 hash (argon2-cffi's encoded form); None: the user cannot log in with one.
    password_hash = CharField(max_length=255, null=True)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("organization", "email"), True),)
