"""Side effects end to end: the outbox, the job queue, real webhook receivers and SMTP.

A booking's webhooks and e-mails leave only after its transaction commits, through the
same huey queue production uses, and arrive at least once, even when the worker that
was delivering them is killed.
"""

import json
import os
import signal
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import redis
from peewee import SqliteDatabase

from conftest import SECRET, bearer, config_for, make_tenant
from models import Booking, DomainEvent, EventType, Schedule, WebhookDelivery, db, write_transaction
from models.schema import migrate
from servers import SLOTWISE, cli_env
from services import bookings, events
from slotwise import jobs
from slotwise.app import create_app
from smtp_server import smtp_server
from webhook_receiver import Reply, WebhookReceiver, verify

EVERY_DAY = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "24:00"}
]
REDIS_URL = os.environ.get("SLOTWISE_TEST_REDIS_URL", "")


def eventually(check, timeout: float = 10.0):
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        with db.connection_context():
            found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"not true after {timeout} s: {check.__doc__ or check}")
        time.sleep(0.05)


def open_event_type(tenant) -> EventType:
    with db.connection_context():
        schedule = Schedule.create(
            organization=tenant.organization,
            owner=tenant.owner,
            name="Always",
            timezone="UTC",
            rules=EVERY_DAY,
        )
        return EventType.create(
            organization=tenant.organization,
            owner=tenant.owner,
            schedule=schedule,
            title="Intro call",
            slug="intro",
            duration_minutes=30,
        )


def slot(days: int = 2, hour: int = 10) -> str:
    return (
        datetime.combine(datetime.now(UTC).date() + timedelta(days=days), datetime.min.time(), UTC)
        .replace(hour=hour)
        .isoformat()
    )


def booking_body(event_type_id: str, start: str) -> dict:
    return {
        "eventTypeId": event_type_id,
        "inviteeName": "Grace Hopper",
        "inviteeEmail": "grace@navy.example",
        "inviteeTimezone": "America/New_York",
        "startTime": start,
    }


def queued(huey) -> int:
    return huey.pending_count() + huey.scheduled_count()


def test_a_rolled_back_change_fires_nothing(app, tenant):
    huey = jobs.build(dict(app.app.config))
    before = queued(huey)

    def failing_change():
        with write_transaction():
            events.emit("ping", tenant.organization.id, {"hello": "world"})
            raise RuntimeError("the change fails after the event was written")

    with db.connection_context(), pytest.raises(RuntimeError):
        failing_change()

    with db.connection_context():
        assert DomainEvent.select().where(DomainEvent.type == "ping").count() == 0
    assert queued(huey) == before
    with db.connection_context(), write_transaction():
        events.emit("ping", tenant.organization.id, {"hello": "world"})
    assert queued(huey) == before + 1


def test_the_next_writer_need_not_wait_for_the_work_to_be_queued(app, tenant):
    if not isinstance(db.obj, SqliteDatabase):
        pytest.skip("only SQLite serializes writers in the process")
    finished = threading.Event()

    def next_writer():
        with db.connection_context(), write_transaction():
            events.emit("ping", tenant.organization.id, {})
        finished.set()

    def enqueue():
        # Runs after the commit, as enqueueing does: another writer can begin meanwhile.
        writer = threading.Thread(target=next_writer)
        writer.start()
        writer.join(timeout=10)

    with db.connection_context():
        with write_transaction():
            events.emit("ping", tenant.organization.id, {})
            db.after_commit(enqueue)
        assert finished.is_set()
        assert DomainEvent.select().where(DomainEvent.type == "ping").count() == 2


def test_the_sqlite_queue_does_not_wait_for_the_disk(app, tmp_path):
    # The database records the work; a job lost from the queue is found by the sweep.
    settings = {**app.app.config, "REDIS_URL": "", "DATABASE_URL": f"sqlite:///{tmp_path}/q.db"}
    huey = jobs.build(settings)

    assert huey.storage.conn.execute("pragma synchronous").fetchone() == (1,)


def test_a_refused_booking_records_no_event(client, tenant):
    event_type = open_event_type(tenant)
    start = slot()
    client.post("/api/bookings", json=booking_body(event_type.id, start))
    with db.connection_context():
        recorded = [event.type for event in DomainEvent.select().order_by(DomainEvent.created_at)]

    refused = client.post(
        "/api/bookings", json={**booking_body(event_type.id, start), "inviteeEmail": "x@y.example"}
    )

    assert refused.status_code == 409
    assert sorted(recorded) == ["booking.created", "contact.created"]
    with db.connection_context():
        assert DomainEvent.select().count() == len(recorded)


@pytest.fixture
def live_app(database_url):
    """An app whose job consumer runs in its own threads, as under ``slotwise serve``."""

    def build(**overrides):
        application = create_app(
            {
                **config_for(database_url),
                "INPROCESS_WORKER": True,
                "WEBHOOKS_ALLOW_PRIVATE": True,
                "RETRY_SECONDS": (0.2, 0.2, 0.2),
                **overrides,
            }
        )
        migrate()
        return application

    return build


