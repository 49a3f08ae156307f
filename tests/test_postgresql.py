"""The same server on PostgreSQL: schema, keys in three styles, rotation, team updates.

Runs when SLOTWISE_TEST_DATABASE_URL names a PostgreSQL database (CI sets it); the
database's public schema is emptied before each test.
"""

from datetime import UTC, datetime, time, timedelta

import pytest
from peewee import IntegrityError
from playhouse.schema_diff import diff_models

from conftest import POSTGRESQL_URL, bearer, config_for, make_tenant
from models import ALL_MODELS, Booking, BookingHost, User, db, open_database
from models.schema import migrate
from slotwise.app import create_app

DATABASE_URL = POSTGRESQL_URL

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"),
    reason="PostgreSQL tests need SLOTWISE_TEST_DATABASE_URL=postgresql://...",
)


@pytest.fixture
def pg_client():
    database = open_database(DATABASE_URL)
    with database.connection_context():
        database.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    app = create_app(config_for(DATABASE_URL))
    migrate()
    with app.test_client() as client:
        yield client
    if not db.is_closed():
        db.close()


@pytest.fixture
def pg_tenant(pg_client):
    return make_tenant("Acme", "ada@acme.example")


def test_migrations_build_the_schema_the_models_describe(pg_client):
    with db.connection_context():
        diff = diff_models(db.obj, list(ALL_MODELS))

    assert not diff.create_tables
    assert not diff.add_columns
    assert not diff.drop_columns
    assert not diff.add_indexes
    # The exclusion constraints against double booking exist only in the migrations.
    assert sorted(index.name for index in diff.drop_indexes) == [
        "booking_host_no_overlap",
        "booking_no_overlap",
    ]


def test_keys_authenticate_in_every_style(pg_client, pg_tenant):
    key = pg_tenant.key
    for headers in (bearer(key), {"X-Api-Key": key}):
        assert pg_client.get("/api/v1/me", headers=headers).status_code == 200
    assert pg_client.get("/api/v1/me", auth=("", key)).status_code == 200
    wrong = key[:-1] + ("1" if key.endswith("0") else "0")
    assert pg_client.get("/api/v1/me", headers=bearer(wrong)).status_code == 401


def test_key_lifecycle(pg_client, pg_tenant):
    created = pg_client.post(
        "/api/v1/api-keys",
        headers=bearer(pg_tenant.key),
        json={"name": "Deploy", "scopes": ["team:read"], "expiresAt": "2099-01-01T00:00:00Z"},
    ).json()
    rotated = pg_client.post(
        f"/api/v1/api-keys/{created['id']}/rotate",
        headers=bearer(pg_tenant.key),
        json={"gracePeriodMinutes": 5},
    ).json()

    assert pg_client.get("/api/v1/team", headers=bearer(created["key"])).status_code == 200
    assert pg_client.get("/api/v1/team", headers=bearer(rotated["key"])).status_code == 200
    assert rotated["expiresAt"] == "2099-01-01T00:00:00.000Z"
    revoked = pg_client.delete(f"/api/v1/api-keys/{rotated['id']}", headers=bearer(pg_tenant.key))
    assert revoked.status_code == 204
    assert pg_client.get("/api/v1/team", headers=bearer(rotated["key"])).status_code == 401


def test_team_updates_persist(pg_client, pg_tenant):
    pg_client.put("/api/v1/team", headers=bearer(pg_tenant.key), json={"timezone": "Asia/Tokyo"})

    team = pg_client.get("/api/v1/team", headers=bearer(pg_tenant.key)).json()

    assert team["timezone"] == "Asia/Tokyo"
    assert pg_client.get("/readyz").status_code == 200


def _book(client, event_type_id: str, start: datetime) -> str:
    response = client.post(
        "/api/bookings",
        json={
            "eventTypeId": event_type_id,
            "inviteeName": "G",
            "inviteeEmail": "g@example.com",
            "inviteeTimezone": "UTC",
            "startTime": start.isoformat(),
        },
    )
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def _attend(booking_id: str, host_id: str, start: datetime, seat_key: str) -> None:
    booking = Booking.get_by_id(booking_id)
    with db.atomic():
        BookingHost.insert(
            booking=booking_id,
            host=host_id,
            event_type=booking.event_type_id,
            start_at=start,
            end_at=start + timedelta(minutes=30),
            seat_key=seat_key,
        ).execute()


def test_the_database_refuses_two_overlapping_active_rows_of_one_host(pg_client, pg_tenant):
    """Even a write that skips every check cannot give one host two meetings at once."""
    headers = bearer(pg_tenant.key)
    event_type = pg_client.post(
        "/api/v1/event-types", headers=headers, json={"title": "Call", "durationMinutes": 30}
    ).json()
    # Next Monday: the default schedule works Monday to Friday, 09:00 to 17:00 UTC.
    day = datetime.now(UTC).date() + timedelta(days=7 - datetime.now(UTC).weekday())
    ten = datetime.combine(day, time(10), UTC)
    first = _book(pg_client, event_type["id"], ten)
    second = _book(pg_client, event_type["id"], ten + timedelta(hours=1))
    third = _book(pg_client, event_type["id"], ten + timedelta(hours=2))
    pg_client.post(f"/api/v1/bookings/{third}/cancel", headers=headers)
    owner = pg_tenant.owner.id

    with db.connection_context():
        bob = User.create(
            organization=pg_tenant.organization,
            email="bob@acme.example",
            name="Bob",
            username="bob-pg",
        ).id
        _attend(first, bob, ten, "group")
        with pytest.raises(IntegrityError, match="booking_host_no_overlap"):
            _attend(second, bob, ten, "another key")
        # Rows sharing a seat key are the seats of one group slot.
        _attend(second, bob, ten, "group")
        # An inactive row is no meeting; made active again, it is refused.
        BookingHost.update(start_at=ten, end_at=ten + timedelta(minutes=30)).where(
            (BookingHost.booking == third) & (BookingHost.host == owner)
        ).execute()
        with pytest.raises(IntegrityError, match="booking_host_no_overlap"), db.atomic():
            BookingHost.update(active=True).where(BookingHost.booking == third).execute()
