"""Rate limits: per secret key by plan, public booking per client, failed authentication."""

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from conftest import bearer, config_for, make_tenant
from models import EventType, Schedule, db
from models.schema import migrate
from services import widget_keys
from slotwise.app import create_app

ALL_DAY = {"start": "00:00", "end": "24:00"}
BAD_KEY = "sw_live_" + "x" * 40
LIMITS = {
    "RATELIMIT_ENABLED": True,
    "RATE_LIMIT_FREE": "3/minute;100/day",
    "RATE_LIMIT_PRO": "5/minute;100/day",
    "PUBLIC_BOOKING_LIMIT": "2/minute",
    "AUTH_FAILURE_LIMIT": "3/minute",
}


@pytest.fixture
def limited(database_url):
    """A client of an app with low limits (and more settings), calling from ``peer``.

    ``also_from`` gives a second client of the same app (limits in memory are per app).
    """
    clients = []

    def build(peer: str = "203.0.113.7", also_from: str | None = None, **settings):
        app = create_app({**config_for(database_url), **LIMITS, **settings})
        migrate()
        for address in filter(None, (peer, also_from)):
            clients.append(app.test_client(client=(address, 40000)).__enter__())
        return clients[-1] if also_from is None else (clients[-2], clients[-1])

    yield build
    for client in clients:
        client.__exit__(None, None, None)


def assert_rate_limited(response):
    assert response.status_code == 429
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["code"] == "rate_limited"
    assert set(body) == {"error", "code", "details"}
    assert int(response.headers["retry-after"]) >= 1
    assert response.headers["x-ratelimit-remaining"] == "0"


def test_a_free_plan_key_gets_its_plans_limit_with_headers(limited):
    client = limited()
    key = make_tenant("Free Org", "a@free.example", plan="free").key

    answers = [client.get("/api/v1/me", headers=bearer(key)) for _ in range(4)]

    assert [answer.status_code for answer in answers[:3]] == [200, 200, 200]
    assert [answer.headers["x-ratelimit-remaining"] for answer in answers[:3]] == ["2", "1", "0"]
    assert {answer.headers["x-ratelimit-limit"] for answer in answers[:3]} == {"3"}
    assert all(re.fullmatch(r"\d{10}", answer.headers["x-ratelimit-reset"]) for answer in answers)
    # Only a 429 tells the client to wait.
    assert not any("retry-after" in answer.headers for answer in answers[:3])
    assert_rate_limited(answers[3])
    assert "x-request-id" in answers[3].headers


def test_a_pro_plan_key_gets_more(limited):
    client = limited()
    key = make_tenant("Pro Org", "a@pro.example", plan="pro").key

    statuses = [client.get("/api/v1/me", headers=bearer(key)).status_code for _ in range(6)]

    assert statuses == [200] * 5 + [429]


def test_test_mode_keys_get_the_free_plans_limit(limited):
    client = limited()
    tenant = make_tenant("Pro Org", "a@pro.example", plan="pro")
    test_key = client.post(
        "/api/v1/api-keys", headers=bearer(tenant.key), json={"name": "CI", "mode": "test"}
    ).json()["key"]

    statuses = [client.get("/api/v1/me", headers=bearer(test_key)).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]


def test_each_key_has_its_own_allowance(limited):
    client = limited()
    first = make_tenant("One", "a@one.example", plan="free").key
    second = make_tenant("Two", "a@two.example", plan="free").key

    for _ in range(3):
        client.get("/api/v1/me", headers=bearer(first))

    assert client.get("/api/v1/me", headers=bearer(first)).status_code == 429
    assert client.get("/api/v1/me", headers=bearer(second)).status_code == 200


def test_probes_and_docs_are_not_limited(limited):
    client = limited()

    for _ in range(5):
        response = client.get("/healthz")
        assert response.status_code == 200
        assert "x-ratelimit-limit" not in response.headers
    assert client.get("/docs/").status_code == 200


