"""The error contract: every error is JSON {"error", "code", "details"}, never problem+json."""

import logging
import re

import pytest

import handlers.me
from conftest import bearer


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "code", "details"}
    assert body["code"] == code
    assert isinstance(body["error"], str)
    assert body["error"]
    assert isinstance(body["details"], dict)
    return body


def post_keys(client, tenant, content: bytes, content_type="application/json"):
    headers = {**bearer(tenant.key), "Content-Type": content_type}
    return client.post("/api/v1/api-keys", headers=headers, content=content)


@pytest.mark.parametrize(
    ("body", "details"),
    [
        (b'{"scopes": ["team:read"]}', {"name": "is required"}),
        (b'{"name": 42}', {"name": "must be of type string"}),
        (b'{"name": "x", "mode": "staging"}', {"mode": "must be one of: live, test"}),
        (b'{"name": "x", "colour": "red"}', {"colour": "is not a known field"}),
        (b'{"name": "x", "expiresAt": "tomorrow"}', {"expiresAt": "is not a valid date-time"}),
        (
            b'{"name": "x", "expiresAt": "2030-01-01T00:00:00"}',
            {"expiresAt": "is not a valid date-time"},
        ),
        (b'{"name": "' + b"x" * 101 + b'"}', {"name": "must be at most 100 characters long"}),
        (b'{"name": "x", "scopes": []}', {"scopes": "must have at least 1 items"}),
        (
            b'{"name": "x", "scopes": ["team:read", "team:read"]}',
            {"scopes": "must not contain duplicates"},
        ),
    ],
)
def test_a_body_against_the_spec_gets_400_naming_the_field(client, tenant, body, details):
    response = post_keys(client, tenant, body)

    assert assert_error(response, 400, "validation_failed")["details"] == details


def test_every_invalid_field_is_reported_at_once(client, tenant):
    response = post_keys(client, tenant, b'{"nam": "x", "scopes": ["team:read", "bogus"]}')

    details = assert_error(response, 400, "validation_failed")["details"]
    assert set(details) == {"nam", "name", "scopes[1]"}


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b'{"name": NaN}',
        b'{"name": "x"} trailing',
        b'{"name": ' + b"9" * 5000 + b"}",
    ],
)
def test_malformed_json_gets_400(client, tenant, body):
    body = assert_error(post_keys(client, tenant, body), 400, "invalid_json")

    assert "body" in body["details"]


def test_deeply_nested_json_gets_400_not_a_crash(client, tenant):
    response = post_keys(client, tenant, b"[" * 100_000 + b"]" * 100_000)

    assert_error(response, 400, "invalid_json")


def test_a_body_that_is_not_utf8_gets_400(client, tenant):
    response = post_keys(client, tenant, b'{"name": "\xff\xfe"}')

    assert assert_error(response, 400, "invalid_encoding")["details"] == {"body": "not utf-8"}


def test_a_missing_required_body_gets_400(client, tenant):
    assert_error(post_keys(client, tenant, b""), 400, "validation_failed")


def test_an_optional_body_may_be_left_out(client, tenant):
    key_id = client.get("/api/v1/me", headers=bearer(tenant.key)).json()["apiKey"]["id"]

    response = client.post(f"/api/v1/api-keys/{key_id}/rotate", headers=bearer(tenant.key))

    assert response.status_code == 201


def test_an_unexpected_content_type_gets_415(client, tenant):
    assert_error(post_keys(client, tenant, b"name=x", "text/plain"), 415, "unsupported_media_type")


@pytest.mark.parametrize(
    ("query", "details"),
    [
        ("limit=101", {"limit": "must be at most 100"}),
        ("limit=0", {"limit": "must be at least 1"}),
        ("page=abc", {"page": "must be of type integer"}),
        ("colour=red", {"colour": "is not a known parameter"}),
    ],
)
def test_a_bad_query_parameter_gets_400_naming_it(client, tenant, query, details):
    response = client.get(f"/api/v1/api-keys?{query}", headers=bearer(tenant.key))

    assert assert_error(response, 400, "validation_failed")["details"] == details


def test_an_unknown_route_gets_404(client):
    body = assert_error(client.get("/api/v1/nothing-here"), 404, "not_found")

    assert body["error"] == "No route for GET /api/v1/nothing-here."


