"""Idempotency-Key: a retried POST gets the first answer, and never runs twice."""

from datetime import timedelta

import pytest

from conftest import bearer
from models import IdempotencyRecord, db, utcnow
from services import keys

IDEMPOTENCY_KEY = "4f1c9a0e-2b7d-4c3a-8e6f-5d2c1b0a9f8e"

PUBLIC_BOOKING = {
    "eventTypeId": "evt_unknown",
    "inviteeName": "Grace Hopper",
    "inviteeEmail": "grace@navy.example",
    "inviteeTimezone": "America/New_York",
    "startTime": "2026-12-01T03:00:00-05:00",
}


def keyed(api_key: str, idempotency_key: str = IDEMPOTENCY_KEY) -> dict:
    return {**bearer(api_key), "Idempotency-Key": idempotency_key}


def create_key(client, api_key: str, headers: dict | None = None, **body):
    return client.post("/api/v1/api-keys", headers=headers or keyed(api_key), json=body)


def key_ids(client, api_key: str) -> set[str]:
    listed = client.get("/api/v1/api-keys?limit=100", headers=bearer(api_key)).json()
    return {key["id"] for key in listed["data"]}


def stored_records() -> list[IdempotencyRecord]:
    with db.connection_context():
        return list(IdempotencyRecord.select())


def test_a_retried_key_creation_names_the_created_key_instead_of_its_secret(client, tenant):
    first = create_key(client, tenant.key, name="Reporting").json()
    before = key_ids(client, tenant.key)

    retry = create_key(client, tenant.key, name="Reporting")

    assert retry.status_code == 409
    assert retry.json() == {
        "error": f"This Idempotency-Key already created API key {first['id']}; "
        "its secret is shown only once. Revoke or rotate it.",
        "code": "idempotent_secret_not_replayed",
        "details": {"id": first["id"]},
    }
    assert key_ids(client, tenant.key) == before
    assert all(first["key"] not in (record.response_body or "") for record in stored_records())


def test_a_retried_rotation_names_the_successor_instead_of_its_secret(client, tenant):
    rotated = create_key(client, tenant.key, headers=bearer(tenant.key), name="Deploy").json()
    path = f"/api/v1/api-keys/{rotated['id']}/rotate"
    successor = client.post(path, headers=keyed(tenant.key)).json()

    retry = client.post(path, headers=keyed(tenant.key))

    assert retry.status_code == 409
    assert retry.json()["code"] == "idempotent_secret_not_replayed"
    assert retry.json()["details"] == {"id": successor["id"]}
    assert all(successor["key"] not in (record.response_body or "") for record in stored_records())


def test_a_retried_creation_replays_the_first_response(client, tenant):
    body = {"name": "Office", "timezone": "Europe/Berlin"}
    first = client.post("/api/v1/schedules", headers=keyed(tenant.key), json=body)

    retry = client.post("/api/v1/schedules", headers=keyed(tenant.key), json=body)

    assert first.status_code == 201
    assert "idempotent-replayed" not in first.headers
    assert (retry.status_code, retry.json()) == (201, first.json())
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.headers["x-request-id"] != first.headers["x-request-id"]
    listed = client.get("/api/v1/schedules", headers=bearer(tenant.key)).json()["data"]
    assert [schedule["name"] for schedule in listed].count("Office") == 1


def test_a_retried_request_that_broke_a_rule_gets_the_same_error(client, tenant):
    first = create_key(client, tenant.key, name="Late", expiresAt="2020-01-01T00:00:00Z")

    retry = create_key(client, tenant.key, name="Late", expiresAt="2020-01-01T00:00:00Z")

    assert first.status_code == 422
    assert first.json()["code"] == "expiry_in_past"
    assert (retry.status_code, retry.json()) == (422, first.json())
    assert retry.headers["idempotent-replayed"] == "true"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/api/v1/api-keys", {"name": "Second thoughts"}),
        ("/api/v1/api-keys/key_another/rotate", None),
    ],
    ids=["another body", "another path"],
)
def test_a_key_reused_for_another_request_is_refused(client, tenant, path, body):
    create_key(client, tenant.key, name="First")

    response = client.post(path, headers=keyed(tenant.key), json=body)

    assert response.status_code == 422
    assert response.json() == {
        "error": "This Idempotency-Key was already used for a different request.",
        "code": "idempotency_mismatch",
        "details": {"idempotencyKey": IDEMPOTENCY_KEY},
    }


