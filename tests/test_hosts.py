"""Event types with several hosts: round robin and collective availability and booking."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

import pytest

from conftest import ON_POSTGRESQL, bearer
from models import BookingHost, DomainEvent, Schedule, db, utcnow
from services import events, mail
from smtp_server import smtp_server

EVERY_DAY = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "08:00", "end": "18:00"}
]


def at(days: int, hour: int, minute: int = 0) -> datetime:
    day = datetime.now(UTC).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), UTC)


def local(moment: datetime) -> str:
    """A slot start as the availability endpoint writes it in UTC."""
    return moment.isoformat()


@dataclass
class Team:
    key: str
    ada: str
    bob: str
    schedule: str

    @property
    def low(self) -> str:
        """The host with the lower id: round robin's tie goes to them."""
        return min(self.ada, self.bob)

    @property
    def high(self) -> str:
        return max(self.ada, self.bob)


@pytest.fixture
def team(client, tenant) -> Team:
    bob = client.post(
        "/api/v1/team/members",
        headers=bearer(tenant.key),
        json={"email": "bob@acme.example", "name": "Bob Babbage"},
    ).json()
    with db.connection_context():
        schedule = Schedule.create(
            organization=tenant.organization,
            owner=tenant.owner,
            name="Every day",
            timezone="UTC",
            rules=EVERY_DAY,
        )
    return Team(key=tenant.key, ada=tenant.owner.id, bob=bob["id"], schedule=schedule.id)


def event_type(client, team: Team, slug: str, hosts, assignment="single", **fields) -> dict:
    response = client.post(
        "/api/v1/event-types",
        headers=bearer(team.key),
        json={
            "title": slug.title(),
            "slug": slug,
            "durationMinutes": 30,
            "scheduleId": team.schedule,
            "hostIds": hosts,
            "assignment": assignment,
            **fields,
        },
    )
    assert response.status_code == 201, response.json()
    return response.json()


def book(client, event_type_id: str, start: datetime, who: str = "grace") -> dict:
    response = client.post(
        "/api/bookings",
        json={
            "eventTypeId": event_type_id,
            "inviteeName": who.title(),
            "inviteeEmail": f"{who}@example.com",
            "inviteeTimezone": "UTC",
            "startTime": start.isoformat(),
        },
    )
    return response


def booked(client, event_type_id: str, start: datetime, who: str = "grace") -> dict:
    response = book(client, event_type_id, start, who)
    assert response.status_code == 201, response.json()
    return response.json()


def slots(client, team: Team, slug: str, day: datetime) -> dict[str, int]:
    """The day's slots of an event type: start -> seats available."""
    query = f"timezone=UTC&startDate={day.date()}&endDate={day.date()}"
    response = client.get(f"/api/v1/availability/{slug}?{query}", headers=bearer(team.key))
    assert response.status_code == 200, response.json()
    return {slot["start"]: slot["seatsAvailable"] for slot in response.json()["slots"]}


def host_ids(client, team: Team, booking_id: str) -> list[str]:
    return client.get(f"/api/v1/bookings/{booking_id}", headers=bearer(team.key)).json()["hostIds"]


# Event types and their hosts


def test_an_event_type_lists_its_hosts_in_the_order_given(client, team):
    created = event_type(client, team, "sales", [team.bob, team.ada], "round_robin")

    assert (created["hostIds"], created["assignment"], created["ownerId"]) == (
        [team.bob, team.ada],
        "round_robin",
        team.ada,
    )
    listed = client.get("/api/v1/event-types", headers=bearer(team.key)).json()["data"]
    assert [(e["slug"], e["hostIds"]) for e in listed] == [("sales", [team.bob, team.ada])]


def test_a_host_of_another_organization_is_an_unknown_host(client, team, other_tenant):
    response = client.post(
        "/api/v1/event-types",
        headers=bearer(team.key),
        json={
            "title": "Sales",
            "durationMinutes": 30,
            "hostIds": [team.ada, other_tenant.owner.id],
            "assignment": "collective",
        },
    )

    assert response.status_code == 422
    assert response.json() == {
        "error": f"No member with id {other_tenant.owner.id} in this organization.",
        "code": "unknown_host",
        "details": {"hostIds[1]": "no such member"},
    }
    assert client.get("/api/v1/event-types", headers=bearer(team.key)).json()["data"] == []