def test_a_wrong_method_gets_405_with_the_allowed_methods(client, tenant):
    response = client.patch("/api/v1/me", headers=bearer(tenant.key))

    assert_error(response, 405, "method_not_allowed")
    assert set(re.split(r",\s*", response.headers["allow"])) == {"GET", "HEAD"}


def test_a_body_over_one_mebibyte_gets_413(client, tenant):
    body = b'{"name": "' + b"x" * (1024 * 1024) + b'"}'

    response = post_keys(client, tenant, body)

    assert assert_error(response, 413, "payload_too_large")["details"] == {"maxBytes": 1048576}


def test_a_streamed_body_over_the_limit_gets_413(client, tenant):
    def chunks():
        yield b'{"name": "'
        for _ in range(17):
            yield b"x" * 65536
        yield b'"}'

    headers = {**bearer(tenant.key), "Content-Type": "application/json"}
    response = client.post("/api/v1/api-keys", headers=headers, content=chunks())

    assert_error(response, 413, "payload_too_large")


def test_a_streamed_body_under_the_limit_is_accepted(client, tenant):
    def chunks():
        yield b'{"name": '
        yield b'"streamed"}'

    headers = {**bearer(tenant.key), "Content-Type": "application/json"}
    response = client.post("/api/v1/api-keys", headers=headers, content=chunks())

    assert response.status_code == 201
    assert response.json()["name"] == "streamed"


def test_an_unexpected_failure_gets_500_without_internals_and_is_logged(
    client, tenant, monkeypatch, caplog
):
    def explode(_principal):
        raise RuntimeError("database password is hunter2")

    monkeypatch.setattr(handlers.me, "whoami", explode)

    with caplog.at_level(logging.ERROR, logger="slotwise.errors"):
        response = client.get("/api/v1/me", headers=bearer(tenant.key))

    body = assert_error(response, 500, "internal_error")
    assert body["details"] == {"requestId": response.headers["x-request-id"]}
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    record = next(r for r in caplog.records if r.name == "slotwise.errors")
    assert record.exc_info is not None
    assert response.headers["x-request-id"] in record.getMessage()


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/healthz"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/nothing-here"),
        ("DELETE", "/api/v1/me"),
        ("GET", "/docs/"),
        ("GET", "/api/v1/openapi.json"),
    ],
)
def test_every_response_carries_a_request_id(client, method, path):
    response = client.request(method, path)

    assert re.fullmatch(r"req_[0-9a-f]{32}", response.headers["x-request-id"])


def test_a_valid_client_request_id_is_echoed(client, tenant):
    headers = {**bearer(tenant.key), "X-Request-Id": "checkout-42.retry:1"}

    response = client.get("/api/v1/me", headers=headers)

    assert response.headers["x-request-id"] == "checkout-42.retry:1"


def test_an_unsafe_client_request_id_is_replaced(client, tenant):
    headers = {**bearer(tenant.key), "X-Request-Id": "x" * 129}

    response = client.get("/api/v1/me", headers=headers)

    assert re.fullmatch(r"req_[0-9a-f]{32}", response.headers["x-request-id"])


def test_json_is_compact(client, tenant):
    response = client.get("/api/v1/me", headers=bearer(tenant.key))

    assert "\n" not in response.text.rstrip("\n")
    assert '": ' not in response.text


def test_405_lists_every_method_the_path_has(client, tenant):
    response = client.put("/api/v1/api-keys", headers=bearer(tenant.key))

    assert_error(response, 405, "method_not_allowed")
    assert set(re.split(r",\s*", response.headers["allow"])) == {"GET", "HEAD", "POST"}


def test_a_path_with_control_characters_is_not_found(client, tenant):
    response = client.delete("/api/v1/api-keys/key%0A1", headers=bearer(tenant.key))

    assert_error(response, 404, "not_found")


def test_a_nul_character_in_a_query_parameter_is_400(client, tenant):
    response = client.get("/api/v1/bookings?eventTypeId=evt%00x", headers=bearer(tenant.key))

    assert assert_error(response, 400, "validation_failed")["details"] == {
        "eventTypeId": "must not contain NUL characters"
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b'{"name": "a\\u0000b"}', "name"),
        (b'{"name": "x", "scopes": ["team:read\\u0000"]}', "scopes[0]"),
    ],
)
def test_a_nul_character_in_the_body_is_400_naming_the_field(client, tenant, body, field):
    response = post_keys(client, tenant, body)

    assert assert_error(response, 400, "validation_failed")["details"] == {
        field: "must not contain NUL characters"
    }
