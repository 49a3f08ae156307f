"""Widget keys, the public endpoints they open, and CORS for the sites that embed them."""

from datetime import UTC, datetime, time, timedelta

import pytest

from conftest import bearer
from models import Booking, Schedule, db

EVERY_DAY = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "08:00", "end": "18:00"}
]
SITE = "https://acme.example"
OTHER_SITE = "https://evil.example"


@pytest.fixture
def event_type(tenant, make_event_type):
    with db.connection_context():
        schedule = Schedule.create(
            organization=tenant.organization,
            owner=tenant.owner,
            name="Open",
            timezone="UTC",
            rules=EVERY_DAY,
        )
    return make_event_type(
        schedule=schedule, questions=[{"id": "company", "label": "Company", "type": "text"}]
    )


def create_key(client, tenant, **body):
    response = client.post(
        "/api/v1/widget-keys", headers=bearer(tenant.key), json={"name": "Website", **body}
    )
    assert response.status_code == 201, response.text
    return response.json()


def public(client, path, key, origin=None, **kwargs):
    headers = {"X-Widget-Key": key, **({"Origin": origin} if origin else {})}
    return client.get(path, headers=headers, **kwargs)


def start_in(days: int = 2) -> str:
    return datetime.combine(
        datetime.now(UTC).date() + timedelta(days=days), time(10), UTC
    ).isoformat()


def booking(event_type_id: str) -> dict:
    return {
        "eventTypeId": event_type_id,
        "inviteeName": "Grace Hopper",
        "inviteeEmail": "grace@navy.example",
        "inviteeTimezone": "UTC",
        "startTime": start_in(),
    }


def test_a_widget_key_is_public_and_listed_with_its_limits(client, tenant, event_type):
    created = create_key(client, tenant, allowedOrigins=[SITE], eventTypeIds=[event_type.id])

    assert created["key"].startswith("sw_pub_")
    assert (created["allowedOrigins"], created["eventTypeIds"]) == ([SITE], [event_type.id])
    listed = client.get("/api/v1/widget-keys", headers=bearer(tenant.key)).json()["data"]
    assert [key["key"] for key in listed] == [created["key"]]


def test_a_widget_key_shows_what_an_invitee_needs_and_nothing_more(client, tenant, event_type):
    key = create_key(client, tenant)["key"]

    listed = public(client, "/api/public/event-types", key).json()["data"]
    one = public(client, "/api/public/event-types/intro", key).json()

    assert listed == [one]
    assert set(one) == {
        "id",
        "slug",
        "title",
        "description",
        "durationMinutes",
        "locationType",
        "requiresConfirmation",
        "seatsPerSlot",
        "questions",
    }
    assert one["questions"][0]["id"] == "company"


def test_public_availability_matches_the_authenticated_one(client, tenant, event_type):
    key = create_key(client, tenant)["key"]
    day = (datetime.now(UTC).date() + timedelta(days=2)).isoformat()
    query = f"timezone=Europe/Berlin&startDate={day}&endDate={day}"

    shown = public(client, f"/api/public/availability/intro?{query}", key).json()
    internal = client.get(f"/api/v1/availability/intro?{query}", headers=bearer(tenant.key)).json()

    assert shown == internal
    assert shown["slots"]


def test_the_key_can_travel_in_the_query_string(client, tenant, event_type):
    key = create_key(client, tenant)["key"]

    response = client.get(f"/api/public/event-types/intro?widgetKey={key}")

    assert response.status_code == 200


def test_event_types_outside_the_keys_list_do_not_exist_for_it(
    client, tenant, event_type, make_event_type
):
    other = make_event_type(slug="other")
    key = create_key(client, tenant, eventTypeIds=[other.id])["key"]

    assert [e["slug"] for e in public(client, "/api/public/event-types", key).json()["data"]] == [
        "other"
    ]
    assert public(client, "/api/public/event-types/intro", key).status_code == 404
    assert public(client, "/api/public/availability/intro?timezone=UTC", key).status_code == 404
    refused = client.post(
        "/api/bookings", headers={"X-Widget-Key": key}, json=booking(event_type.id)
    )
    assert refused.status_code == 404


def test_another_organizations_event_types_do_not_exist_for_a_key(
    client, tenant, other_tenant, event_type
):
    theirs = create_key(client, other_tenant)["key"]

    assert public(client, "/api/public/event-types", theirs).json()["data"] == []
    assert public(client, "/api/public/event-types/intro", theirs).status_code == 404
    refused = client.post(
        "/api/bookings", headers={"X-Widget-Key": theirs}, json=booking(event_type.id)
    )
    assert refused.status_code == 404


def test_a_page_of_a_site_not_allowed_is_refused_and_told_why(client, tenant, event_type):
    key = create_key(client, tenant, allowedOrigins=[SITE])["key"]

    refused = public(client, "/api/public/event-types/intro", key, origin=OTHER_SITE)
    allowed = public(client, "/api/public/event-types/intro", key, origin=SITE)
    server = public(client, "/api/public/event-types/intro", key)

    assert refused.status_code == 403
    assert refused.json() == {
        "error": "This widget key may not be used on https://evil.example. "
        "Its owner can add the site to the key's allowed origins.",
        "code": "origin_not_allowed",
        "details": {"origin": OTHER_SITE},
    }
    # The widget on that page can read the refusal, so it can show it.
    assert refused.headers["access-control-allow-origin"] == OTHER_SITE
    assert allowed.status_code == 200
    assert allowed.headers["access-control-allow-origin"] == SITE
    assert server.status_code == 200
    assert "access-control-allow-origin" not in server.headers