def test_single_assignment_takes_exactly_one_host(client, team):
    response = client.post(
        "/api/v1/event-types",
        headers=bearer(team.key),
        json={"title": "Sales", "durationMinutes": 30, "hostIds": [team.ada, team.bob]},
    )

    assert response.status_code == 422
    assert response.json() == {
        "error": "A single-host event type needs exactly one host, not 2; "
        "choose round_robin or collective for several.",
        "code": "invalid_hosts",
        "details": {"hostIds": "exactly one host for assignment single"},
    }


def test_a_host_named_twice_is_refused(client, team):
    response = client.post(
        "/api/v1/event-types",
        headers=bearer(team.key),
        json={"title": "Sales", "durationMinutes": 30, "hostIds": [team.bob, team.bob]},
    )

    assert response.status_code == 400
    assert "hostIds" in response.json()["details"]


def test_group_slots_are_not_split_across_hosts(client, team):
    seats_refused = {
        "error": "Group slots (seatsPerSlot above 1) need a single host.",
        "code": "invalid_hosts",
        "details": {"seatsPerSlot": "must be 1 when there are several hosts"},
    }
    created = client.post(
        "/api/v1/event-types",
        headers=bearer(team.key),
        json={
            "title": "Class",
            "durationMinutes": 30,
            "seatsPerSlot": 5,
            "hostIds": [team.ada, team.bob],
            "assignment": "collective",
        },
    )
    workshop = event_type(client, team, "workshop", [team.ada], seatsPerSlot=5)
    more_hosts = client.patch(
        f"/api/v1/event-types/{workshop['id']}",
        headers=bearer(team.key),
        json={"hostIds": [team.ada, team.bob], "assignment": "round_robin"},
    )
    sales = event_type(client, team, "sales", [team.ada, team.bob], "round_robin")
    more_seats = client.patch(
        f"/api/v1/event-types/{sales['id']}", headers=bearer(team.key), json={"seatsPerSlot": 2}
    )

    assert [r.status_code for r in (created, more_hosts, more_seats)] == [422, 422, 422]
    assert created.json() == more_hosts.json() == more_seats.json() == seats_refused


def test_changing_hosts_replaces_them_and_single_still_needs_one(client, team):
    sales = event_type(client, team, "sales", [team.ada])
    path = f"/api/v1/event-types/{sales['id']}"

    to_single = client.patch(path, headers=bearer(team.key), json={"hostIds": [team.ada, team.bob]})
    both = client.patch(
        path,
        headers=bearer(team.key),
        json={"hostIds": [team.bob, team.ada], "assignment": "collective"},
    )
    back = client.patch(path, headers=bearer(team.key), json={"assignment": "single"})
    only_bob = client.patch(
        path, headers=bearer(team.key), json={"hostIds": [team.bob], "assignment": "single"}
    )

    assert to_single.json()["code"] == "invalid_hosts"
    assert (both.status_code, both.json()["hostIds"]) == (200, [team.bob, team.ada])
    assert back.json()["code"] == "invalid_hosts"
    assert (only_bob.json()["hostIds"], only_bob.json()["assignment"]) == ([team.bob], "single")
    assert client.get(path, headers=bearer(team.key)).json()["hostIds"] == [team.bob]


def test_a_single_event_type_of_another_member_fills_that_members_calendar(client, team):
    bobs = event_type(client, team, "bobs", [team.bob])
    adas = event_type(client, team, "adas", [team.ada])

    booking = booked(client, bobs["id"], at(3, 10))

    assert booking["hostIds"] == [team.bob]
    assert local(at(3, 10)) not in slots(client, team, "bobs", at(3, 0))
    assert local(at(3, 10)) in slots(client, team, "adas", at(3, 0))
    assert booked(client, adas["id"], at(3, 10))["hostIds"] == [team.ada]


# Round robin


def test_round_robin_offers_a_slot_while_any_host_is_free(client, team):
    event_type(client, team, "sales", [team.ada, team.bob], "round_robin")
    bobs = event_type(client, team, "bobs", [team.bob])
    booked(client, bobs["id"], at(3, 10))

    offered = slots(client, team, "sales", at(3, 0))

    assert offered[local(at(3, 9))] == 2
    assert offered[local(at(3, 10))] == 1


