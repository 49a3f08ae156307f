"""Saved locations: their rules, event types that use them, and the copy bookings keep."""

from datetime import UTC, datetime, time, timedelta

import pytest
from peewee import IntegrityError
from test_mail import bodies, deliver, invitation, settings
from test_migrations import bound, migrations_copy  # noqa: F401 - fixtures

from conftest import SECRET, bearer
from models import Booking, Contact, EventType, Location, Schedule, db
from models.schema import MIGRATIONS_DIR, migrate
from services import organizations, widget_keys
from smtp_server import smtp_server

OFFICE = {
    "name": "Berlin office",
    "type": "in_person",
    "address": "Torstraße 1, 10119 Berlin",
    "phone": "+49 30 1234567",
    "notes": "Ring at reception.",
}
OFFICE_COPY = {
    "name": "Berlin office",
    "type": "in_person",
    "address": "Torstraße 1, 10119 Berlin",
    "phone": "+49 30 1234567",
}
MIGRATION = "0006_locations_logins_short_links"
EVERY_DAY = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "08:00", "end": "18:00"}
]


def at(days: int, hour: int) -> datetime:
    return datetime.combine(datetime.now(UTC).date() + timedelta(days=days), time(hour), UTC)


def create(client, key, **body):
    return client.post("/api/v1/locations", headers=bearer(key), json={**OFFICE, **body})


def patch(client, key, location_id, **body):
    return client.patch(f"/api/v1/locations/{location_id}", headers=bearer(key), json=body)


def delete(client, key, location_id):
    return client.delete(f"/api/v1/locations/{location_id}", headers=bearer(key))


def fetch(client, key, location_id):
    return client.get(f"/api/v1/locations/{location_id}", headers=bearer(key))


def create_event_type(client, key, **body):
    body = {"title": "Intro call", "durationMinutes": 30, **body}
    return client.post("/api/v1/event-types", headers=bearer(key), json=body)


def patch_event_type(client, key, event_type_id, **body):
    return client.patch(f"/api/v1/event-types/{event_type_id}", headers=bearer(key), json=body)


def book(client, event_type_id: str, start: datetime) -> dict:
    response = client.post(
        "/api/bookings",
        json={
            "eventTypeId": event_type_id,
            "inviteeName": "Grace Hopper",
            "inviteeEmail": "grace@navy.example",
            "inviteeTimezone": "America/New_York",
            "startTime": start.isoformat(),
        },
    )
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def open_schedule(tenant):
    with db.connection_context():
        return Schedule.create(
            organization=tenant.organization,
            owner=tenant.owner,
            name="Every day",
            timezone="UTC",
            rules=EVERY_DAY,
        )


@pytest.fixture
def office(client, tenant) -> dict:
    response = create(client, tenant.key)
    assert response.status_code == 201
    return response.json()


@pytest.fixture
def at_the_office(client, tenant, office, open_schedule) -> dict:
    """An event type bookable every day, meeting at the office."""
    response = create_event_type(
        client, tenant.key, slug="visit", locationId=office["id"], scheduleId=open_schedule.id
    )
    assert response.status_code == 201
    return response.json()


# The resource


def test_a_location_is_created_and_read_back(client, tenant):
    response = create(client, tenant.key)

    assert response.status_code == 201
    created = response.json()
    assert created["id"].startswith("loc_")
    assert created["createdAt"] == created["updatedAt"]
    assert {k: v for k, v in created.items() if k not in ("id", "createdAt", "updatedAt")} == {
        **OFFICE,
        "url": None,
    }
    assert fetch(client, tenant.key, created["id"]).json() == created


