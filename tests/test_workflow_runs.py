"""Workflow runs end to end: planned with a booking, moved, dropped, run once at their
instant by the real job queue under a fake clock, sent over real SMTP and webhooks."""

import json
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conftest import SECRET, bearer
from models import EmailMessage, EventType, Schedule, WorkflowRun, db
from services import bookings, webhooks
from services.auth import Principal
from services.workflows import runs
from slotwise import jobs
from smtp_server import smtp_server
from webhook_receiver import WebhookReceiver, verify

ALWAYS = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "24:00"}
]
SECOND = timedelta(seconds=1)
DAY = timedelta(days=1)


class Clock:
    """The jobs' "now", moved on by the test."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture
def clock():
    return Clock(datetime(2026, 3, 1, 12, tzinfo=UTC))


@pytest.fixture
def queue(app, database_url, smtp, clock):
    """The app's job queue, its jobs reading the fake clock, e-mails going to real SMTP."""
    settings = {
        **app.app.config,
        "DATABASE_URL": database_url,
        "SMTP_URL": smtp.url,
        "WEBHOOKS_ALLOW_PRIVATE": True,
    }
    huey = jobs.build(settings, clock=clock)
    huey.flush()
    yield huey
    huey.flush()


def run_queue(huey, clock: Clock, *, sweep: bool = False) -> None:
    """Do what a consumer does at the clock's time: the sweep if asked, the tasks whose ETA
    has come, and everything queued, until nothing is left that may run yet."""
    stamp = clock().astimezone(UTC).replace(tzinfo=None)
    tasks = huey.read_periodic(stamp) if sweep else []
    while True:
        tasks += huey.read_schedule(stamp)
        while (task := huey.dequeue()) is not None:
            tasks.append(task)
        if not tasks:
            return
        for task in tasks:
            # A task whose ETA is still ahead goes (back) to the schedule.
            huey.execute(task, timestamp=stamp)
        tasks = []


def schedule_in(tenant, zone: str) -> Schedule:
    with db.connection_context():
        return Schedule.create(
            organization=tenant.organization,
            owner=tenant.owner,
            name=zone,
            timezone=zone,
            rules=ALWAYS,
        )


@pytest.fixture
def event_type(tenant, make_event_type) -> EventType:
    return make_event_type(
        schedule=schedule_in(tenant, "America/New_York"),
        title="Intro call",
        location={"type": "video", "value": "https://meet.example.com/ada"},
        booking_window_days=365,
    )


def add_workflow(client, tenant, **body) -> dict:
    body = {
        "name": "Reminder",
        "trigger": "before_start",
        "offsetMinutes": 1440,
        "actions": [
            {
                "type": "email_invitee",
                "template": {
                    "subject": "Reminder: {{ eventTypeTitle }}",
                    "body": "{{ inviteeName }}: {{ startTimeLocal }} / {{ startTimeHost }}",
                },
            }
        ],
        **body,
    }
    response = client.post("/api/v1/workflows", headers=bearer(tenant.key), json=body)
    assert response.status_code == 201, response.json()
    return response.json()


def book(event_type, start: datetime, now: datetime, timezone="America/New_York"):
    invitee = bookings.Invitee("Grace Hopper", "grace@navy.example", timezone)
    with db.connection_context():
        booking, _ = bookings.book(
            event_type.id, invitee, start, actor=bookings.INVITEE, now=now, secret=SECRET
        )
    return booking


def hours_ahead(hours: int) -> datetime:
    """A slot start: a whole hour, this many hours (less a part of one) from now."""
    return (datetime.now(UTC) + timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)


def local(text: str, zone: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone))


def runs_of(client, tenant, workflow_id, query="") -> list[dict]:
    response = client.get(
        f"/api/v1/workflows/{workflow_id}/runs{query}", headers=bearer(tenant.key)
    )
    assert response.status_code == 200
    return response.json()["data"]


def reminders(smtp, subject="Reminder") -> list:
    """Messages the SMTP server accepted whose subject starts with ``subject``."""
    parsed = [message.parsed() for message in smtp.messages]
    return [message for message in parsed if message["Subject"].strip().startswith(subject)]