def test_round_robin_gives_each_booking_to_the_least_booked_free_host(client, team):
    sales = event_type(client, team, "sales", [team.ada, team.bob], "round_robin")

    first = booked(client, sales["id"], at(3, 9), "first")
    second = booked(client, sales["id"], at(3, 11), "second")
    third = booked(client, sales["id"], at(4, 9), "third")
    fourth = booked(client, sales["id"], at(4, 11), "fourth")

    # A tie goes to the lower id; then the other host has fewer.
    assert [b["hostIds"] for b in (first, second, third, fourth)] == [
        [team.low],
        [team.high],
        [team.low],
        [team.high],
    ]


def test_round_robin_counts_only_active_bookings_of_its_own_event_type(client, team):
    sales = event_type(client, team, "sales", [team.ada, team.bob], "round_robin")
    low_alone = event_type(client, team, "other", [team.low])
    for hour in (9, 10, 11):
        booked(client, low_alone["id"], at(5, hour), f"other{hour}")
    first = booked(client, sales["id"], at(3, 9), "first")
    client.post(f"/api/v1/bookings/{first['id']}/cancel", headers=bearer(team.key))

    second = booked(client, sales["id"], at(3, 11), "second")

    # The other event type's bookings and the cancelled one do not count: still a tie.
    assert (first["hostIds"], second["hostIds"]) == ([team.low], [team.low])


def test_round_robin_skips_a_busy_host(client, team):
    sales = event_type(client, team, "sales", [team.ada, team.bob], "round_robin")
    low_alone = event_type(client, team, "other", [team.low])
    booked(client, low_alone["id"], at(3, 10), "busy")

    taken = booked(client, sales["id"], at(3, 10), "first")
    again = book(client, sales["id"], at(3, 10), "second")

    assert taken["hostIds"] == [team.high]
    assert again.status_code == 409
    assert again.json() == {
        "error": "This slot has just been taken.",
        "code": "slot_taken",
        "details": {"startTime": taken["startTime"], "reasons": ["busy"]},
    }
    assert local(at(3, 10)) not in slots(client, team, "sales", at(3, 0))


def test_explaining_a_round_robin_slot_no_host_can_take_names_each_host(client, team):
    sales = event_type(client, team, "sales", [team.ada, team.bob], "round_robin")
    booked(client, sales["id"], at(3, 10), "first")
    booked(client, sales["id"], at(3, 10), "second")

    response = client.get(
        f"/api/v1/availability/sales/explain?time={at(3, 10).isoformat()}".replace("+", "%2B"),
        headers=bearer(team.key),
    )

    assert response.json()["bookable"] is False
    assert [(r["code"], r["detail"].split(":")[0]) for r in response.json()["reasons"]] == [
        ("busy", f"Host {team.low}"),
        ("busy", f"Host {team.high}"),
    ]


def test_rescheduling_round_robin_keeps_the_host_while_free_else_moves(client, team):
    sales = event_type(client, team, "sales", [team.ada, team.bob], "round_robin")
    low_alone = event_type(client, team, "other", [team.low])
    booking = booked(client, sales["id"], at(3, 9))
    assert booking["hostIds"] == [team.low]
    path = f"/api/v1/bookings/{booking['id']}/reschedule"

    kept = client.post(path, headers=bearer(team.key), json={"startTime": at(3, 12).isoformat()})
    booked(client, low_alone["id"], at(3, 14), "busy")
    moved = client.post(path, headers=bearer(team.key), json={"startTime": at(3, 14).isoformat()})

    assert kept.json()["hostIds"] == [team.low]
    assert moved.status_code == 200
    assert moved.json()["hostIds"] == [team.high]
    with db.connection_context():
        rows = list(BookingHost.select().where(BookingHost.booking == booking["id"]))
    assert [(row.host_id, row.start_at, row.active) for row in rows] == [
        (team.high, at(3, 14), True)
    ]


