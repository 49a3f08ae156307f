"""Contacts: unique addresses, search, soft deletion and restore, meetings, and their events."""

from datetime import UTC, datetime, time, timedelta

import pytest

from conftest import bearer
from models import Booking, DomainEvent, Schedule, db
from services import contacts
from services.auth import Principal

EVERY_DAY = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "08:00", "end": "18:00"}
]
GRACE = {"name": "Grace Hopper", "email": "grace@navy.example"}


def create(client, key, **body):
    return client.post("/api/v1/contacts", headers=bearer(key), json={**GRACE, **body})


def patch(client, key, contact_id, **body):
    return client.patch(f"/api/v1/contacts/{contact_id}", headers=bearer(key), json=body)


def fetch(client, key, contact_id):
    return client.get(f"/api/v1/contacts/{contact_id}", headers=bearer(key))


def delete(client, key, contact_id):
    return client.delete(f"/api/v1/contacts/{contact_id}", headers=bearer(key))


def restore(client, key, contact_id):
    return client.post(f"/api/v1/contacts/{contact_id}/restore", headers=bearer(key))


def names(client, key, query: str = "") -> list[str]:
    body = client.get(f"/api/v1/contacts{query}", headers=bearer(key)).json()
    return [contact["name"] for contact in body["data"]]


def contact_events(contact_id: str) -> list[tuple[str, dict]]:
    """The contact.* events recorded about one contact, oldest first."""
    with db.connection_context():
        found = (
            DomainEvent.select()
            .where(DomainEvent.type.startswith("contact."))
            .order_by(DomainEvent.created_at)
        )
        return [(event.type, event.data) for event in found if event.data["id"] == contact_id]


def duplicate_email(email: str, owner_id: str) -> dict:
    return {
        "error": f"Another contact already has the e-mail address {email}.",
        "code": "duplicate_email",
        "details": {"email": "already used", "contactId": owner_id},
    }


def owner_of(tenant) -> Principal:
    """The tenant's owner as a full-access caller of the services."""
    return Principal(
        key_id="key_test",
        user_id=tenant.owner.id,
        organization_id=tenant.organization.id,
        scopes=None,
        mode="live",
    )