@pytest.mark.parametrize(
    ("zone", "start", "due", "due_locally"),
    [
        # The day after the United States' spring change (08 March, 02:00): no shift.
        ("America/New_York", "2026-03-09T09:00", "2026-03-08T13:00:00Z", "09:00 EDT"),
        # On the day of the change: 24 real hours before 09:00 EDT is 08:00 EST.
        ("America/New_York", "2026-03-08T09:00", "2026-03-07T13:00:00Z", "08:00 EST"),
        # Berlin's autumn change (25 October, 03:00 CEST): 10:00 CEST the day before.
        ("Europe/Berlin", "2026-10-25T09:00", "2026-10-24T08:00:00Z", "10:00 CEST"),
    ],
)
def test_a_reminder_fires_at_its_instant_across_a_daylight_saving_change(
    client, tenant, make_event_type, queue, clock, smtp, zone, start, due, due_locally
):
    event_type = make_event_type(schedule=schedule_in(tenant, zone), booking_window_days=365)
    due_at = datetime.fromisoformat(due)
    clock.now = due_at - 3 * DAY
    workflow = add_workflow(client, tenant)
    booking = book(event_type, local(start, zone), clock(), timezone=zone)

    run_queue(queue, clock)
    [planned] = runs_of(client, tenant, workflow["id"])
    clock.now = due_at - SECOND
    run_queue(queue, clock, sweep=True)
    early = reminders(smtp)
    clock.now = due_at
    run_queue(queue, clock)

    assert planned["dueAt"] == due.replace(":00Z", ":00.000Z")
    assert f"{due_at.astimezone(ZoneInfo(zone)):%H:%M %Z}" == due_locally
    assert early == []
    [reminder] = reminders(smtp)
    assert reminder["To"].addresses[0].addr_spec == "grace@navy.example"
    local_start = local(start, zone)
    assert reminder.get_content().strip() == (
        f"Grace Hopper: {local_start:%A}, {local_start.day} {local_start:%B %Y}, 09:00 ({zone})"
        f" / {local_start:%A}, {local_start.day} {local_start:%B %Y}, 09:00 ({zone})"
    )
    [done] = runs_of(client, tenant, workflow["id"])
    assert (done["status"], done["ranAt"], done["bookingId"]) == (
        "done",
        planned["dueAt"],
        booking.id,
    )
    assert done["actions"] == [
        {
            "type": "email_invitee",
            "status": "sent",
            "emailId": done["actions"][0]["emailId"],
            "eventId": None,
            "error": "",
        }
    ]


def test_rescheduling_moves_the_reminder(client, tenant, event_type, queue, clock, smtp):
    workflow = add_workflow(client, tenant, offsetMinutes=60)
    start = datetime(2026, 3, 20, 15, tzinfo=UTC)
    booking = book(event_type, start, clock())
    with db.connection_context():
        bookings.reschedule(booking, start + DAY, actor="key_test", now=clock())

    clock.now = start - timedelta(minutes=60)
    run_queue(queue, clock, sweep=True)
    at_old_time = reminders(smtp)
    clock.now = start + DAY - timedelta(minutes=60)
    run_queue(queue, clock, sweep=True)

    assert at_old_time == []
    assert len(reminders(smtp)) == 1
    moved, old = runs_of(client, tenant, workflow["id"])
    assert (old["dueAt"], old["status"], old["reason"]) == (
        "2026-03-20T14:00:00.000Z",
        "cancelled",
        "booking_rescheduled",
    )
    assert (moved["dueAt"], moved["status"]) == ("2026-03-21T14:00:00.000Z", "done")


@pytest.mark.parametrize(
    ("change", "reason"), [("cancel", "booking_cancelled"), ("decline", "booking_declined")]
)
def test_cancelling_or_declining_drops_the_reminder(
    client, tenant, make_event_type, queue, clock, smtp, change, reason
):
    event_type = make_event_type(
        schedule=schedule_in(tenant, "UTC"), requires_confirmation=change == "decline"
    )
    workflow = add_workflow(client, tenant)
    start = datetime(2026, 3, 20, 15, tzinfo=UTC)
    booking = book(event_type, start, clock())
    with db.connection_context():
        getattr(bookings, change)(booking, actor="key_test")

    clock.now = start - DAY
    run_queue(queue, clock, sweep=True)

    assert reminders(smtp) == []
    [dropped] = runs_of(client, tenant, workflow["id"])
    assert (dropped["status"], dropped["reason"]) == ("cancelled", reason)