def test_a_round_robin_series_goes_to_one_host_free_at_every_occurrence(client, team):
    sales = event_type(client, team, "sales", [team.ada, team.bob], "round_robin")
    low_alone = event_type(client, team, "other", [team.low])
    # The low host is busy at the third occurrence only.
    booked(client, low_alone["id"], at(5, 10), "busy")

    response = client.post(
        "/api/v1/bookings",
        headers=bearer(team.key),
        json={
            "eventTypeId": sales["id"],
            "inviteeName": "Grace",
            "inviteeEmail": "grace@example.com",
            "inviteeTimezone": "UTC",
            "startTime": at(3, 10).isoformat(),
            "recurrence": {"frequency": "daily", "count": 3},
        },
    )

    assert response.status_code == 201, response.json()
    series = client.get(
        f"/api/v1/bookings/{response.json()['id']}/occurrences", headers=bearer(team.key)
    ).json()["data"]
    assert [b["hostIds"] for b in series] == [[team.high]] * 3


# Collective


def test_collective_offers_only_the_times_every_host_is_free(client, team):
    event_type(client, team, "panel", [team.ada, team.bob], "collective")
    adas = event_type(client, team, "adas", [team.ada])
    bobs = event_type(client, team, "bobs", [team.bob])
    booked(client, adas["id"], at(3, 10), "a")
    booked(client, bobs["id"], at(3, 11), "b")

    offered = slots(client, team, "panel", at(3, 0))

    assert local(at(3, 10)) not in offered
    assert local(at(3, 11)) not in offered
    assert offered[local(at(3, 12))] == 1
    assert len(offered) == 20 - 2


def test_a_collective_booking_occupies_every_host(client, team):
    panel = event_type(client, team, "panel", [team.bob, team.ada], "collective")
    adas = event_type(client, team, "adas", [team.ada])
    bobs = event_type(client, team, "bobs", [team.bob])

    booking = booked(client, panel["id"], at(3, 14))

    # The first host listed is the primary host.
    assert booking["hostIds"] == [team.bob, team.ada]
    for slug in ("adas", "bobs", "panel"):
        assert local(at(3, 14)) not in slots(client, team, slug, at(3, 0)), slug
    for other in (adas, bobs):
        refused = book(client, other["id"], at(3, 14), "late")
        assert (refused.status_code, refused.json()["code"]) == (409, "slot_taken")
    listed = client.get("/api/v1/bookings", headers=bearer(team.key)).json()["data"]
    assert [b["hostIds"] for b in listed] == [[team.bob, team.ada]]


def test_a_collective_booking_is_refused_when_one_host_is_busy(client, team):
    panel = event_type(client, team, "panel", [team.ada, team.bob], "collective")
    bobs = event_type(client, team, "bobs", [team.bob])
    booked(client, bobs["id"], at(3, 10), "b")

    response = book(client, panel["id"], at(3, 10))
    forced = client.post(
        "/api/v1/bookings",
        headers=bearer(team.key),
        json={
            "eventTypeId": panel["id"],
            "inviteeName": "Grace",
            "inviteeEmail": "grace@example.com",
            "inviteeTimezone": "UTC",
            "startTime": at(3, 10).isoformat(),
            "force": True,
        },
    )

    assert (response.status_code, response.json()["code"]) == (409, "slot_taken")
    assert (forced.status_code, forced.json()["code"]) == (409, "slot_taken")
    explained = client.get(
        f"/api/v1/availability/panel/explain?time={at(3, 10).isoformat()}".replace("+", "%2B"),
        headers=bearer(team.key),
    ).json()
    assert [(r["code"], r["detail"].split(":")[0]) for r in explained["reasons"]] == [
        ("busy", f"Host {team.bob}")
    ]


def test_cancelling_a_collective_booking_frees_every_host(client, team):
    panel = event_type(client, team, "panel", [team.ada, team.bob], "collective")
    event_type(client, team, "bobs", [team.bob])
    booking = booked(client, panel["id"], at(3, 14))

    cancelled = client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=bearer(team.key))

    assert cancelled.json()["hostIds"] == [team.ada, team.bob]
    assert local(at(3, 14)) in slots(client, team, "bobs", at(3, 0))
    assert local(at(3, 14)) in slots(client, team, "panel", at(3, 0))


def test_declining_a_collective_request_frees_every_host(client, team):
    panel = event_type(
        client, team, "panel", [team.ada, team.bob], "collective", requiresConfirmation=True
    )
    event_type(client, team, "bobs", [team.bob])
    request = booked(client, panel["id"], at(3, 14))
    assert request["status"] == "PENDING"
    assert local(at(3, 14)) not in slots(client, team, "bobs", at(3, 0))

    client.post(f"/api/v1/bookings/{request['id']}/decline", headers=bearer(team.key))

    assert local(at(3, 14)) in slots(client, team, "bobs", at(3, 0))