def test_a_booking_reaches_the_webhook_and_both_inboxes(live_app):
    with smtp_server() as mail_server, WebhookReceiver() as receiver:
        app = live_app(SMTP_URL=mail_server.url)
        tenant = make_tenant("Acme", "ada@acme.example", name="Ada Lovelace")
        event_type = open_event_type(tenant)
        with app.test_client() as client:
            hook = client.post(
                "/api/v1/webhooks",
                headers=bearer(tenant.key),
                json={
                    "url": receiver.url + "/hooks",
                    "events": ["booking.created", "booking.cancelled"],
                },
            ).json()
            booking = client.post("/api/bookings", json=booking_body(event_type.id, slot())).json()
            [delivered] = receiver.wait_for(1)
            eventually(lambda: len(mail_server.messages) == 2)
            client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=bearer(tenant.key))
            cancelled = receiver.wait_for(2)[1]
            eventually(lambda: len(mail_server.messages) == 4)

            def all_sent():
                """The e-mail log says sent once the worker has recorded it, after SMTP."""
                logs = client.get(
                    f"/api/v1/bookings/{booking['id']}", headers=bearer(tenant.key)
                ).json()["emailLogs"]
                return [log["status"] for log in logs] == ["sent"] * 4

            eventually(all_sent)

    body = json.loads(delivered.body)
    assert (body["type"], body["data"]) == (
        "booking.created",
        {k: booking[k] for k in body["data"]},
    )
    assert delivered.headers["slotwise-event-id"] == body["id"]
    assert verify(
        hook["secret"], delivered.headers["slotwise-signature"], delivered.body, time.time()
    )
    assert json.loads(cancelled.body)["data"]["status"] == "CANCELLED"
    recipients = sorted(tuple(message.rcpt_tos) for message in mail_server.messages[:2])
    assert recipients == [("ada@acme.example",), ("grace@navy.example",)]


def test_a_failing_receiver_gets_the_delivery_again_until_it_accepts(live_app):
    with WebhookReceiver([500, 503]) as receiver:
        app = live_app()
        tenant = make_tenant("Acme", "ada@acme.example")
        event_type = open_event_type(tenant)
        with app.test_client() as client:
            client.post(
                "/api/v1/webhooks",
                headers=bearer(tenant.key),
                json={"url": receiver.url, "events": ["booking.created"]},
            )
            client.post("/api/bookings", json=booking_body(event_type.id, slot()))
            attempts = receiver.wait_for(3, timeout=15)
            delivery = eventually(
                lambda: WebhookDelivery.get_or_none(WebhookDelivery.status == "delivered")
            )

    assert len({request.headers["slotwise-event-id"] for request in attempts}) == 1
    assert delivery.attempts == 3


@pytest.fixture(params=["sqlite", "redis"])
def queue_settings(request, tmp_path):
    database_url = f"sqlite:///{tmp_path}/durable.db"
    settings = {"DATABASE_URL": database_url, "SECRET_KEY": SECRET}
    if request.param == "redis":
        if not REDIS_URL.startswith("redis"):
            pytest.skip("Redis tests need SLOTWISE_TEST_REDIS_URL=redis://...")
        redis.Redis.from_url(REDIS_URL).flushdb()
        settings["REDIS_URL"] = REDIS_URL
    return settings


def start_worker(settings: dict, cwd) -> subprocess.Popen:
    variables = {
        "SECRET_KEY": settings["SECRET_KEY"],
        "WEBHOOKS_ALLOW_PRIVATE": "1",
        "JOB_LEASE_SECONDS": "2",
        "RETRY_SECONDS": "0.5",
        "INPROCESS_WORKER": "0",
    }
    if "REDIS_URL" in settings:
        variables["REDIS_URL"] = settings["REDIS_URL"]
    return subprocess.Popen(
        [SLOTWISE, "worker", "--workers", "2"],
        env=cli_env(settings["DATABASE_URL"], **variables),
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_a_webhook_survives_its_worker_being_killed_mid_delivery(queue_settings, tmp_path):
    # The receiver hangs on the first delivery, long enough to kill the worker in it.
    with WebhookReceiver([Reply(204, delay=30)]) as receiver:
        app = create_app(
            {**queue_settings, "INPROCESS_WORKER": False, "WEBHOOKS_ALLOW_PRIVATE": True}
        )
        migrate()
        tenant = make_tenant("Acme", "ada@acme.example")
        event_type = open_event_type(tenant)
        with app.test_client() as client:
            client.post(
                "/api/v1/webhooks",
                headers=bearer(tenant.key),
                json={"url": receiver.url, "events": ["booking.created"]},
            )
        with db.connection_context():
            booking, _ = bookings.book(
                event_type.id,
                bookings.Invitee("Grace Hopper", "grace@navy.example", "UTC"),
                datetime.fromisoformat(slot()),
                actor=bookings.INVITEE,
                now=datetime.now(UTC),
                secret=SECRET,
            )

        worker = start_worker(queue_settings, tmp_path)
        try:
            receiver.wait_for(1, timeout=20)
            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            # Past the lease of the dead worker, a new one takes the delivery over.
            time.sleep(2.5)
            worker = start_worker(queue_settings, tmp_path)
            second = receiver.wait_for(2, timeout=30)[1]
            delivery = eventually(
                lambda: WebhookDelivery.get_or_none(WebhookDelivery.status == "delivered"),
                timeout=10,
            )
        finally:
            worker.terminate()
            worker.wait(timeout=20)

    assert json.loads(second.body)["data"]["id"] == booking.id
    assert delivery.event.booking_id == booking.id
    with db.connection_context():
        assert Booking.select().count() == 1
