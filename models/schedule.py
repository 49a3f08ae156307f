"""Working hours: a time zone, weekly rules and date overrides."""

from peewee import BooleanField, CharField, ForeignKeyField

from .base import BaseModel, JSONField, UTCDateTimeField, new_id, utcnow
from .organization import Organization, User


class Schedule(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("sch"))
    organization = ForeignKeyField(Organization, backref="schedules", on_delete="CASCADE")
    owner = ForeignKeyField(User, backref="schedules", on_delete="CASCADE")
    name = CharField(max_length=200)
    timezone = CharField(max_length=64)
    rules = JSONField(default=list)
    overrides = JSONField(default=list)
    is_default = BooleanField(default=False)
    created_at = UTCDateTimeField(default=utcnow)


# One default schedule per owner.
Schedule.add_index(
    Schedule.index(
        Schedule.owner, unique=True, where=Schedule.is_default, name="schedule_owner_id_default"
    )
)