def test_each_api_key_has_its_own_idempotency_keys(client, tenant, make_key):
    other_key = make_key(name="CI")

    first = create_key(client, tenant.key, name="Shared")
    second = create_key(client, other_key, name="Shared")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]


def test_each_client_address_has_its_own_idempotency_keys_on_public_endpoints(app):
    headers = {"Idempotency-Key": IDEMPOTENCY_KEY}
    with (
        app.test_client(client=("198.51.100.7", 50000)) as first_client,
        app.test_client(client=("203.0.113.9", 50000)) as second_client,
    ):
        first = first_client.post("/api/bookings", headers=headers, json=PUBLIC_BOOKING)
        other = second_client.post(
            "/api/bookings", headers=headers, json={**PUBLIC_BOOKING, "eventTypeId": "evt_other"}
        )
        retry = first_client.post("/api/bookings", headers=headers, json=PUBLIC_BOOKING)

    assert first.status_code == 404
    assert other.status_code == 404
    assert other.json()["details"] == {"eventTypeId": "evt_other"}
    assert "idempotent-replayed" not in other.headers
    assert (retry.status_code, retry.json()) == (404, first.json())
    assert retry.headers["idempotent-replayed"] == "true"


def test_a_retry_while_the_first_request_runs_gets_409(client, tenant, monkeypatch):
    original = keys.create_key
    retries = []

    def create_while_retried(*args, **kwargs):
        retries.append(create_key(client, tenant.key, name="Slow"))
        return original(*args, **kwargs)

    monkeypatch.setattr(keys, "create_key", create_while_retried)

    first = create_key(client, tenant.key, name="Slow")

    assert first.status_code == 201
    assert retries[0].status_code == 409
    assert retries[0].json() == {
        "error": "A request with this Idempotency-Key is still being processed; retry shortly.",
        "code": "idempotency_in_progress",
        "details": {"idempotencyKey": IDEMPOTENCY_KEY},
    }


def test_a_key_is_forgotten_after_24_hours(client, tenant):
    create_key(client, tenant.key, name="Late", expiresAt="2020-01-01T00:00:00Z")
    with db.connection_context():
        IdempotencyRecord.update(created_at=utcnow() - timedelta(hours=24, seconds=1)).execute()

    response = create_key(client, tenant.key, name="Fresh")

    assert response.status_code == 201
    assert [record.response_status for record in stored_records()] == [201]


def test_a_server_error_is_not_remembered(client, tenant, monkeypatch):
    original = keys.create_key
    calls = []

    def fail_once(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise RuntimeError("database hiccup")
        return original(*args, **kwargs)

    monkeypatch.setattr(keys, "create_key", fail_once)

    failed = create_key(client, tenant.key, name="Flaky")
    retry = create_key(client, tenant.key, name="Flaky")

    assert failed.status_code == 500
    assert retry.status_code == 201
    assert len(calls) == 2


def test_a_request_refused_by_validation_is_not_remembered(client, tenant):
    refused = create_key(client, tenant.key, nam="Typo")

    corrected = create_key(client, tenant.key, name="Typo fixed")

    assert refused.status_code == 400
    assert corrected.status_code == 201
    assert corrected.json()["name"] == "Typo fixed"


def test_requests_without_the_header_are_not_deduplicated(client, tenant):
    first = create_key(client, tenant.key, headers=bearer(tenant.key), name="Twice")
    second = create_key(client, tenant.key, headers=bearer(tenant.key), name="Twice")

    assert (first.status_code, second.status_code) == (201, 201)
    assert first.json()["id"] != second.json()["id"]
    assert stored_records() == []


def test_a_claim_abandoned_by_a_dead_process_is_taken_over_by_the_retry(client, tenant):
    # The first attempt died mid-request: its claim has no answer and is minutes old.
    first = create_key(client, tenant.key, name="Crashed", expiresAt="2020-01-01T00:00:00Z")
    assert first.status_code == 422
    with db.connection_context():
        IdempotencyRecord.update(
            response_status=None, response_body=None, created_at=utcnow() - timedelta(minutes=3)
        ).execute()

    retry = create_key(client, tenant.key, name="Crashed", expiresAt="2020-01-01T00:00:00Z")
    fresh = create_key(client, tenant.key, name="Other")

    assert retry.status_code == 422
    assert retry.json()["code"] == "expiry_in_past"
    assert "Idempotent-Replayed" not in retry.headers
    assert fresh.json()["code"] == "idempotency_mismatch"
