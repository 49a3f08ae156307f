"""Event types: what can be booked, for how long, by whom, and under which scheduling rules."""

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
from .prepared import Prepared
from .schedule import Schedule
from .tax import Tax


class EventType(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("evt"))
    organization = ForeignKeyField(Organization, backref="event_types", on_delete="CASCADE")
    # The member the event type belongs to; its hosts are listed in EventTypeHost.
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
    # "single" (one host), "round_robin" (any free host takes the booking) or
    # "collective" (every host attends).
    assignment = CharField(max_length=16, default="single")
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)
    deleted_at = UTCDateTimeField(null=True)

    # Filled by host_ids, or for a whole page at once by with_hosts.
    _host_ids = None

    @property
    def host_ids(self) -> tuple[str, ...]:
        """The hosts in the order given; the owner alone when none is listed."""
        if self._host_ids is None:
            self._host_ids = EventTypeHost.host_ids_of([self])[self.id]
        return self._host_ids

    @staticmethod
    def with_hosts(event_types) -> list["EventType"]:
        """The event types, each knowing its hosts, read in one query."""
        event_types = list(event_types)
        found = EventTypeHost.host_ids_of(event_types)
        for event_type in event_types:
            event_type._host_ids = found[event_type.id]
        return event_types

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


class EventTypeHost(BaseModel):
    """One host of an event type; ``position`` keeps the order the hosts were given in.

    An event type without any row is hosted by its owner alone.
    """

    event_type = ForeignKeyField(EventType, backref="host_rows", on_delete="CASCADE")
    host = ForeignKeyField(User, backref="hosted_event_types", on_delete="CASCADE")
    position = IntegerField(default=0)

    class Meta:
        primary_key = False
        indexes = ((("event_type", "host"), True),)

    @classmethod
    def host_ids_of(cls, event_types) -> dict[str, tuple[str, ...]]:
        """Each event type's hosts in the order given; its owner when none is listed."""
        event_types = list(event_types)
        found: dict[str, list[str]] = {event_type.id: [] for event_type in event_types}
        if event_types:
            for event_type_id, host_id in _HOSTS_OF_EVENT_TYPES.rows(len(found), ids=list(found)):
                found[event_type_id].append(host_id)
        return {
            event_type.id: tuple(found[event_type.id]) or (event_type.owner_id,)
            for event_type in event_types
        }

    @classmethod
    def replace(cls, event_type_id: str, host_ids) -> None:
        """Make ``host_ids`` the event type's hosts, in this order."""
        cls.delete().where(cls.event_type == event_type_id).execute()
        cls.insert_many(
            [
                {"event_type": event_type_id, "host": host_id, "position": position}
                for position, host_id in enumerate(host_ids)
            ]
        ).execute()


_HOSTS_OF_EVENT_TYPES = Prepared(
    lambda value, count: (
        EventTypeHost.select(EventTypeHost.event_type, EventTypeHost.host)
        .where(EventTypeHost.event_type.in_(value.many("ids", count, EventTypeHost.event_type)))
        .order_by(EventTypeHost.position, EventTypeHost.host)
        .tuples()
    )
)