def test_locations_are_listed_by_name_in_pages(client, tenant):
    for name in ("studio", "Annex", "Berlin office"):
        create(client, tenant.key, name=name)

    first = client.get("/api/v1/locations?limit=2", headers=bearer(tenant.key)).json()
    second = client.get("/api/v1/locations?limit=2&page=2", headers=bearer(tenant.key)).json()

    assert [location["name"] for location in first["data"] + second["data"]] == [
        "Annex",
        "Berlin office",
        "studio",
    ]
    assert first["pagination"] == {"page": 1, "limit": 2, "total": 3, "totalPages": 2}
    assert second["pagination"] == {"page": 2, "limit": 2, "total": 3, "totalPages": 2}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "Office", "type": "in_person"}, "address"),
        ({"name": "Room", "type": "video", "phone": "+1 202 555 0100"}, "url"),
        ({"name": "Hotline", "type": "phone", "address": "Main St 1"}, "phone"),
        ({"name": "Office", "type": "in_person", "address": "   "}, "address"),
    ],
)
def test_each_type_needs_its_detail(client, tenant, body, field):
    response = client.post("/api/v1/locations", headers=bearer(tenant.key), json=body)

    assert response.status_code == 422
    article = "an" if field == "address" else "a"
    assert response.json() == {
        "error": f"Locations of type {body['type']} need {article} {field}.",
        "code": "location_detail_required",
        "details": {field: f"required for {body['type']} locations"},
    }
    assert client.get("/api/v1/locations", headers=bearer(tenant.key)).json()["data"] == []


def test_a_custom_location_is_its_name_alone(client, tenant):
    response = client.post(
        "/api/v1/locations",
        headers=bearer(tenant.key),
        json={"name": "We call you on WhatsApp", "type": "custom"},
    )

    assert response.status_code == 201
    assert (response.json()["address"], response.json()["url"]) == (None, None)


@pytest.mark.parametrize(
    "body",
    [
        {"name": "Room", "type": "video", "url": "ftp://files.example.com"},
        {"name": "Room", "type": "video", "url": "https://exämple.com/räume"},
        {"name": "Room", "type": "teleport", "url": "https://meet.example.com"},
        {"name": "Office", "type": "in_person", "address": "x" * 501},
        {"type": "custom"},
        {"name": "Office", "type": "custom", "floor": 3},
    ],
)
def test_what_the_spec_forbids_is_400(client, tenant, body):
    response = client.post("/api/v1/locations", headers=bearer(tenant.key), json=body)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


def test_a_patch_changes_what_it_names_and_null_clears_a_detail(client, tenant, office):
    response = patch(client, tenant.key, office["id"], phone=None, notes="")

    assert response.status_code == 200
    updated = response.json()
    assert (updated["phone"], updated["notes"], updated["address"]) == (
        None,
        "",
        OFFICE["address"],
    )
    assert updated["updatedAt"] >= office["updatedAt"]


def test_a_patch_may_not_leave_the_location_without_its_detail(client, tenant, office):
    cleared = patch(client, tenant.key, office["id"], address=None)
    retyped = patch(client, tenant.key, office["id"], type="video")
    moved_online = patch(
        client, tenant.key, office["id"], type="video", url="https://meet.example.com/berlin"
    )

    assert (cleared.status_code, cleared.json()["code"]) == (422, "location_detail_required")
    assert (retyped.status_code, retyped.json()["details"]) == (
        422,
        {"url": "required for video locations"},
    )
    assert moved_online.status_code == 200
    assert (moved_online.json()["type"], moved_online.json()["address"]) == (
        "video",
        OFFICE["address"],
    )


def test_a_blank_name_is_refused(client, tenant, office):
    response = patch(client, tenant.key, office["id"], name="   ")

    assert response.status_code == 422
    assert response.json()["code"] == "blank_name"
    assert fetch(client, tenant.key, office["id"]).json()["name"] == "Berlin office"


def test_another_organizations_location_is_not_found_like_an_unknown_one(
    client, tenant, other_tenant
):
    theirs = create(client, other_tenant.key).json()

    for method, body in (("GET", None), ("PATCH", {"name": "Mine"}), ("DELETE", None)):
        for location_id in (theirs["id"], "loc_missing"):
            response = client.request(
                method,
                f"/api/v1/locations/{location_id}",
                headers=bearer(tenant.key),
                json=body,
            )

            assert response.status_code == 404, method
            assert response.json() == {
                "error": f"No location with id '{location_id}'.",
                "code": "not_found",
                "details": {"id": location_id},
            }
    assert client.get("/api/v1/locations", headers=bearer(tenant.key)).json()["data"] == []
    assert fetch(client, other_tenant.key, theirs["id"]).json()["name"] == "Berlin office"


