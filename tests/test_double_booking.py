"""No double booking, ever: many clients racing for one slot of a real server.

Two worker processes of ``slotwise serve`` take 30 simultaneous requests for the same
slot; exactly as many succeed as there are seats, or as there are hosts free to take it.
On SQLite, and on PostgreSQL when SLOTWISE_TEST_DATABASE_URL names one.
"""

import threading
from datetime import UTC, datetime, time, timedelta

import httpx
import pytest

from conftest import POSTGRESQL_URL
from models import Booking, BookingHost, EventType, EventTypeHost, Schedule, User, db, open_database
from models.schema import migrate
from servers import serving
from services import organizations

CLIENTS = 30
SECRET = "double-booking-test-secret"
PG_URL = POSTGRESQL_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/race.db"
    if not PG_URL.startswith("postgresql"):
        pytest.skip("PostgreSQL tests need SLOTWISE_TEST_DATABASE_URL=postgresql://...")
    database = open_database(PG_URL)
    with database.connection_context():
        database.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    return PG_URL


def prepare(database_url: str, seats: int) -> str:
    """Create an organization and an event type bookable every day; return its id."""
    db.initialize(open_database(database_url))
    migrate()
    with db.connection_context():
        org, owner, _ = organizations.bootstrap(
            secret=SECRET, org_name="Race", email="host@race.example"
        )
        schedule = Schedule.create(
            organization=org,
            owner=owner,
            name="Always",
            timezone="UTC",
            rules=[
                {
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "start": "00:00",
                    "end": "24:00",
                }
            ],
        )
        event_type = EventType.create(
            organization=org,
            owner=owner,
            schedule=schedule,
            title="Race",
            slug="race",
            duration_minutes=30,
            seats_per_slot=seats,
        )
    db.close()
    return event_type.id


def race(base: str, event_type_id, start: datetime) -> list[httpx.Response]:
    """Post the same slot from CLIENTS threads released at the same instant.

    ``event_type_id`` may be a list: the clients take its event types in turn.
    """
    barrier = threading.Barrier(CLIENTS)
    responses: list[httpx.Response] = [None] * CLIENTS
    event_type_ids = event_type_id if isinstance(event_type_id, list) else [event_type_id]

    def post(n: int) -> None:
        with httpx.Client(timeout=30) as client:
            barrier.wait()
            responses[n] = client.post(
                base + "/api/bookings",
                json={
                    "eventTypeId": event_type_ids[n % len(event_type_ids)],
                    "inviteeName": f"Invitee {n}",
                    "inviteeEmail": f"invitee{n}@race.example",
                    "inviteeTimezone": "UTC",
                    "startTime": start.isoformat(),
                },
            )

    threads = [threading.Thread(target=post, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return responses


@pytest.mark.parametrize("seats", [1, 3])
def test_racing_clients_get_exactly_as_many_bookings_as_there_are_seats(
    tmp_path, database_url, seats
):
    event_type_id = prepare(database_url, seats)
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=2), time(10), UTC)

    with serving(
        tmp_path, database_url, "--workers", "2", SECRET_KEY=SECRET, RATELIMIT_ENABLED="0"
    ) as (base, _out, err_path):
        responses = race(base, event_type_id, start)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] * seats + [409] * (CLIENTS - seats), err_path.read_text()[-2000:]
    assert {response.json()["code"] for response in responses if response.status_code == 409} == {
        "slot_taken"
    }
    db.initialize(open_database(database_url))
    with db.connection_context():
        stored = Booking.select().where(Booking.status == "CONFIRMED").count()
    assert stored == seats


def prepare_team(database_url: str) -> dict[str, str]:
    """Two hosts, Ada and Bob: a collective and a round-robin event type of both, and
    Bob's own single event type; return the event types' ids by name and the hosts' ids."""
    db.initialize(open_database(database_url))
    migrate()
    with db.connection_context():
        org, ada, _ = organizations.bootstrap(
            secret=SECRET, org_name="Race", email="ada@race.example"
        )
        bob = User.create(organization=org, email="bob@race.example", name="Bob", username="bob")
        schedule = Schedule.create(
            organization=org,
            owner=ada,
            name="Always",
            timezone="UTC",
            rules=[
                {
                    "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
                    "start": "00:00",
                    "end": "24:00",
                }
            ],
        )
        ids = {"ada": ada.id, "bob": bob.id}
        for slug, assignment, hosts in (
            ("panel", "collective", [ada.id, bob.id]),
            ("sales", "round_robin", [ada.id, bob.id]),
            ("bobs", "single", [bob.id]),
        ):
            event_type = EventType.create(
                organization=org,
                owner=ada,
                schedule=schedule,
                title=slug.title(),
                slug=slug,
                duration_minutes=30,
                assignment=assignment,
            )
            EventTypeHost.replace(event_type.id, hosts)
            ids[slug] = event_type.id
    db.close()
    return ids


def active_rows(database_url: str) -> list[tuple[str, str]]:
    """(host, booking) of every active booking_host row."""
    db.initialize(open_database(database_url))
    with db.connection_context():
        rows = BookingHost.select().where(BookingHost.active)
        return sorted((row.host_id, row.booking_id) for row in rows)


def test_a_collective_booking_and_a_co_hosts_own_booking_never_share_a_slot(tmp_path, database_url):
    ids = prepare_team(database_url)
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=2), time(10), UTC)

    with serving(
        tmp_path, database_url, "--workers", "2", SECRET_KEY=SECRET, RATELIMIT_ENABLED="0"
    ) as (base, _out, err_path):
        responses = race(base, [ids["panel"], ids["bobs"]], start)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (CLIENTS - 1), err_path.read_text()[-2000:]
    (winner,) = [response.json() for response in responses if response.status_code == 201]
    rows = active_rows(database_url)
    # Bob attends exactly one meeting at that time, whichever event type won.
    assert [host for host, _ in rows].count(ids["bob"]) == 1
    assert {booking for _, booking in rows} == {winner["id"]}


def test_round_robin_racers_get_one_booking_per_host(tmp_path, database_url):
    ids = prepare_team(database_url)
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=2), time(10), UTC)

    with serving(
        tmp_path, database_url, "--workers", "2", SECRET_KEY=SECRET, RATELIMIT_ENABLED="0"
    ) as (base, _out, err_path):
        responses = race(base, ids["sales"], start)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201, 201] + [409] * (CLIENTS - 2), err_path.read_text()[-2000:]
    winners = [response.json() for response in responses if response.status_code == 201]
    assert sorted(host for winner in winners for host in winner["hostIds"]) == sorted(
        [ids["ada"], ids["bob"]]
    )
    assert sorted(host for host, _ in active_rows(database_url)) == sorted([ids["ada"], ids["bob"]])
