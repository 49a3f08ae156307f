"""One secret key, accepted three ways; every way of being refused."""

import base64
from datetime import timedelta

import pytest

from conftest import SECRET, bearer
from models import ApiKey, db, utcnow
from services.auth import authenticate
from services.errors import AuthenticationFailed
from services.keys import hash_key


def basic(user: str, password: str) -> dict:
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


CREDENTIAL_STYLES = {
    "bearer": lambda key: {"Authorization": f"Bearer {key}"},
    "basic_password": lambda key: basic("", key),
    "basic_user": lambda key: basic(key, ""),
    "x_api_key": lambda key: {"X-Api-Key": key},
}


def assert_unauthorized(response, code: str) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/json"
    assert response.headers["www-authenticate"] == 'Bearer realm="Slotwise API"'
    body = response.json()
    assert body == {"error": body["error"], "code": code, "details": {}}
    assert body["error"]


@pytest.mark.parametrize("style", CREDENTIAL_STYLES)
def test_each_credential_style_authenticates(client, tenant, style):
    response = client.get("/api/v1/me", headers=CREDENTIAL_STYLES[style](tenant.key))

    assert response.status_code == 200
    assert response.json()["organization"]["id"] == tenant.organization.id


@pytest.mark.parametrize("style", CREDENTIAL_STYLES)
def test_each_credential_style_refuses_a_wrong_key(client, tenant, style):
    wrong = tenant.key[:-1] + ("A" if tenant.key[-1] != "A" else "B")

    response = client.get("/api/v1/me", headers=CREDENTIAL_STYLES[style](wrong))

    assert_unauthorized(response, "invalid_api_key")


def test_no_credentials_get_401_with_a_challenge(client, tenant):
    assert_unauthorized(client.get("/api/v1/me"), "missing_credentials")


@pytest.mark.parametrize(
    "header",
    [
        {"Authorization": "Bearer"},
        {"Authorization": "Token abc"},
        {"Authorization": "Basic !!!not-base64!!!"},
        {"X-Api-Key": ""},
    ],
)
def test_malformed_credentials_get_401(client, tenant, header):
    response = client.get("/api/v1/me", headers=header)

    assert response.status_code == 401
    assert response.json()["code"] in {"missing_credentials", "invalid_api_key"}


def test_a_widget_key_is_refused_with_an_explanation(client, tenant):
    response = client.get("/api/v1/me", headers=bearer("sw_pub_" + "a" * 32))

    assert_unauthorized(response, "invalid_api_key")
    assert "public endpoints" in response.json()["error"]


def test_an_expired_key_is_refused(client, make_key):
    key = make_key(expires_at=utcnow() - timedelta(seconds=1))

    assert_unauthorized(client.get("/api/v1/me", headers=bearer(key)), "expired_api_key")


def test_a_key_works_until_it_expires(client, make_key):
    key = make_key(expires_at=utcnow() + timedelta(hours=1))

    assert client.get("/api/v1/me", headers=bearer(key)).status_code == 200
    with db.connection_context(), pytest.raises(AuthenticationFailed) as refused:
        authenticate(key, secret=SECRET, now=utcnow() + timedelta(hours=2))
    assert refused.value.code == "expired_api_key"


def test_a_revoked_key_is_refused_on_its_next_request(client, tenant, make_key):
    victim = make_key(name="victim")
    me = client.get("/api/v1/me", headers=bearer(victim)).json()

    deleted = client.delete(f"/api/v1/api-keys/{me['apiKey']['id']}", headers=bearer(tenant.key))

    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_unauthorized(client.get("/api/v1/me", headers=bearer(victim)), "revoked_api_key")


def test_a_key_from_another_deployment_secret_does_not_authenticate(app, tenant):
    with db.connection_context(), pytest.raises(AuthenticationFailed):
        authenticate(tenant.key, secret="another-secret", now=utcnow())


def test_a_key_without_the_operation_scope_gets_403_naming_it(client, make_key):
    key = make_key(scopes=["team:read"])

    response = client.get("/api/v1/api-keys", headers=bearer(key))

    assert response.status_code == 403
    assert response.json() == {
        "error": "This API key lacks the 'keys:manage' scope needed for this operation.",
        "code": "insufficient_scope",
        "details": {"requiredScope": "keys:manage"},
    }


def test_a_key_with_the_scope_is_let_through(client, make_key):
    key = make_key(scopes=["team:read"])

    assert client.get("/api/v1/team", headers=bearer(key)).status_code == 200


def test_scope_is_checked_before_the_body_is_validated(client, make_key):
    key = make_key(scopes=["team:read"])

    response = client.post("/api/v1/api-keys", headers=bearer(key), content=b"{not json")

    assert response.status_code == 403


def test_me_needs_no_scope(client, make_key):
    key = make_key(scopes=["bookings:read"])

    assert client.get("/api/v1/me", headers=bearer(key)).status_code == 200


def test_last_used_at_is_written_at_most_once_a_minute(app, make_key):
    key = make_key()
    start = utcnow()
    with db.connection_context():
        authenticate(key, secret=SECRET, now=start)
        first = ApiKey.get(ApiKey.key_hash == hash_key(key, SECRET)).last_used_at
        authenticate(key, secret=SECRET, now=start + timedelta(seconds=30))
        unchanged = ApiKey.get(ApiKey.key_hash == hash_key(key, SECRET)).last_used_at
        authenticate(key, secret=SECRET, now=start + timedelta(seconds=61))
        refreshed = ApiKey.get(ApiKey.key_hash == hash_key(key, SECRET)).last_used_at

    assert first == unchanged
    assert abs(first - start) < timedelta(milliseconds=1)
    assert refreshed - first >= timedelta(seconds=61) - timedelta(milliseconds=1)


def test_last_used_at_shows_in_the_key_list(client, tenant):
    client.get("/api/v1/me", headers=bearer(tenant.key))

    keys = client.get("/api/v1/api-keys", headers=bearer(tenant.key)).json()["data"]

    assert keys[0]["lastUsedAt"] is not None