READS = [("GET", "/api/v1/locations", None), ("GET", "/api/v1/locations/{id}", None)]
WRITES = [
    ("POST", "/api/v1/locations", OFFICE),
    ("PATCH", "/api/v1/locations/{id}", {"name": "Annex"}),
    ("DELETE", "/api/v1/locations/{id}", None),
]


def test_locations_take_the_event_types_scopes(client, tenant, office, make_key):
    cases = [
        (make_key(scopes=["event-types:read"]), WRITES, "event-types:write"),
        (make_key(scopes=["event-types:write", "bookings:read"]), READS, "event-types:read"),
    ]

    for key, operations, missing in cases:
        for method, path, body in operations:
            response = client.request(
                method, path.format(id=office["id"]), headers=bearer(key), json=body
            )

            assert response.status_code == 403, (method, path)
            assert response.json() == {
                "error": f"This API key lacks the '{missing}' scope needed for this operation.",
                "code": "insufficient_scope",
                "details": {"requiredScope": missing},
            }
    reader = make_key(scopes=["event-types:read"])
    assert fetch(client, reader, office["id"]).json()["name"] == "Berlin office"


# Event types


def test_an_event_type_names_a_saved_location(client, tenant, office):
    created = create_event_type(client, tenant.key, locationId=office["id"]).json()

    assert (created["locationId"], created["location"]) == (office["id"], None)
    fetched = client.get(f"/api/v1/event-types/{created['id']}", headers=bearer(tenant.key))
    assert fetched.json()["locationId"] == office["id"]


def test_another_organizations_location_is_an_unknown_location(client, tenant, other_tenant):
    theirs = create(client, other_tenant.key).json()
    mine = create_event_type(client, tenant.key).json()

    for response in (
        create_event_type(client, tenant.key, slug="other", locationId=theirs["id"]),
        patch_event_type(client, tenant.key, mine["id"], locationId=theirs["id"]),
        patch_event_type(client, tenant.key, mine["id"], locationId="loc_missing"),
    ):
        assert response.status_code == 422
        assert response.json()["code"] == "unknown_location"
        assert response.json()["details"] == {"locationId": "no such location"}
    assert patch_event_type(client, tenant.key, mine["id"]).json()["locationId"] is None


def test_setting_one_kind_of_location_clears_the_other(client, tenant, office):
    inline = {"type": "video", "value": "https://meet.example.com/ada"}
    event_type = create_event_type(client, tenant.key, location=inline).json()

    saved = patch_event_type(client, tenant.key, event_type["id"], locationId=office["id"]).json()
    written = patch_event_type(client, tenant.key, event_type["id"], location=inline).json()
    back = patch_event_type(client, tenant.key, event_type["id"], locationId=office["id"]).json()
    cleared = patch_event_type(client, tenant.key, event_type["id"], locationId=None).json()

    assert (saved["location"], saved["locationId"]) == (None, office["id"])
    assert (written["location"], written["locationId"]) == (inline, None)
    assert (back["location"], back["locationId"]) == (None, office["id"])
    assert (cleared["location"], cleared["locationId"]) == (None, None)


def test_both_kinds_of_location_at_once_are_refused(client, tenant, office):
    response = create_event_type(
        client, tenant.key, location={"type": "phone", "value": "+1"}, locationId=office["id"]
    )

    assert response.status_code == 422
    assert response.json() == {
        "error": "Give either location or locationId, not both.",
        "code": "conflicting_locations",
        "details": {"locationId": "cannot be given with location"},
    }


def test_the_widget_and_the_booking_page_show_only_the_saved_locations_kind(
    client, tenant, at_the_office
):
    with db.connection_context():
        widget_key = widget_keys.create(tenant.organization.id, name="Site").key
    public = client.get("/api/public/event-types/visit", headers={"X-Widget-Key": widget_key})
    page = client.get(f"/book/{tenant.organization.slug}/visit")

    assert public.json()["locationType"] == "in_person"
    assert "In person" in page.text
    assert OFFICE["address"] not in page.text


# Deleting


