"""Bookings and their history."""

from datetime import timedelta

from peewee import CharField, ForeignKeyField, IntegerField, PostgresqlDatabase, TextField

from .base import BaseModel, JSONField, UTCDateTimeField, db, new_id, utcnow
from .contact import Contact
from .event_type import EventType
from .organization import Organization, User

ACTIVE_STATUSES = ("CONFIRMED", "PENDING")
# No booking lasts longer: event types last at most 1440 minutes (openapi.yaml). It bounds
# the index range that overlap queries read.
LONGEST_BOOKING = timedelta(days=1)


class Booking(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("bkg"))
    organization = ForeignKeyField(Organization, backref="bookings", on_delete="CASCADE")
    event_type = ForeignKeyField(EventType, backref="bookings", on_delete="CASCADE")
    host = ForeignKeyField(User, backref="hosted_bookings", on_delete="CASCADE")
    contact = ForeignKeyField(Contact, backref="bookings", on_delete="RESTRICT")
    status = CharField(max_length=16)
    start_at = UTCDateTimeField()
    end_at = UTCDateTimeField()
    # The event type's buffers when booked, so later edits do not move existing busy time.
    buffer_before_minutes = IntegerField(default=0)
    buffer_after_minutes = IntegerField(default=0)
    # Bookings sharing a seat key may overlap (the seats of one group slot); the
    # PostgreSQL exclusion constraint refuses every other overlap of one host.
    seat_key = CharField(max_length=100)
    invitee_name = CharField(max_length=200)
    invitee_email = CharField(max_length=254)
    invitee_timezone = CharField(max_length=64)
    notes = TextField(default="")
    answers = JSONField(default=dict)
    # Where it happens, copied from the event type when booked ({"name", "type", "address",
    # "url", "phone"}, absent parts left out), so later edits do not rewrite past bookings.
    location = JSONField(null=True)
    series_id = CharField(max_length=32, null=True, index=True)
    # The calendar file's SEQUENCE: raised on every change the invitee is told about.
    sequence = IntegerField(default=0)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("host", "start_at"), False), (("organization", "start_at"), False))

    @staticmethod
    def lock_host(host_id) -> None:
        """Serialize the bookings of one host until the transaction ends.

        PostgreSQL locks the host's row; SQLite needs nothing more, since a write
        transaction there already excludes every other writer.
        """
        if isinstance(db.obj, PostgresqlDatabase):
            User.select(User.id).where(User.id == host_id).for_update().execute()

    @classmethod
    def blocking(cls, host_id, start, end):
        """The host's confirmed and pending bookings overlapping [start, end)."""
        return cls.select().where(
            (cls.host == host_id)
            & cls.status.in_(ACTIVE_STATUSES)
            # Redundant with the next two, but the only bounds the (host, start) index can
            # use: without the lower one every past booking of the host would be read.
            & (cls.start_at > start - LONGEST_BOOKING)
            & (cls.start_at < end)
            & (cls.end_at > start)
        )


class BookingEvent(BaseModel):
    """One step of a booking's history: created, confirmed, declined, rescheduled, cancelled."""

    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("bev"))
    booking = ForeignKeyField(Booking, backref="events", on_delete="CASCADE")
    type = CharField(max_length=16)
    # "invitee", or the id of the API key that acted.
    actor = CharField(max_length=64)
    reason = TextField(default="")
    previous_start_at = UTCDateTimeField(null=True)
    previous_end_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