def test_a_booking_from_a_site_not_allowed_creates_nothing(client, tenant, event_type):
    key = create_key(client, tenant, allowedOrigins=[SITE])["key"]

    refused = client.post(
        "/api/bookings",
        headers={"X-Widget-Key": key, "Origin": OTHER_SITE},
        json=booking(event_type.id),
    )
    allowed = client.post(
        "/api/bookings", headers={"X-Widget-Key": key, "Origin": SITE}, json=booking(event_type.id)
    )

    assert refused.status_code == 403
    assert refused.json()["code"] == "origin_not_allowed"
    assert allowed.status_code == 201
    with db.connection_context():
        assert Booking.select().count() == 1


@pytest.mark.parametrize("key", ["sw_pub_" + "x" * 32, "not-even-a-key"])
def test_a_bad_widget_key_on_public_booking_is_refused_not_ignored(client, event_type, key):
    response = client.post(
        "/api/bookings", headers={"X-Widget-Key": key}, json=booking(event_type.id)
    )

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_widget_key"
    with db.connection_context():
        assert Booking.select().count() == 0


def test_public_booking_still_needs_no_key(client, event_type):
    assert client.post("/api/bookings", json=booking(event_type.id)).status_code == 201


def test_a_revoked_key_stops_at_once(client, tenant, event_type):
    created = create_key(client, tenant)

    assert (
        client.delete(
            f"/api/v1/widget-keys/{created['id']}", headers=bearer(tenant.key)
        ).status_code
        == 204
    )
    response = public(client, "/api/public/event-types", created["key"])

    assert response.status_code == 401
    assert response.json()["code"] == "invalid_widget_key"
    assert (
        client.get(f"/api/v1/widget-keys/{created['id']}", headers=bearer(tenant.key)).status_code
        == 404
    )


def test_a_widget_key_opens_nothing_else(client, tenant):
    key = create_key(client, tenant)["key"]

    for headers in ({"Authorization": f"Bearer {key}"}, {"X-Api-Key": key}, {"X-Widget-Key": key}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401


def test_a_secret_key_does_not_open_the_public_endpoints(client, tenant, event_type):
    response = client.get("/api/public/event-types", headers=bearer(tenant.key))

    assert response.status_code == 401


def test_preflights_are_answered_for_public_endpoints_only(client, tenant):
    preflight = {"Origin": SITE, "Access-Control-Request-Method": "POST"}

    public_answer = client.options(
        "/api/bookings", headers={**preflight, "Access-Control-Request-Headers": "x-widget-key"}
    )
    secret_answer = client.options("/api/v1/me", headers=preflight)

    assert public_answer.status_code == 204
    assert public_answer.headers["access-control-allow-origin"] == SITE
    assert "X-Widget-Key" in public_answer.headers["access-control-allow-headers"]
    assert "access-control-allow-origin" not in secret_answer.headers


def test_secret_key_endpoints_send_no_cors_headers(client, tenant):
    response = client.get("/api/v1/me", headers={**bearer(tenant.key), "Origin": SITE})

    assert response.status_code == 200
    assert not [name for name in response.headers if name.startswith("access-control-")]


def test_origins_must_be_scheme_and_host(client, tenant):
    response = client.post(
        "/api/v1/widget-keys",
        headers=bearer(tenant.key),
        json={"name": "Website", "allowedOrigins": ["https://acme.example/booking"]},
    )

    assert response.status_code == 400
    assert list(response.json()["details"]) == ["allowedOrigins[0]"]


def test_unknown_event_types_are_refused(client, tenant):
    response = client.post(
        "/api/v1/widget-keys",
        headers=bearer(tenant.key),
        json={"name": "Website", "eventTypeIds": ["evt_nope"]},
    )

    assert response.status_code == 422
    assert response.json() == {
        "error": "Unknown event type: evt_nope.",
        "code": "unknown_event_type",
        "details": {"eventTypeIds": ["evt_nope"]},
    }


def test_changing_the_allowed_origins_takes_effect_on_the_next_request(client, tenant, event_type):
    created = create_key(client, tenant, allowedOrigins=[SITE])

    client.patch(
        f"/api/v1/widget-keys/{created['id']}",
        headers=bearer(tenant.key),
        json={"allowedOrigins": []},
    )

    assert (
        public(client, "/api/public/event-types", created["key"], origin=OTHER_SITE).status_code
        == 200
    )


def test_another_organizations_widget_key_is_404(client, tenant, other_tenant):
    theirs = create_key(client, other_tenant)

    for method in ("get", "patch", "delete"):
        kwargs = {"json": {"name": "x"}} if method == "patch" else {}
        response = getattr(client, method)(
            f"/api/v1/widget-keys/{theirs['id']}", headers=bearer(tenant.key), **kwargs
        )
        assert response.status_code == 404


def test_a_widget_booking_can_be_retried_with_an_idempotency_key(client, tenant, event_type):
    key = create_key(client, tenant)["key"]
    headers = {"X-Widget-Key": key, "Idempotency-Key": "retry-1"}

    first = client.post("/api/bookings", headers=headers, json=booking(event_type.id))
    retry = client.post("/api/bookings", headers=headers, json=booking(event_type.id))

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json()["id"] == first.json()["id"]
    assert retry.headers["idempotent-replayed"] == "true"
