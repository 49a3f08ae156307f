"""Event types: what can be booked, for how long, and under which scheduling rules."""

from peewee import (
    BigIntegerField,
    BooleanField,
    CharField,
    ForeignKeyField,
    IntegerField,
    TextField,
    fn,
)

from .base import BaseModel, JSONField, UTCDateTimeField, new_id, utcnow
from .location import Location
from .organization import Organization, User
from .schedule import Schedule
from .tax import Tax


class EventType(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("evt"))
    organization = ForeignKeyField(Organization, backref="event_types", on_delete="CASCADE")
    # The host whose calendar the bookings fill.
    owner = ForeignKeyField(User, backref="event_types", on_delete="CASCADE")
    schedule = ForeignKeyField(Schedule, backref="event_types", on_delete="RESTRICT")
    title = CharField(max_length=200)
    slug = CharField(max_length=100)
    description = TextField(default="")
    duration_minutes = IntegerField()
    # Where the meeting happens: written inline ({"type", "value"}), or a saved location
    # (a location of the organization, shared by event types); at most one of the two.
    location = JSONField(null=True)
    saved_location = ForeignKeyField(
        Location,
        null=True,
        backref="event_types",
        column_name="location_id",
        object_id_name="saved_location_id",
        on_delete="RESTRICT",
    )
    # The code of the short booking link /b/<code>: unique in the installation, ignoring case.
    short_code = CharField(max_length=32, null=True)
    buffer_before_minutes = IntegerField(default=0)
    buffer_after_minutes = IntegerField(default=0)
    minimum_notice_minutes = IntegerField(default=0)
    booking_window_days = IntegerField(default=60)
    # None means "the duration".
    slot_interval_minutes = IntegerField(null=True)
    max_bookings_per_day = IntegerField(null=True)
    seats_per_slot = IntegerField(default=1)
    requires_confirmation = BooleanField(default=False)
    active = BooleanField(default=True)
    questions = JSONField(default=list)
    # The price of one booking in the currency's minor unit; both None when free.
    price_amount = BigIntegerField(null=True)
    price_currency = CharField(max_length=3, null=True)
    tax = ForeignKeyField(Tax, backref="event_types", null=True, on_delete="SET NULL")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    deleted_at = UTCDateTimeField(null=True)

    @property
    def interval(self) -> int:
        return self.slot_interval_minutes or self.duration_minutes

    @classmethod
    def live(cls, organization_id):
        """Event types of the organization that have not been deleted."""
        return cls.select().where((cls.organization == organization_id) & cls.deleted_at.is_null())


# Slugs are unique among the organization's event types that are not deleted.
EventType.add_index(
    EventType.index(
        EventType.organization, EventType.slug, unique=True, where=EventType.deleted_at.is_null()
    )
)
# Deleted event types keep theirs, so a published short link never leads to someone else.
EventType.add_index(
    EventType.index(fn.LOWER(EventType.short_code), unique=True, name="event_type_short_code")
)