def at(days: int, hour: int) -> datetime:
    """An instant some days from now, at a UTC wall-clock hour."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), UTC)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


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


def book(client, event_type_id: str, start: datetime, **extra) -> dict:
    body = {
        "eventTypeId": event_type_id,
        "inviteeName": "Grace",
        "inviteeEmail": "GRACE@navy.example",
        "inviteeTimezone": "UTC",
        "startTime": start.isoformat(),
        **extra,
    }
    response = client.post("/api/bookings", json=body)
    assert response.status_code == 201, response.json()
    return response.json()


def move(booking_id: str, by: timedelta) -> None:
    with db.connection_context():
        booking = Booking.get_by_id(booking_id)
        booking.start_at += by
        booking.end_at += by
        booking.save()


def test_a_new_contact_keeps_every_field_with_its_address_lower_cased(client, tenant):
    phones = [{"label": "work", "number": "+1 202 555 0100"}]
    addresses = [{"label": "office", "street": "1 Navy Yard", "city": "Washington"}]

    response = create(
        client,
        tenant.key,
        name="  Grace Hopper ",
        email="Grace@Navy.Example",
        company="US Navy",
        phones=phones,
        addresses=addresses,
        websites=["https://navy.example"],
        unsubscribed=True,
    )

    assert response.status_code == 201
    created = response.json()
    assert created["id"].startswith("con_")
    assert created["createdAt"] == created["updatedAt"]
    assert created["createdAt"].endswith("Z")
    assert {k: v for k, v in created.items() if k not in ("id", "createdAt", "updatedAt")} == {
        "name": "Grace Hopper",
        "email": "grace@navy.example",
        "phone": "",
        "company": "US Navy",
        "notes": "",
        "phones": phones,
        "addresses": addresses,
        "websites": ["https://navy.example"],
        "unsubscribed": True,
        "bounced": False,
        "deletedAt": None,
    }
    fetched = fetch(client, tenant.key, created["id"])
    assert fetched.json() == {**created, "upcomingMeetings": [], "pastMeetings": []}


def test_addresses_are_stored_trimmed_and_lower_cased_by_the_service(tenant):
    with db.connection_context():
        contact = contacts.create_contact(
            owner_of(tenant), {**GRACE, "email": " Grace@Navy.EXAMPLE\n"}, now=at(0, 9)
        )

    assert contact.email == "grace@navy.example"


def test_a_blank_name_is_refused_on_create_and_on_update(client, tenant):
    created = create(client, tenant.key).json()

    responses = [
        create(client, tenant.key, name=" \t ", email="blank@x.example"),
        patch(client, tenant.key, created["id"], name="  "),
    ]

    for response in responses:
        assert response.status_code == 422
        assert response.json() == {
            "error": "name must contain a visible character.",
            "code": "blank_name",
            "details": {"name": "must contain a visible character"},
        }
    assert names(client, tenant.key) == ["Grace Hopper"]


@pytest.mark.parametrize("website", ["", "navy.example", "https://navy example"])
def test_a_website_that_is_not_an_absolute_uri_is_refused(client, tenant, website):
    created = create(client, tenant.key).json()

    responses = [
        create(client, tenant.key, email="web@x.example", websites=[website]),
        patch(client, tenant.key, created["id"], websites=["https://navy.example", website]),
    ]

    for response, index in zip(responses, (0, 1), strict=True):
        assert response.status_code == 400
        assert response.json() == {
            "error": f"Invalid request body: websites[{index}]: is not a valid uri",
            "code": "validation_failed",
            "details": {f"websites[{index}]": "is not a valid uri"},
        }
    assert fetch(client, tenant.key, created["id"]).json()["websites"] == []


def test_contacts_are_listed_by_name_whatever_its_case_then_by_id(client, tenant):
    sams = [
        create(client, tenant.key, name="Sam", email=f"sam{n}@x.example").json()["id"]
        for n in range(3)
    ]
    for name, email in [("zed", "z@x.example"), ("Ada", "a@x.example")]:
        create(client, tenant.key, name=name, email=email)

    first = client.get("/api/v1/contacts?limit=3", headers=bearer(tenant.key)).json()
    second = client.get("/api/v1/contacts?limit=3&page=2", headers=bearer(tenant.key)).json()

    assert [c["name"] for c in first["data"]] == ["Ada", "Sam", "Sam"]
    assert first["pagination"] == {"page": 1, "limit": 3, "total": 5, "totalPages": 2}
    assert [c["name"] for c in second["data"]] == ["Sam", "zed"]
    assert [c["id"] for c in first["data"][1:] + second["data"][:1]] == sorted(sams)


SEARCHES = {
    "HOPP": ["Grace Hopper"],
    "navy.EX": ["Grace Hopper"],
    "babbage": ["Ada Lovelace"],
    "a": ["Ada Lovelace", "Grace Hopper", "Percent Man"],
    "%": ["Percent Man"],
    "_": [],
    "nobody": [],
}


def test_search_matches_name_email_or_company_ignoring_case_and_wildcards(client, tenant):
    create(client, tenant.key)
    create(client, tenant.key, name="Ada Lovelace", email="ada@x.example", company="Babbage & Co")
    create(client, tenant.key, name="Percent Man", email="pm@y.example", company="100% Ltd")
    ghost = create(client, tenant.key, name="Grace Ghost", email="ghost@navy.example").json()
    delete(client, tenant.key, ghost["id"])

    found = {
        search: names(client, tenant.key, f"?search={search.replace('%', '%25')}")
        for search in SEARCHES
    }

    assert found == SEARCHES


def test_an_address_is_unique_in_the_organization_whatever_its_case(client, tenant, other_tenant):
    first = create(client, tenant.key).json()

    response = create(client, tenant.key, name="Someone else", email="GRACE@navy.example")

    assert response.status_code == 409
    assert response.json() == duplicate_email("grace@navy.example", first["id"])
    assert names(client, tenant.key) == ["Grace Hopper"]
    assert create(client, other_tenant.key).status_code == 201


def test_changing_the_address_to_another_contacts_is_409(client, tenant):
    grace = create(client, tenant.key).json()
    ada = create(client, tenant.key, name="Ada", email="ada@x.example").json()

    response = patch(client, tenant.key, ada["id"], email="Grace@Navy.example", name="Grace")

    assert response.status_code == 409
    assert response.json() == duplicate_email("grace@navy.example", grace["id"])
    assert fetch(client, tenant.key, ada["id"]).json()["name"] == "Ada"


def test_a_duplicate_inserted_concurrently_is_409_too(client, tenant, monkeypatch):
    first = create(client, tenant.key).json()
    # As if the other request committed between the check and the insert.
    monkeypatch.setattr(contacts, "_refuse_taken_email", lambda contact: None)

    response = create(client, tenant.key, name="Grace again")

    assert response.status_code == 409
    assert response.json() == duplicate_email("grace@navy.example", first["id"])
    assert [event for event, _ in contact_events(first["id"])] == ["contact.created"]
    with db.connection_context():
        assert DomainEvent.select().count() == 1


def test_a_patch_changes_only_the_fields_given_and_lists_replace(client, tenant):
    created = create(
        client,
        tenant.key,
        company="US Navy",
        phones=[{"label": "work", "number": "1"}, {"number": "2"}],
        websites=["https://navy.example"],
    ).json()

    response = patch(
        client, tenant.key, created["id"], phones=[{"number": "3"}], email="G@Navy.example"
    )

    assert response.status_code == 200
    updated = response.json()
    assert updated["updatedAt"] >= created["updatedAt"]
    assert updated == {
        **created,
        "phones": [{"number": "3"}],
        "email": "g@navy.example",
        "updatedAt": updated["updatedAt"],
    }
    assert fetch(client, tenant.key, created["id"]).json()["phones"] == [{"number": "3"}]


def test_a_contact_may_keep_its_own_address_in_another_case(client, tenant):
    created = create(client, tenant.key).json()

    response = patch(client, tenant.key, created["id"], email="GRACE@navy.example")

    assert (response.status_code, response.json()) == (200, created)
    assert [event for event, _ in contact_events(created["id"])] == ["contact.created"]


def test_every_change_fires_an_event_carrying_the_contact_as_the_api_shows_it(client, tenant):
    created = create(client, tenant.key).json()
    updated = patch(client, tenant.key, created["id"], unsubscribed=True).json()
    delete(client, tenant.key, created["id"])
    deleted = {
        k: v
        for k, v in fetch(client, tenant.key, created["id"]).json().items()
        if k not in ("upcomingMeetings", "pastMeetings")
    }
    restored = restore(client, tenant.key, created["id"]).json()

    assert deleted["deletedAt"] is not None
    assert contact_events(created["id"]) == [
        ("contact.created", created),
        ("contact.updated", updated),
        ("contact.deleted", deleted),
        ("contact.updated", restored),
    ]


def test_a_deleted_contact_leaves_lists_and_searches_but_can_still_be_read(client, tenant):
    created = create(client, tenant.key).json()
    create(client, tenant.key, name="Ada", email="ada@x.example")

    response = delete(client, tenant.key, created["id"])

    assert response.status_code == 204
    assert names(client, tenant.key) == ["Ada"]
    assert names(client, tenant.key, "?search=grace") == []
    fetched = fetch(client, tenant.key, created["id"])
    assert fetched.status_code == 200
    assert fetched.json()["deletedAt"].endswith("Z")
    assert fetched.json()["updatedAt"] == fetched.json()["deletedAt"]


def test_a_deleted_contact_must_be_restored_before_it_changes(client, tenant):
    created = create(client, tenant.key).json()
    delete(client, tenant.key, created["id"])

    responses = [
        patch(client, tenant.key, created["id"], name="Ghost"),
        delete(client, tenant.key, created["id"]),
    ]

    for response in responses:
        assert response.status_code == 404
        assert response.json() == {
            "error": f"Contact '{created['id']}' is deleted; restore it first.",
            "code": "not_found",
            "details": {"id": created["id"]},
        }
    assert [event for event, _ in contact_events(created["id"])] == [
        "contact.created",
        "contact.deleted",
    ]


def test_restoring_brings_the_contact_back_as_it_was(client, tenant):
    created = create(client, tenant.key, company="US Navy").json()
    delete(client, tenant.key, created["id"])

    response = restore(client, tenant.key, created["id"])

    assert response.status_code == 200
    restored = response.json()
    assert {k: v for k, v in restored.items() if k != "updatedAt"} == {
        k: v for k, v in created.items() if k != "updatedAt"
    }
    assert names(client, tenant.key) == ["Grace Hopper"]


def test_restoring_a_live_contact_changes_nothing(client, tenant):
    created = create(client, tenant.key).json()

    response = restore(client, tenant.key, created["id"])

    assert (response.status_code, response.json()) == (200, created)
    assert [event for event, _ in contact_events(created["id"])] == ["contact.created"]


def test_a_deleted_contacts_address_is_free_until_it_is_restored(client, tenant):
    old = create(client, tenant.key).json()
    delete(client, tenant.key, old["id"])
    new = create(client, tenant.key, name="New Grace", email="Grace@navy.example")
    assert new.status_code == 201

    response = restore(client, tenant.key, old["id"])

    assert response.status_code == 409
    assert response.json() == duplicate_email("grace@navy.example", new.json()["id"])
    assert fetch(client, tenant.key, old["id"]).json()["deletedAt"] is not None


def test_the_detail_splits_meetings_into_upcoming_and_past(
    client, tenant, make_event_type, open_schedule
):
    grace = create(client, tenant.key).json()
    intro = make_event_type(schedule=open_schedule)
    vetted = make_event_type("vetted", schedule=open_schedule, requires_confirmation=True)
    later = book(client, intro.id, at(3, 10))
    sooner = book(client, intro.id, at(2, 10))
    pending = book(client, vetted.id, at(3, 12))
    cancelled = book(client, intro.id, at(4, 10))
    client.post(f"/api/v1/bookings/{cancelled['id']}/cancel", headers=bearer(tenant.key))
    under_way = book(client, intro.id, at(5, 10))
    ended = book(client, intro.id, at(6, 10))
    ended_cancelled = book(client, intro.id, at(7, 10))
    client.post(f"/api/v1/bookings/{ended_cancelled['id']}/cancel", headers=bearer(tenant.key))
    now = datetime.now(UTC)
    move(under_way["id"], now - timedelta(minutes=10) - at(5, 10))
    move(ended["id"], now - timedelta(hours=2) - at(6, 10))
    move(ended_cancelled["id"], now - timedelta(days=2) - at(7, 10))
    # Someone else's meeting is not Grace's.
    book(client, intro.id, at(2, 12), inviteeEmail="ada@x.example")

    detail = fetch(client, tenant.key, grace["id"]).json()

    assert [m["id"] for m in detail["upcomingMeetings"]] == [
        under_way["id"],
        sooner["id"],
        later["id"],
        pending["id"],
    ]
    assert [m["id"] for m in detail["pastMeetings"]] == [ended["id"], ended_cancelled["id"]]
    assert [m["status"] for m in detail["pastMeetings"]] == ["CONFIRMED", "CANCELLED"]
    assert detail["upcomingMeetings"][1] == {k: sooner[k] for k in detail["upcomingMeetings"][1]}
    assert {k: v for k, v in detail.items() if not k.endswith("Meetings")} == grace


def test_the_detail_shows_the_twenty_nearest_meetings_on_each_side(
    client, tenant, make_event_type, open_schedule
):
    grace = create(client, tenant.key).json()
    intro = make_event_type(schedule=open_schedule)
    first = at(2, 10)
    series = client.post(
        "/api/v1/bookings",
        headers=bearer(tenant.key),
        json={
            "eventTypeId": intro.id,
            "inviteeName": "Grace",
            "inviteeEmail": grace["email"],
            "inviteeTimezone": "UTC",
            "startTime": first.isoformat(),
            "recurrence": {"frequency": "daily", "count": 25},
        },
    )
    assert series.status_code == 201
    days = [first + timedelta(days=n) for n in range(25)]

    upcoming = fetch(client, tenant.key, grace["id"]).json()["upcomingMeetings"]
    with db.connection_context():
        for booking in Booking.select():
            move(booking.id, -timedelta(days=40))
    past = fetch(client, tenant.key, grace["id"]).json()

    assert [m["startTime"] for m in upcoming] == [iso(day) for day in days[:20]]
    assert past["upcomingMeetings"] == []
    assert [m["startTime"] for m in past["pastMeetings"]] == [
        iso(day - timedelta(days=40)) for day in reversed(days[5:])
    ]


def test_a_meeting_ending_right_now_is_past(client, tenant, make_event_type, open_schedule):
    grace = create(client, tenant.key).json()
    booking = book(client, make_event_type(schedule=open_schedule).id, at(2, 10))
    end = at(2, 10) + timedelta(minutes=30)

    with db.connection_context():
        just_before = contacts.contact_with_meetings(
            owner_of(tenant), grace["id"], now=end - timedelta(microseconds=1)
        )
        at_end = contacts.contact_with_meetings(owner_of(tenant), grace["id"], now=end)

    assert [b.id for b in just_before.upcoming] == [booking["id"]]
    assert (at_end.upcoming, [b.id for b in at_end.past]) == ([], [booking["id"]])


OPERATIONS_ON_ONE = [
    ("GET", "", None),
    ("PATCH", "", {"name": "Mine now"}),
    ("DELETE", "", None),
    ("POST", "/restore", None),
]


def test_another_organizations_contact_is_not_found_like_an_unknown_one(
    client, tenant, other_tenant
):
    theirs = create(client, other_tenant.key).json()

    # One test looping over the operations, not one per operation: each app costs 0.2 s.
    for method, suffix, body in OPERATIONS_ON_ONE:
        for contact_id in (theirs["id"], "con_missing"):
            response = client.request(
                method,
                f"/api/v1/contacts/{contact_id}{suffix}",
                headers=bearer(tenant.key),
                json=body,
            )

            assert response.status_code == 404, (method, suffix)
            assert response.json() == {
                "error": f"No contact with id '{contact_id}'.",
                "code": "not_found",
                "details": {"id": contact_id},
            }
    assert fetch(client, other_tenant.key, theirs["id"]).json()["name"] == "Grace Hopper"
    assert [event for event, _ in contact_events(theirs["id"])] == ["contact.created"]


READS = [("GET", "/api/v1/contacts", None), ("GET", "/api/v1/contacts/{id}", None)]
WRITES = [
    ("POST", "/api/v1/contacts", {"name": "Ada", "email": "ada@x.example"}),
    ("PATCH", "/api/v1/contacts/{id}", {"name": "Ada"}),
    ("DELETE", "/api/v1/contacts/{id}", None),
    ("POST", "/api/v1/contacts/{id}/restore", None),
]


def test_contacts_need_their_scopes(client, tenant, make_key):
    contact_id = create(client, tenant.key).json()["id"]
    cases = [
        (make_key(scopes=["contacts:read"]), WRITES, "contacts:write"),
        (make_key(scopes=["contacts:write", "bookings:read"]), READS, "contacts:read"),
    ]

    for key, operations, missing in cases:
        for method, path, body in operations:
            response = client.request(
                method, path.format(id=contact_id), headers=bearer(key), json=body
            )

            assert response.status_code == 403, (method, path)
            assert response.json() == {
                "error": f"This API key lacks the '{missing}' scope needed for this operation.",
                "code": "insufficient_scope",
                "details": {"requiredScope": missing},
            }
    assert names(client, tenant.key) == ["Grace Hopper"]
    assert [event for event, _ in contact_events(contact_id)] == ["contact.created"]
