"""Peewee models behind one database proxy, bound by the app factory or the CLI."""

from .api_key import ApiKey
from .base import db, new_id, open_database, utcnow
from .organization import PLANS, ROLES, Organization, User
from .schedule import Schedule

ALL_MODELS = (Organization, User, ApiKey, Schedule)

__all__ = [
    "ALL_MODELS",
    "PLANS",
    "ROLES",
    "ApiKey",
    "Organization",
    "Schedule",
    "User",
    "db",
    "new_id",
    "open_database",
    "utcnow",
]
