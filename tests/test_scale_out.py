"""Scaling out: two ``slotwise serve`` processes and a ``slotwise worker`` share one system.

Both servers use the same PostgreSQL and Redis, as behind a load balancer. A slot is
still sold once, a key's rate limit is counted once across them, and webhooks enqueued by
a server are delivered by the separate worker. Needs SLOTWISE_TEST_DATABASE_URL and
SLOTWISE_TEST_REDIS_URL.
"""

import contextlib
import json
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from huey import RedisHuey

from conftest import ON_POSTGRESQL, ON_REDIS, REDIS_URL, SECRET, bearer, make_tenant
from models import Booking, DomainEvent, EventType, Schedule, WebhookDelivery, db, open_database
from servers import SLOTWISE, cli_env, serving_several
from webhook_receiver import WebhookReceiver, verify

pytestmark = pytest.mark.skipif(
    not (ON_POSTGRESQL and ON_REDIS),
    reason="Scale-out tests need SLOTWISE_TEST_DATABASE_URL=postgresql://... "
    "and SLOTWISE_TEST_REDIS_URL=redis://...",
)

CLIENTS_PER_SERVER = 20
FREE_LIMIT_PER_MINUTE = 60
EVERY_DAY = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "24:00"}
]


@pytest.fixture
def bound(database_url):
    """The test process's own connection to the (emptied) database the servers share."""
    db.initialize(open_database(database_url))
    yield database_url
    if not db.is_closed():
        db.close()
    db.obj.close_all()


def prepare(plan: str = "free") -> tuple[str, str]:
    """Create an organization and an event type bookable every day; return (its id, a key)."""
    tenant = make_tenant("Scale", "host@scale.example", plan=plan)
    with db.connection_context():
        schedule = Schedule.create(
            organization=tenant.organization,
            owner=tenant.owner,
            name="Always",
            timezone="UTC",
            rules=EVERY_DAY,
        )
        event_type = EventType.create(
            organization=tenant.organization,
            owner=tenant.owner,
            schedule=schedule,
            title="Scale",
            slug="scale",
            duration_minutes=30,
        )
    return event_type.id, tenant.key


def two_servers(tmp_path: Path, database_url: str, **variables: str):
    """Two ``slotwise serve`` processes on PostgreSQL and Redis, no jobs run in them."""
    return serving_several(
        2,
        tmp_path,
        database_url,
        SECRET_KEY=SECRET,
        REDIS_URL=REDIS_URL,
        INPROCESS_WORKER="0",
        **variables,
    )


def slot_start() -> datetime:
    day = datetime.now(UTC).date() + timedelta(days=2)
    return datetime.combine(day, datetime.min.time(), UTC).replace(hour=10)


def booking_body(event_type_id: str, start: datetime, n: int = 0) -> dict:
    return {
        "eventTypeId": event_type_id,
        "inviteeName": f"Invitee {n}",
        "inviteeEmail": f"invitee{n}@scale.example",
        "inviteeTimezone": "UTC",
        "startTime": start.isoformat(),
    }


def stderr_tails(servers) -> str:
    return "\n".join(err_path.read_text()[-2000:] for _base, _out, err_path in servers)