def test_confirming_a_collective_request_keeps_every_host_busy(client, team):
    panel = event_type(
        client, team, "panel", [team.ada, team.bob], "collective", requiresConfirmation=True
    )
    request = booked(client, panel["id"], at(3, 14))

    confirmed = client.post(f"/api/v1/bookings/{request['id']}/confirm", headers=bearer(team.key))

    assert confirmed.json()["status"] == "CONFIRMED"
    with db.connection_context():
        rows = BookingHost.select().where(BookingHost.booking == request["id"])
        assert sorted((row.host_id, row.active) for row in rows) == sorted(
            [(team.ada, True), (team.bob, True)]
        )


@pytest.mark.skipif(
    ON_POSTGRESQL, reason="PostgreSQL's exclusion constraint refuses to set up the clash"
)
def test_confirming_is_refused_when_a_host_became_busy_meanwhile(client, team):
    panel = event_type(
        client, team, "panel", [team.ada, team.bob], "collective", requiresConfirmation=True
    )
    request = booked(client, panel["id"], at(3, 14))
    # A booking written past the checks (as an older version or an import could leave it).
    with db.connection_context():
        BookingHost.update(active=False).where(BookingHost.booking == request["id"]).execute()
    bobs = event_type(client, team, "bobs", [team.bob])
    booked(client, bobs["id"], at(3, 14), "b")
    with db.connection_context():
        BookingHost.update(active=True).where(BookingHost.booking == request["id"]).execute()

    response = client.post(f"/api/v1/bookings/{request['id']}/confirm", headers=bearer(team.key))

    assert response.status_code == 409
    assert response.json()["code"] == "slot_taken"
    assert (
        client.get(f"/api/v1/bookings/{request['id']}", headers=bearer(team.key)).json()["status"]
        == "PENDING"
    )


def test_rescheduling_a_collective_booking_moves_every_host(client, team):
    panel = event_type(client, team, "panel", [team.ada, team.bob], "collective")
    event_type(client, team, "bobs", [team.bob])
    booking = booked(client, panel["id"], at(3, 14))

    moved = client.post(
        f"/api/v1/bookings/{booking['id']}/reschedule",
        headers=bearer(team.key),
        json={"startTime": at(3, 16).isoformat()},
    )

    assert moved.status_code == 200
    bobs_slots = slots(client, team, "bobs", at(3, 0))
    assert local(at(3, 14)) in bobs_slots
    assert local(at(3, 16)) not in bobs_slots


def test_rescheduling_a_collective_booking_onto_a_busy_host_is_refused(client, team):
    panel = event_type(client, team, "panel", [team.ada, team.bob], "collective")
    bobs = event_type(client, team, "bobs", [team.bob])
    booking = booked(client, panel["id"], at(3, 14))
    booked(client, bobs["id"], at(3, 16), "b")

    response = client.post(
        f"/api/v1/bookings/{booking['id']}/reschedule",
        headers=bearer(team.key),
        json={"startTime": at(3, 16).isoformat()},
    )

    assert (response.status_code, response.json()["code"]) == (409, "slot_taken")
    assert local(at(3, 14)) not in slots(client, team, "bobs", at(3, 0))


def test_every_host_of_a_collective_booking_gets_the_email(app, client, team):
    panel = event_type(client, team, "panel", [team.ada, team.bob], "collective")
    booked(client, panel["id"], at(3, 14))
    created = []

    with smtp_server() as smtp, db.connection_context():
        config = {**app.app.config, "SMTP_URL": smtp.url}

        def compose(event):
            messages = mail.compose(event, config=config)
            created.extend(messages)
            return messages

        for event in DomainEvent.select().where(DomainEvent.dispatched_at.is_null()):
            events.dispatch(event.id, now=utcnow(), compose_emails=compose)
        for message in created:
            mail.send(message.id, now=utcnow(), config=config)
        received = [message.rcpt_tos for message in smtp.messages]

    assert received == [["grace@example.com"], ["ada@acme.example"], ["bob@acme.example"]]
    assert [message.template for message in created] == [
        "booking_created_invitee",
        "booking_created_host",
        "booking_created_host",
    ]
