"""Bookings and their history."""

from datetime import timedelta

from peewee import (
    BooleanField,
    CharField,
    ForeignKeyField,
    IntegerField,
    PostgresqlDatabase,
    TextField,
)

from .base import BaseModel, JSONField, UTCDateTimeField, db, new_id, utcnow
from .contact import Contact
from .event_type import EventType
from .organization import Organization, User
from .prepared import Prepared

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

    # Filled by host_ids, or for a whole page at once by with_hosts.
    _host_ids = None

    @property
    def host_ids(self) -> list[str]:
        """The hosts attending, the primary host first."""
        if self._host_ids is None:
            self._host_ids = BookingHost.host_ids_of([self])[self.id]
        return self._host_ids

    @staticmethod
    def with_hosts(bookings) -> list["Booking"]:
        """The bookings, each knowing its hosts, read in one query."""
        bookings = list(bookings)
        for booking, host_ids in zip(
            bookings, BookingHost.host_ids_of(bookings).values(), strict=True
        ):
            booking._host_ids = host_ids
        return bookings

    @staticmethod
    def lock_hosts(host_ids) -> None:
        """Serialize the bookings of these hosts until the transaction ends.

        PostgreSQL locks the hosts' rows one by one in the order of their ids, so two
        transactions wanting overlapping sets of hosts never wait for each other in a
        circle; SQLite needs nothing more, since a write transaction there already excludes
        every other writer.
        """
        if isinstance(db.obj, PostgresqlDatabase):
            for host_id in sorted(set(host_ids)):
                User.select(User.id).where(User.id == host_id).for_update().execute()

    @staticmethod
    def lock(booking_id) -> None:
        """Hold one booking still (its times and hosts) until the transaction ends.

        Taken before any host lock, so the order is always booking, then hosts.
        """
        if isinstance(db.obj, PostgresqlDatabase):
            Booking.select(Booking.id).where(Booking.id == booking_id).for_update().execute()


class BookingHost(BaseModel):
    """A host attending a booking: one row per host, the primary host's included.

    Rows copy the booking's times, buffers and seat key, so a host's busy time is read from
    this table alone; ``active`` mirrors whether the booking is CONFIRMED or PENDING. The
    PostgreSQL exclusion constraint ``booking_host_no_overlap`` refuses two active rows of
    one host that overlap, unless they share a seat key (the seats of one group slot).
    """

    booking = ForeignKeyField(Booking, backref="host_rows", on_delete="CASCADE")
    host = ForeignKeyField(User, backref="attended_bookings", on_delete="CASCADE")
    event_type = ForeignKeyField(EventType, backref="booking_host_rows", on_delete="CASCADE")
    start_at = UTCDateTimeField()
    end_at = UTCDateTimeField()
    buffer_before_minutes = IntegerField(default=0)
    buffer_after_minutes = IntegerField(default=0)
    seat_key = CharField(max_length=100)
    active = BooleanField(default=True)

    class Meta:
        primary_key = False
        indexes = ((("booking", "host"), True), (("host", "start_at"), False))

    @classmethod
    def blocking(cls, host_ids, start, end, earliest_start):
        """The hosts' rows of confirmed and pending bookings overlapping [start, end).

        ``earliest_start`` is ``start - LONGEST_BOOKING``: redundant with the other bounds,
        but the only lower one the (host, start) index can use; without it every past
        booking of the host would be read. It is given, not computed, so that the query
        can be built with placeholders (models.prepared).
        """
        return cls.select().where(
            cls.host.in_(list(host_ids))
            & cls.active
            & (cls.start_at > earliest_start)
            & (cls.start_at < end)
            & (cls.end_at > start)
        )

    @classmethod
    def write(cls, booking: Booking, host_ids) -> None:
        """Give ``booking`` exactly these attending hosts, copying its times."""
        cls.delete().where(cls.booking == booking.id).execute()
        cls.add(booking, host_ids)

    @classmethod
    def add(cls, booking: Booking, host_ids) -> None:
        """Write the attending hosts of a booking that has none yet; it then knows them."""
        cls.insert_many(
            [
                {
                    "booking": booking.id,
                    "host": host_id,
                    "event_type": booking.event_type_id,
                    "start_at": booking.start_at,
                    "end_at": booking.end_at,
                    "buffer_before_minutes": booking.buffer_before_minutes,
                    "buffer_after_minutes": booking.buffer_after_minutes,
                    "seat_key": booking.seat_key,
                    "active": booking.status in ACTIVE_STATUSES,
                }
                for host_id in host_ids
            ]
        ).execute()
        # In the order host_ids_of reads them back.
        others = sorted(host_id for host_id in host_ids if host_id != booking.host_id)
        booking._host_ids = [booking.host_id, *others]

    @classmethod
    def host_ids_of(cls, bookings) -> dict[str, list[str]]:
        """Each booking's attending hosts, the primary host first, then by id."""
        bookings = list(bookings)
        found: dict[str, list[str]] = {booking.id: [] for booking in bookings}
        if bookings:
            for booking_id, host_id in _HOSTS_OF_BOOKINGS.rows(len(found), ids=list(found)):
                found[booking_id].append(host_id)
        for booking in bookings:
            hosts = found[booking.id]
            if booking.host_id in hosts:
                hosts.remove(booking.host_id)
            hosts.insert(0, booking.host_id)
        return found


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


_HOSTS_OF_BOOKINGS = Prepared(
    lambda value, count: (
        BookingHost.select(BookingHost.booking, BookingHost.host)
        .where(BookingHost.booking.in_(value.many("ids", count, BookingHost.booking)))
        .order_by(BookingHost.host)
        .tuples()
    )
)