def test_an_inactive_workflow_plans_nothing(client, tenant, event_type, queue, clock):
    workflow = add_workflow(client, tenant, active=False)
    book(event_type, datetime(2026, 3, 20, 15, tzinfo=UTC), clock())

    assert runs_of(client, tenant, workflow["id"]) == []


def test_deactivating_cancels_the_planned_runs_and_reactivating_plans_them_again(
    client, tenant, event_type, clock
):
    workflow = add_workflow(client, tenant)
    book(event_type, datetime(2026, 12, 20, 15, tzinfo=UTC), clock())
    path = f"/api/v1/workflows/{workflow['id']}"

    client.patch(path, headers=bearer(tenant.key), json={"active": False})
    paused = runs_of(client, tenant, workflow["id"])
    client.patch(path, headers=bearer(tenant.key), json={"active": True})

    assert [(run["status"], run["reason"]) for run in paused] == [
        ("cancelled", "workflow_deactivated")
    ]
    statuses = sorted(run["status"] for run in runs_of(client, tenant, workflow["id"]))
    assert statuses == ["cancelled", "planned"]


def test_a_new_workflow_covers_the_bookings_ahead_of_its_event_types(
    client, tenant, event_type, make_event_type, clock
):
    other_type = make_event_type("other", schedule=schedule_in(tenant, "UTC"))
    ahead = book(event_type, datetime(2026, 12, 20, 15, tzinfo=UTC), datetime.now(UTC))
    book(other_type, datetime(2026, 12, 21, 15, tzinfo=UTC), datetime.now(UTC))
    with db.connection_context():
        bookings.cancel(
            book(event_type, datetime(2026, 12, 22, 15, tzinfo=UTC), datetime.now(UTC)),
            actor="key_test",
        )

    workflow = add_workflow(client, tenant, eventTypeIds=[event_type.id])
    changed = client.patch(
        f"/api/v1/workflows/{workflow['id']}",
        headers=bearer(tenant.key),
        json={"offsetMinutes": 120, "name": "Two hours before"},
    )

    assert changed.status_code == 200
    assert [
        (run["bookingId"], run["dueAt"], run["status"], run["reason"])
        for run in runs_of(client, tenant, workflow["id"])
    ] == [
        (ahead.id, "2026-12-20T13:00:00.000Z", "planned", ""),
        (ahead.id, "2026-12-19T15:00:00.000Z", "cancelled", "workflow_changed"),
    ]


def test_a_reminder_planned_late_runs_at_once_and_one_due_after_the_start_is_skipped(
    client, tenant, event_type, queue, clock, smtp
):
    workflow = add_workflow(client, tenant)
    # Booked two hours ahead: the day-before reminder is overdue, and goes out at once.
    soon = book(event_type, clock() + timedelta(hours=2), clock())
    run_queue(queue, clock)
    sent_at_once = len(reminders(smtp))
    # This one's job is lost, and the sweep finds it only after the booking started.
    later = book(event_type, clock() + timedelta(hours=5), clock())
    queue.flush()
    clock.now = later.start_at + SECOND
    run_queue(queue, clock, sweep=True)

    assert sent_at_once == 1
    assert len(reminders(smtp)) == 1
    found = {run["bookingId"]: run for run in runs_of(client, tenant, workflow["id"])}
    assert (found[soon.id]["status"], found[soon.id]["reason"]) == ("done", "")
    assert (found[later.id]["status"], found[later.id]["reason"]) == ("skipped", "booking_started")
    assert found[later.id]["actions"] == []