def test_a_location_in_use_cannot_be_deleted(client, tenant, office, at_the_office):
    response = delete(client, tenant.key, office["id"])

    assert response.status_code == 409
    assert response.json() == {
        "error": f"Location '{office['id']}' is used by 1 event type(s); give them another "
        "location first.",
        "code": "location_in_use",
        "details": {"eventTypeIds": [at_the_office["id"]]},
    }
    assert fetch(client, tenant.key, office["id"]).status_code == 200


def test_once_unlinked_the_location_can_be_deleted(client, tenant, office, at_the_office):
    patch_event_type(client, tenant.key, at_the_office["id"], locationId=None)

    assert delete(client, tenant.key, office["id"]).status_code == 204
    assert fetch(client, tenant.key, office["id"]).status_code == 404


def test_deleted_event_types_let_go_of_a_deleted_location(client, tenant, office, at_the_office):
    headers = bearer(tenant.key)
    client.delete(f"/api/v1/event-types/{at_the_office['id']}", headers=headers)

    assert delete(client, tenant.key, office["id"]).status_code == 204
    restored = client.post(f"/api/v1/event-types/{at_the_office['id']}/restore", headers=headers)
    assert (restored.status_code, restored.json()["locationId"]) == (200, None)


def test_the_database_refuses_to_delete_a_location_an_event_type_uses(at_the_office, office):
    # What keeps a concurrent PATCH that links the location from losing to the deletion.
    with db.connection_context(), pytest.raises(IntegrityError, match=r"(?i)foreign key"):
        Location.delete().where(Location.id == office["id"]).execute()


# What bookings keep


def test_a_booking_keeps_a_copy_of_the_location_everywhere_it_is_shown(
    client, tenant, at_the_office
):
    booking = book(client, at_the_office["id"], at(3, 10))
    headers = bearer(tenant.key)

    listed = client.get("/api/v1/bookings", headers=headers).json()["data"]
    detail = client.get(f"/api/v1/bookings/{booking['id']}", headers=headers).json()
    public = client.get(f"/api/bookings/{booking['id']}?token={booking['manageToken']}").json()
    page = client.get(f"/manage/{booking['id']}?token={booking['manageToken']}").text

    assert booking["location"] == OFFICE_COPY
    assert [entry["location"] for entry in listed] == [OFFICE_COPY]
    assert detail["location"] == public["location"] == OFFICE_COPY
    assert "In person: Berlin office, Torstraße 1, 10119 Berlin, +49 30 1234567" in page
    assert OFFICE["notes"] not in str(detail) + page


def test_editing_or_deleting_the_location_rewrites_no_booking(
    client, tenant, office, at_the_office
):
    booking = book(client, at_the_office["id"], at(3, 10))
    patch(client, tenant.key, office["id"], name="Old office", address="Elsewhere 5")
    patch_event_type(client, tenant.key, at_the_office["id"], locationId=None)
    delete(client, tenant.key, office["id"])
    later = book(client, at_the_office["id"], at(3, 12))

    kept = client.get(f"/api/v1/bookings/{booking['id']}", headers=bearer(tenant.key)).json()
    assert kept["location"] == OFFICE_COPY
    assert later["location"] is None


def test_a_rescheduled_booking_keeps_its_location(client, tenant, office, at_the_office):
    booking = book(client, at_the_office["id"], at(3, 10))
    patch(client, tenant.key, office["id"], address="Invalidenstraße 2, 10115 Berlin")

    moved = client.post(
        f"/api/bookings/{booking['id']}/reschedule?token={booking['manageToken']}",
        json={"startTime": at(4, 11).isoformat()},
    )

    assert moved.status_code == 200
    assert moved.json()["location"] == OFFICE_COPY


def test_an_inline_location_is_copied_in_the_same_shape(client, tenant, open_schedule):
    cases = [
        (
            {"type": "video", "value": "https://meet.example.com/ada"},
            {"url": "https://meet.example.com/ada"},
            "Video call",
        ),
        ({"type": "phone", "value": "+1 202 555 0100"}, {"phone": "+1 202 555 0100"}, "Phone"),
        ({"type": "in_person", "value": "Main St 1"}, {"address": "Main St 1"}, "In person"),
        ({"type": "custom", "value": "We call you"}, {}, "We call you"),
        ({"type": "video"}, {}, "Video call"),
    ]
    for number, (inline, detail, name) in enumerate(cases):
        event_type = create_event_type(
            client,
            tenant.key,
            slug=f"inline-{number}",
            location=inline,
            scheduleId=open_schedule.id,
        ).json()

        booking = book(client, event_type["id"], at(3, 8 + number))

        assert booking["location"] == {"name": name, "type": inline["type"], **detail}


