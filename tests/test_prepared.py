"""SQL built once (models.prepared, BaseModel.create): the same rows as peewee's own queries."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from peewee import SQL, fn

from conftest import ON_POSTGRESQL, add_event_type, make_tenant
from models import (
    Booking,
    BookingHost,
    Contact,
    EventType,
    IdempotencyRecord,
    Prepared,
    Schedule,
    db,
    open_database,
)
from models.base import BaseModel
from models.schema import migrate
from services import bookings

MONDAY = datetime(2030, 1, 7, tzinfo=UTC)


@pytest.fixture
def booked(app):
    """An organization whose event type has three bookings, on Monday 9:00, 10:00 and 11:00."""
    tenant = make_tenant("Acme", "ada@acme.example")
    event_type = add_event_type(tenant)
    with db.connection_context():
        made = [
            bookings.book(
                event_type.id,
                bookings.Invitee(f"Guest {hour}", f"guest{hour}@example.com", "UTC"),
                MONDAY + timedelta(hours=hour),
                actor=bookings.INVITEE,
                now=MONDAY - timedelta(days=7),
                secret="s",
            )[0]
            for hour in (9, 10, 11)
        ]
    with db.connection_context():
        yield tenant, event_type, made


def _starting(value, before: bool):
    """Bookings starting before (or from) an instant: a placeholder converted as a timestamp."""
    edge = value("at", Booking.start_at)
    query = Booking.select().where(Booking.start_at < edge if before else Booking.start_at >= edge)
    return query.order_by(Booking.start_at)


STARTING = Prepared(_starting)


def test_rows_match_peewee_for_each_call_s_values(booked):
    _, _, made = booked
    # An aware instant in another zone: 10:00 UTC, converted as the field stores it.
    ten = (MONDAY + timedelta(hours=10)).astimezone(ZoneInfo("America/New_York"))

    before = STARTING.rows(True, at=ten)
    after = STARTING.rows(False, at=ten)

    assert [b.id for b in before] == [made[0].id]
    assert [b.id for b in after] == [made[1].id, made[2].id]
    expected = list(Booking.select().where(Booking.start_at >= ten).order_by(Booking.start_at))
    assert [b.__data__ for b in after] == [b.__data__ for b in expected]
    # The same shape again, another value: nothing of the first call is kept.
    assert STARTING.rows(True, at=MONDAY) == []


HOSTS = Prepared(
    lambda value, count: (
        BookingHost.select(BookingHost.booking, BookingHost.start_at)
        .where(BookingHost.booking.in_(value.many("ids", count, BookingHost.booking)))
        .order_by(BookingHost.start_at)
        .tuples()
    )
)


def test_in_lists_of_each_length_and_tuples_converted(booked):
    _, _, made = booked

    two = HOSTS.rows(2, ids=[made[2].id, made[0].id])
    one = HOSTS.rows(1, ids=[made[1].id])

    assert two == [
        (made[0].id, MONDAY + timedelta(hours=9)),
        (made[2].id, MONDAY + timedelta(hours=11)),
    ]
    assert one == [(made[1].id, MONDAY + timedelta(hours=10))]
    assert one[0][1].tzinfo == UTC


WITH_SCHEDULE = Prepared(
    lambda value: (
        EventType.select(EventType, Schedule)
        .join(Schedule)
        .where(EventType.slug == value("slug", EventType.slug))
        .limit(1)
    )
)
COUNT = Prepared(
    lambda value: Booking.select(fn.COUNT(SQL("1"))).where(
        Booking.event_type == value("event_type_id", Booking.event_type)
    )
)


def test_joined_models_first_and_scalar(booked):
    _, event_type, _ = booked

    found = WITH_SCHEDULE.first(slug=event_type.slug)

    assert found.id == event_type.id
    # The joined schedule came with the row, as with peewee's own query.
    assert found.__rel__["schedule"].id == event_type.schedule_id
    assert WITH_SCHEDULE.first(slug="no-such-slug") is None
    assert COUNT.scalar(event_type_id=event_type.id) == 3
    assert COUNT.scalar(event_type_id="evt_none") == 0


def test_a_missing_value_is_an_error_not_a_null(booked):
    with pytest.raises(KeyError):
        STARTING.rows(True)


def test_create_writes_what_peewee_would(booked):
    tenant, event_type, made = booked
    fields = {
        "organization": tenant.organization,
        "event_type": event_type,
        "host": tenant.owner,
        "contact": made[0].contact_id,
        "status": "CONFIRMED",
        "start_at": (MONDAY + timedelta(hours=14)).astimezone(ZoneInfo("Asia/Tokyo")),
        "end_at": MONDAY + timedelta(hours=14, minutes=30),
        "seat_key": "seat",
        "invitee_name": "Grace",
        "invitee_email": "grace@example.com",
        "invitee_timezone": "UTC",
        "answers": {"topic": "compilers", "é": "ü"},
        "location": {"type": "phone", "phone": "+1 555"},
        "created_at": MONDAY - timedelta(days=1),
        "updated_at": MONDAY - timedelta(days=1),
    }

    created = Booking.create(**fields)
    # peewee's own create, beside it: a day later, as the host cannot be booked twice at once.
    day = timedelta(days=1)
    theirs = super(BaseModel, Booking).create(
        **{**fields, "start_at": fields["start_at"] + day, "end_at": fields["end_at"] + day}
    )

    read = Booking.get_by_id(created.id)
    expected = Booking.get_by_id(theirs.id).__data__
    assert read.__data__ == {
        **expected,
        "id": created.id,
        "start_at": expected["start_at"] - day,
        "end_at": expected["end_at"] - day,
    }
    assert created.__data__.items() <= read.__data__.items()
    assert read.start_at == MONDAY + timedelta(hours=14)
    assert read.answers == {"topic": "compilers", "é": "ü"}
    assert not created.is_dirty()


def test_insert_new_says_whether_it_inserted(booked):
    tenant, _, _ = booked
    first = Contact(organization=tenant.organization, email="new@example.com", name="New")
    again = Contact(organization=tenant.organization, email="new@example.com", name="Again")

    assert first.insert_new() is True
    assert again.insert_new() is False
    assert Contact.get_by_id(first.id).name == "New"
    assert Contact.get_or_none(Contact.id == again.id) is None


def test_automatic_ids_and_expressions_go_through_peewee(booked):
    record = IdempotencyRecord.create(scope="s", key="k", request_hash="h")
    assert isinstance(record.id, int)
    assert IdempotencyRecord.get_by_id(record.id).key == "k"

    tenant, _, _ = booked
    contact = Contact.create(
        organization=tenant.organization, email="x@example.com", name=fn.UPPER("lower")
    )
    assert Contact.get_by_id(contact.id).name == "LOWER"


@pytest.mark.skipif(not ON_POSTGRESQL, reason="needs SLOTWISE_TEST_DATABASE_URL=postgresql://...")
def test_each_database_kind_gets_its_own_sql(tmp_path, booked):
    """One process may use PostgreSQL and SQLite in turn (the tests do): SQL for each."""
    _, event_type, _ = booked
    assert COUNT.scalar(event_type_id=event_type.id) == 3
    # The PostgreSQL connection stays open, with the fixture's, while SQLite is used.
    postgresql = db.obj
    db.initialize(open_database(f"sqlite:///{tmp_path}/other.db"))
    try:
        with db.connection_context():
            migrate()
            assert COUNT.scalar(event_type_id=event_type.id) == 0
            assert STARTING.rows(False, at=MONDAY) == []
    finally:
        db.initialize(postgresql)
    assert COUNT.scalar(event_type_id=event_type.id) == 3