def test_a_run_lost_by_the_queue_is_found_by_the_sweep(
    client, tenant, event_type, queue, clock, smtp
):
    add_workflow(client, tenant)
    start = datetime(2026, 3, 20, 15, tzinfo=UTC)
    book(event_type, start, clock())
    queue.flush()

    clock.now = start - DAY
    run_queue(queue, clock)
    without_sweep = reminders(smtp)
    run_queue(queue, clock, sweep=True)

    assert without_sweep == []
    assert len(reminders(smtp)) == 1


def test_a_run_dispatched_twice_at_once_runs_once(client, tenant, event_type, app, smtp):
    add_workflow(client, tenant, actions=[{"type": "email_invitee"}, {"type": "email_host"}])
    booking = book(event_type, hours_ahead(30), datetime.now(UTC))
    with db.connection_context():
        run_id = WorkflowRun.get(WorkflowRun.booking == booking.id).id
    config = {**app.app.config, "SMTP_URL": smtp.url}
    due = booking.start_at - DAY
    start_together = threading.Barrier(2)
    failures = []

    def worker():
        start_together.wait()
        try:
            with db.connection_context():
                runs.execute(run_id, now=due, config=config)
        except Exception as exc:  # reported below: an exception in a thread is lost
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    with db.connection_context():
        run = WorkflowRun.get_by_id(run_id)
        emails = EmailMessage.select().where(EmailMessage.template.startswith("workflow_"))
        assert sorted(message.to for message in emails) == [
            "ada@acme.example",
            "grace@navy.example",
        ]
    assert (run.status, run.ran_at) == ("done", due)


def owner_of(tenant) -> Principal:
    return Principal(
        key_id="key_test",
        user_id=tenant.owner.id,
        organization_id=tenant.organization.id,
        scopes=None,
        mode="live",
    )


def subscribe(tenant, url: str, events: list[str]) -> str:
    """An endpoint at ``url`` (a local one, as the queue's settings allow); its secret."""
    with db.connection_context():
        _, secret = webhooks.create_endpoint(
            owner_of(tenant),
            url=url,
            events=events,
            now=datetime.now(UTC),
            config={"WEBHOOKS_ALLOW_PRIVATE": True},
        )
    return secret


def test_a_webhook_action_reaches_the_subscribed_endpoints_and_an_email_the_host(
    client, tenant, event_type, queue, clock, smtp
):
    clock.now = datetime.now(UTC)
    workflow = add_workflow(
        client,
        tenant,
        trigger="booking.created",
        offsetMinutes=None,
        actions=[{"type": "webhook"}, {"type": "email_host"}],
    )
    with WebhookReceiver() as receiver:
        secret = subscribe(tenant, receiver.url + "/workflows", ["workflow.triggered"])
        subscribe(tenant, receiver.url + "/bookings", ["booking.cancelled"])
        booking = book(event_type, hours_ahead(48), clock())
        run_queue(queue, clock)
        [delivered] = receiver.wait_for(1)

    body = json.loads(delivered.body)
    [run] = runs_of(client, tenant, workflow["id"])
    assert delivered.path == "/workflows"
    assert verify(
        secret, delivered.headers["slotwise-signature"], delivered.body, clock().timestamp()
    )
    assert body["type"] == "workflow.triggered"
    assert body["id"] == run["actions"][0]["eventId"]
    assert {key: body["data"][key] for key in ("workflowId", "runId", "trigger", "dueAt")} == {
        "workflowId": workflow["id"],
        "runId": run["id"],
        "trigger": "booking.created",
        "dueAt": run["dueAt"],
    }
    assert (body["data"]["booking"]["id"], body["data"]["booking"]["status"]) == (
        booking.id,
        "CONFIRMED",
    )
    assert [(action["type"], action["status"]) for action in run["actions"]] == [
        ("webhook", "emitted"),
        ("email_host", "sent"),
    ]
    [to_host] = reminders(smtp, subject="Booked: Intro call")
    assert to_host["To"].addresses[0].addr_spec == "ada@acme.example"
    assert "Grace Hopper <grace@navy.example>" in to_host.get_content()