@pytest.fixture
def bookable(database_url):
    def create():
        tenant = make_tenant("Acme", "ada@acme.example")
        with db.connection_context():
            schedule = Schedule.create(
                organization=tenant.organization,
                owner=tenant.owner,
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
                organization=tenant.organization,
                owner=tenant.owner,
                schedule=schedule,
                title="Intro",
                slug="intro",
                duration_minutes=30,
            )
            key = widget_keys.create(tenant.organization.id, name="Website").key
        return event_type.id, key

    return create


def booking(event_type_id: str, hour: int) -> dict:
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=2), time(hour), UTC)
    return {
        "eventTypeId": event_type_id,
        "inviteeName": "Grace",
        "inviteeEmail": f"grace{hour}@navy.example",
        "inviteeTimezone": "UTC",
        "startTime": start.isoformat(),
    }


def test_public_booking_is_limited_per_client(limited, bookable):
    client = limited()
    event_type_id, _ = bookable()

    answers = [
        client.post("/api/bookings", json=booking(event_type_id, hour)) for hour in (8, 9, 10)
    ]

    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert answers[0].headers["x-ratelimit-limit"] == "2"
    assert_rate_limited(answers[2])


def test_public_booking_is_limited_per_widget_key_across_clients(limited, bookable):
    first, second = limited(peer="198.51.100.1", also_from="198.51.100.2")
    event_type_id, key = bookable()
    headers = {"X-Widget-Key": key}

    statuses = [
        first.post("/api/bookings", headers=headers, json=booking(event_type_id, 8)).status_code,
        second.post("/api/bookings", headers=headers, json=booking(event_type_id, 9)).status_code,
        second.post("/api/bookings", headers=headers, json=booking(event_type_id, 10)).status_code,
        second.post("/api/bookings", json=booking(event_type_id, 11)).status_code,
    ]

    # Two bookings with the key from two clients use it up; without the key, the second
    # client still has one of its own.
    assert statuses == [201, 201, 429, 201]


def test_the_sixth_attempt_after_failed_authentications_is_429_even_with_a_good_key(limited):
    client = limited()
    good = make_tenant("Acme", "ada@acme.example").key

    failures = [client.get("/api/v1/me", headers=bearer(BAD_KEY)) for _ in range(3)]
    refused = client.get("/api/v1/me", headers=bearer(good))

    assert [failure.status_code for failure in failures] == [401, 401, 401]
    assert [failure.headers["x-ratelimit-remaining"] for failure in failures] == ["2", "1", "0"]
    assert_rate_limited(refused)
    assert refused.json()["error"].startswith("Too many failed authentications")


def test_failed_authentications_of_one_client_do_not_lock_out_another(limited):
    attacker, honest = limited(peer="198.51.100.66", also_from="198.51.100.7")
    good = make_tenant("Acme", "ada@acme.example").key
    for _ in range(3):
        attacker.get("/api/v1/me", headers=bearer(BAD_KEY))

    assert honest.get("/api/v1/me", headers=bearer(good)).status_code == 200


def test_a_spoofed_forwarded_for_changes_nothing_without_a_trusted_proxy(limited):
    client = limited(peer="198.51.100.66")

    for number in range(3):
        headers = {**bearer(BAD_KEY), "X-Forwarded-For": f"192.0.2.{number}"}
        client.get("/api/v1/me", headers=headers)
    response = client.get("/api/v1/me", headers={"X-Forwarded-For": "192.0.2.200"})

    assert response.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_counts(limited):
    proxy = limited(peer="10.0.0.5", TRUSTED_PROXIES="10.0.0.0/8")

    for _ in range(3):
        proxy.get(
            "/api/v1/me",
            headers={**bearer(BAD_KEY), "X-Forwarded-For": "192.0.2.1, 10.0.0.7"},
        )
    blocked = proxy.get("/api/v1/me", headers={"X-Forwarded-For": "192.0.2.1"})
    other = proxy.get("/api/v1/me", headers={"X-Forwarded-For": "192.0.2.2"})

    assert blocked.status_code == 429
    assert other.status_code == 401


def test_limits_can_be_turned_off(limited):
    client = limited(RATELIMIT_ENABLED=False)
    key = make_tenant("Free Org", "a@free.example", plan="free").key

    statuses = {client.get("/api/v1/me", headers=bearer(key)).status_code for _ in range(5)}

    assert statuses == {200}