@contextlib.contextmanager
def working(tmp_path: Path, database_url: str, **variables: str):
    """Run ``slotwise worker`` on the shared queue; yield the path of its stderr."""
    err_path = tmp_path / "worker-stderr"
    with err_path.open("w") as err:
        process = subprocess.Popen(
            [SLOTWISE, "worker", "--workers", "2"],
            env=cli_env(database_url, **variables),
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        yield err_path
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def eventually(check, timeout: float = 10.0):
    """Poll ``check`` in a database connection until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        with db.connection_context():
            found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"not true after {timeout} s: {check.__doc__ or check}")
        time.sleep(0.05)


def test_clients_racing_through_two_servers_get_one_booking(tmp_path, bound):
    event_type_id, _ = prepare()
    start = slot_start()
    bases_by_client = []
    responses: list[httpx.Response | None] = [None] * (2 * CLIENTS_PER_SERVER)
    barrier = threading.Barrier(len(responses))

    def post(n: int) -> None:
        with httpx.Client(timeout=30) as client:
            barrier.wait()
            responses[n] = client.post(
                bases_by_client[n] + "/api/bookings", json=booking_body(event_type_id, start, n)
            )

    with two_servers(tmp_path, bound, RATELIMIT_ENABLED="0") as servers:
        bases_by_client = [servers[n % 2][0] for n in range(len(responses))]
        threads = [threading.Thread(target=post, args=(n,)) for n in range(len(responses))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        errors = stderr_tails(servers)

    statuses = sorted(response.status_code for response in responses)
    assert statuses == [201] + [409] * (len(responses) - 1), errors
    assert {response.json()["code"] for response in responses if response.status_code == 409} == {
        "slot_taken"
    }
    with db.connection_context():
        confirmed = Booking.select().where(Booking.status == "CONFIRMED").count()
    assert confirmed == 1


def test_a_keys_rate_limit_is_counted_once_across_servers(tmp_path, bound):
    _, key = prepare(plan="free")

    with two_servers(tmp_path, bound, RATELIMIT_ENABLED="1") as servers:
        # Alternating servers, one request at a time: the 61st is well defined.
        answers = [
            httpx.get(servers[n % 2][0] + "/api/v1/me", headers=bearer(key), timeout=10)
            for n in range(FREE_LIMIT_PER_MINUTE + 1)
        ]
        errors = stderr_tails(servers)

    allowed, refused = answers[:-1], answers[-1]
    assert [answer.status_code for answer in allowed] == [200] * FREE_LIMIT_PER_MINUTE, errors
    assert {answer.headers["x-ratelimit-limit"] for answer in allowed} == {"60"}
    assert [int(answer.headers["x-ratelimit-remaining"]) for answer in allowed] == list(
        range(FREE_LIMIT_PER_MINUTE - 1, -1, -1)
    )
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-remaining"] == "0"
    body = refused.json()
    assert set(body) == {"error", "code", "details"}
    assert body["code"] == "rate_limited"


def test_a_webhook_enqueued_by_one_server_is_delivered_by_the_worker(tmp_path, bound):
    event_type_id, key = prepare()
    queue = RedisHuey("slotwise", url=REDIS_URL, results=False)

    with (
        WebhookReceiver() as receiver,
        two_servers(tmp_path, bound, RATELIMIT_ENABLED="0", WEBHOOKS_ALLOW_PRIVATE="1") as servers,
    ):
        (first, _, _), (second, _, _) = servers
        hook = httpx.post(
            first + "/api/v1/webhooks",
            headers=bearer(key),
            json={"url": receiver.url + "/hooks", "events": ["booking.created"]},
            timeout=10,
        )
        assert hook.status_code == 201, hook.text
        booking = httpx.post(
            second + "/api/bookings", json=booking_body(event_type_id, slot_start()), timeout=10
        )
        assert booking.status_code == 201, booking.text

        # A server running jobs would have delivered by now: its consumer blocks on Redis.
        time.sleep(1.5)
        assert receiver.requests == []
        with db.connection_context():
            undispatched = DomainEvent.select().where(DomainEvent.dispatched_at.is_null()).count()
            assert undispatched >= 1
            assert WebhookDelivery.select().count() == 0
        assert queue.pending_count() == undispatched

        with working(
            tmp_path, bound, SECRET_KEY=SECRET, REDIS_URL=REDIS_URL, WEBHOOKS_ALLOW_PRIVATE="1"
        ) as worker_err:
            try:
                [delivered] = receiver.wait_for(1, timeout=15)
            except AssertionError as exc:
                raise AssertionError(worker_err.read_text()[-2000:]) from exc
            delivery = eventually(
                lambda: WebhookDelivery.get_or_none(WebhookDelivery.status == "delivered")
            )

    body = json.loads(delivered.body)
    assert body["type"] == "booking.created"
    assert body["data"]["id"] == booking.json()["id"]
    assert delivered.headers["slotwise-event-id"] == body["id"]
    assert verify(
        hook.json()["secret"], delivered.headers["slotwise-signature"], delivered.body, time.time()
    )
    assert delivery.attempts == 1
    assert len(receiver.requests) == 1