def test_a_series_runs_booking_created_once_and_reminds_every_occurrence(
    client, tenant, event_type, clock
):
    created = add_workflow(client, tenant, trigger="booking.created", offsetMinutes=None)
    reminder = add_workflow(client, tenant)

    response = client.post(
        "/api/v1/bookings",
        headers=bearer(tenant.key),
        json={
            "eventTypeId": event_type.id,
            "inviteeName": "Grace Hopper",
            "inviteeEmail": "grace@navy.example",
            "inviteeTimezone": "UTC",
            "startTime": (datetime.now(UTC) + 3 * DAY)
            .replace(minute=0, second=0, microsecond=0)
            .isoformat(),
            "recurrence": {"frequency": "weekly", "count": 3},
        },
    )

    assert response.status_code == 201, response.json()
    assert len(runs_of(client, tenant, created["id"])) == 1
    assert len(runs_of(client, tenant, reminder["id"])) == 3


def test_runs_are_listed_latest_first_and_filtered(client, tenant, event_type, clock):
    workflow = add_workflow(client, tenant, trigger="after_end", offsetMinutes=30)
    first = book(event_type, datetime(2026, 3, 20, 15, tzinfo=UTC), clock())
    second = book(event_type, datetime(2026, 3, 21, 15, tzinfo=UTC), clock())
    with db.connection_context():
        bookings.cancel(first, actor="key_test")

    everything = runs_of(client, tenant, workflow["id"])
    planned = runs_of(client, tenant, workflow["id"], "?status=planned")
    of_first = runs_of(client, tenant, workflow["id"], f"?bookingId={first.id}")
    paged = client.get(
        f"/api/v1/workflows/{workflow['id']}/runs?limit=1&page=2", headers=bearer(tenant.key)
    ).json()

    assert [(run["bookingId"], run["dueAt"]) for run in everything] == [
        (second.id, "2026-03-21T16:00:00.000Z"),
        (first.id, "2026-03-20T16:00:00.000Z"),
    ]
    assert [run["bookingId"] for run in planned] == [second.id]
    assert [(run["status"], run["ranAt"]) for run in of_first] == [("cancelled", None)]
    assert paged["pagination"] == {"page": 2, "limit": 1, "total": 2, "totalPages": 2}
    assert [run["bookingId"] for run in paged["data"]] == [first.id]


def test_placeholders_speak_each_readers_time_zone_and_the_email_is_logged(
    app, client, tenant, event_type, queue, clock, smtp
):
    body = "\n".join(
        f"{name}={{{{ {name} }}}}"
        for name in (
            "inviteeName",
            "inviteeEmail",
            "eventTypeTitle",
            "startTimeLocal",
            "startTimeHost",
            "endTimeLocal",
            "timezone",
            "hostName",
            "location",
            "manageUrl",
        )
    )
    add_workflow(
        client,
        tenant,
        offsetMinutes=60,
        actions=[{"type": "email_invitee", "template": {"subject": "Reminder", "body": body}}],
    )
    booking = book(event_type, datetime(2026, 3, 20, 15, tzinfo=UTC), clock(), "Asia/Tokyo")

    clock.now = booking.start_at - timedelta(minutes=60)
    run_queue(queue, clock)

    [reminder] = reminders(smtp)
    manage_url = bookings.manage_url(app.app.config["BASE_URL"], booking.id, SECRET)
    assert reminder.get_content().splitlines() == [
        "inviteeName=Grace Hopper",
        "inviteeEmail=grace@navy.example",
        "eventTypeTitle=Intro call",
        "startTimeLocal=Saturday, 21 March 2026, 00:00 (Asia/Tokyo)",
        "startTimeHost=Friday, 20 March 2026, 11:00 (America/New_York)",
        "endTimeLocal=Saturday, 21 March 2026, 00:30 (Asia/Tokyo)",
        "timezone=Asia/Tokyo",
        "hostName=Ada Lovelace",
        "location=https://meet.example.com/ada",
        f"manageUrl={manage_url}",
    ]
    detail = client.get(f"/api/v1/bookings/{booking.id}", headers=bearer(tenant.key)).json()
    logged = [log for log in detail["emailLogs"] if log["template"] == "workflow_invitee"]
    assert [(log["to"], log["subject"], log["status"]) for log in logged] == [
        ("grace@navy.example", "Reminder", "sent")
    ]