def test_the_emails_and_calendar_file_say_where(client, at_the_office, app):
    with smtp_server() as smtp:
        config = settings(app, SMTP_URL=smtp.url)
        book(client, at_the_office["id"], at(3, 10))

        deliver(config)

        assert len(smtp.messages) == 2
        for received in smtp.messages:
            text, html = bodies(received.parsed())
            assert "In person: Berlin office, Torstraße 1, 10119 Berlin, +49 30 1234567" in text
            assert "Torstraße 1, 10119 Berlin" in html
            assert OFFICE["notes"] not in text
            _, _, event = invitation(received.parsed())
            assert str(event["LOCATION"]) == "Berlin office, Torstraße 1, 10119 Berlin"


def test_a_video_location_puts_its_link_in_the_calendar_file(client, tenant, open_schedule, app):
    room = client.post(
        "/api/v1/locations",
        headers=bearer(tenant.key),
        json={"name": "Ada's room", "type": "video", "url": "https://meet.example.com/ada"},
    ).json()
    event_type = create_event_type(
        client, tenant.key, locationId=room["id"], scheduleId=open_schedule.id
    ).json()

    with smtp_server() as smtp:
        book(client, event_type["id"], at(3, 10))
        deliver(settings(app, SMTP_URL=smtp.url))

        invitee_text, _ = bodies(smtp.messages[0].parsed())
        _, _, event = invitation(smtp.messages[0].parsed())
    assert "Where: Video call: Ada's room, https://meet.example.com/ada" in invitee_text
    assert str(event["LOCATION"]) == "https://meet.example.com/ada"


def test_a_cancellation_email_tells_the_location_the_booking_kept(
    client, tenant, office, at_the_office, app
):
    booking = book(client, at_the_office["id"], at(3, 10))
    patch(client, tenant.key, office["id"], address="Elsewhere 5")
    client.post(f"/api/bookings/{booking['id']}/cancel?token={booking['manageToken']}")

    with smtp_server() as smtp:
        deliver(settings(app, SMTP_URL=smtp.url))

        texts = [bodies(received.parsed())[0] for received in smtp.messages]
    assert len(texts) == 4
    assert all(OFFICE["address"] in text and "Elsewhere" not in text for text in texts)


def test_upgrading_copies_the_inline_location_onto_existing_bookings(bound, migrations_copy):  # noqa: F811
    (migrations_copy / f"{MIGRATION}.py").unlink()
    migrate(directory=migrations_copy)
    with db.connection_context():
        org, owner, _ = organizations.bootstrap(secret=SECRET, org_name="Acme", email="a@a.example")
        schedule = Schedule.get(Schedule.owner == owner)
        event_types = [
            EventType.create(
                organization=org,
                owner=owner,
                schedule=schedule,
                title=slug,
                slug=slug,
                duration_minutes=30,
                location=location,
            )
            for slug, location in (
                ("call", {"type": "phone", "value": "+1 202 555 0100"}),
                ("chat", None),
            )
        ]
        contact = Contact.create(organization=org, email="g@navy.example", name="Grace")
        for event_type in event_types:
            Booking.create(
                organization=org,
                event_type=event_type,
                host=owner,
                contact=contact,
                status="CONFIRMED",
                start_at=at(3, 10),
                end_at=at(3, 10) + timedelta(minutes=30),
                seat_key=event_type.id,
                invitee_name="Grace",
                invitee_email="g@navy.example",
                invitee_timezone="UTC",
            )
    (migrations_copy / f"{MIGRATION}.py").write_text(
        (MIGRATIONS_DIR / f"{MIGRATION}.py").read_text()
    )

    assert migrate(directory=migrations_copy) == [MIGRATION]

    with db.connection_context():
        copies = {booking.event_type.slug: booking.location for booking in Booking.select()}
    assert copies == {
        "call": {"name": "Phone", "type": "phone", "phone": "+1 202 555 0100"},
        "chat": None,
    }
