"""Creating, listing, revoking and rotating secret API keys."""

from datetime import timedelta

import pytest

from conftest import SECRET, bearer
from models import ApiKey, db, utcnow
from services.auth import SECRET_KEY_PATTERN, authenticate
from services.errors import AuthenticationFailed
from services.keys import hash_key


def create(client, key, **body):
    return client.post("/api/v1/api-keys", headers=bearer(key), json=body)


def key_id_of(client, key) -> str:
    return client.get("/api/v1/me", headers=bearer(key)).json()["apiKey"]["id"]


def test_a_new_key_is_shown_once_and_works(client, tenant):
    response = create(client, tenant.key, name="Reporting", scopes=["bookings:read"])

    assert response.status_code == 201
    created = response.json()
    assert SECRET_KEY_PATTERN.fullmatch(created["key"])
    assert created["key"].startswith("sw_live_")
    assert created["lastFour"] == created["key"][-4:]
    assert created["scopes"] == ["bookings:read"]
    assert created["id"].startswith("key_")
    me = client.get("/api/v1/me", headers=bearer(created["key"])).json()
    assert me["apiKey"]["id"] == created["id"]
    listed = client.get("/api/v1/api-keys", headers=bearer(tenant.key)).text
    assert created["key"] not in listed
    assert '"key"' not in listed


def test_only_a_keyed_hash_and_the_last_four_are_stored(client, tenant):
    created = create(client, tenant.key, name="Stored").json()

    with db.connection_context():
        row = ApiKey.get_by_id(created["id"])
        stored = [str(value) for value in row.__data__.values()]
    assert row.key_hash == hash_key(created["key"], SECRET)
    assert not any(created["key"] in value for value in stored)
    assert row.last_four == created["key"][-4:]


def test_keys_are_listed_newest_first_in_the_list_envelope(client, tenant):
    for name in ("one", "two", "three"):
        create(client, tenant.key, name=name)

    response = client.get("/api/v1/api-keys?limit=2&page=1", headers=bearer(tenant.key))

    assert response.status_code == 200
    body = response.json()
    assert [key["name"] for key in body["data"]] == ["three", "two"]
    assert body["pagination"] == {"page": 1, "limit": 2, "total": 4, "totalPages": 2}
    second = client.get("/api/v1/api-keys?limit=2&page=2", headers=bearer(tenant.key)).json()
    assert [key["name"] for key in second["data"]] == ["one", "Bootstrap key"]


def test_the_list_shows_only_the_callers_organization(client, tenant, other_tenant):
    theirs = client.get("/api/v1/api-keys", headers=bearer(other_tenant.key)).json()
    ours = client.get("/api/v1/api-keys", headers=bearer(tenant.key)).json()

    assert {key["id"] for key in theirs["data"]}.isdisjoint(key["id"] for key in ours["data"])
    assert theirs["pagination"]["total"] == 1


def test_revoked_keys_leave_the_list(client, tenant):
    created = create(client, tenant.key, name="Gone").json()

    client.delete(f"/api/v1/api-keys/{created['id']}", headers=bearer(tenant.key))

    listed = client.get("/api/v1/api-keys", headers=bearer(tenant.key)).json()["data"]
    assert created["id"] not in [key["id"] for key in listed]


def test_an_expiry_in_the_past_is_refused(client, tenant):
    response = create(client, tenant.key, name="Late", expiresAt="2020-01-01T00:00:00Z")

    assert response.status_code == 422
    assert response.json() == {
        "error": "expiresAt must be in the future.",
        "code": "expiry_in_past",
        "details": {"expiresAt": "must be in the future"},
    }


def test_an_expiry_is_stored_in_utc_with_milliseconds(client, tenant):
    response = create(client, tenant.key, name="Dated", expiresAt="2099-06-01T12:00:00+02:00")

    assert response.json()["expiresAt"] == "2099-06-01T10:00:00.000Z"


def test_a_scoped_key_cannot_create_a_full_access_key(client, make_key):
    limited = make_key(scopes=["keys:manage"])

    response = create(client, limited, name="Escalation")

    assert response.status_code == 403
    assert response.json()["code"] == "scope_escalation"


def test_a_key_cannot_grant_scopes_it_lacks(client, make_key):
    limited = make_key(scopes=["keys:manage", "bookings:read"])

    refused = create(client, limited, name="More", scopes=["bookings:write"])
    allowed = create(client, limited, name="Same", scopes=["bookings:read"])

    assert refused.status_code == 403
    assert refused.json()["details"] == {"scopes": ["bookings:write"]}
    assert allowed.status_code == 201


def test_test_mode_keys_create_only_test_mode_keys(client, make_key):
    test_key = make_key(mode="test")

    default = create(client, test_key, name="Inherits")
    live = create(client, test_key, name="Live", mode="live")

    assert default.json()["key"].startswith("sw_test_")
    assert default.json()["mode"] == "test"
    assert live.status_code == 403
    assert live.json()["code"] == "mode_escalation"


def test_another_organizations_key_is_not_found(client, tenant, other_tenant):
    theirs = key_id_of(client, other_tenant.key)

    revoke = client.delete(f"/api/v1/api-keys/{theirs}", headers=bearer(tenant.key))
    rotate = client.post(f"/api/v1/api-keys/{theirs}/rotate", headers=bearer(tenant.key))

    for response in (revoke, rotate):
        assert response.status_code == 404
        assert response.json() == {
            "error": f"No API key with id '{theirs}'.",
            "code": "not_found",
            "details": {"id": theirs},
        }
    assert client.get("/api/v1/me", headers=bearer(other_tenant.key)).status_code == 200


def test_revoking_an_unknown_or_revoked_key_is_not_found(client, tenant):
    created = create(client, tenant.key, name="Twice").json()
    path = f"/api/v1/api-keys/{created['id']}"

    assert client.delete(path, headers=bearer(tenant.key)).status_code == 204
    assert client.delete(path, headers=bearer(tenant.key)).status_code == 404
    assert (
        client.delete("/api/v1/api-keys/key_missing", headers=bearer(tenant.key)).status_code == 404
    )


def test_rotation_without_grace_retires_the_old_key_at_once(client, tenant):
    old = create(client, tenant.key, name="Deploy", scopes=["team:read"]).json()

    response = client.post(f"/api/v1/api-keys/{old['id']}/rotate", headers=bearer(tenant.key))

    assert response.status_code == 201
    new = response.json()
    assert new["id"] != old["id"]
    assert new["key"] != old["key"]
    assert (new["name"], new["scopes"], new["mode"]) == ("Deploy", ["team:read"], "live")
    assert client.get("/api/v1/me", headers=bearer(old["key"])).status_code == 401
    assert client.get("/api/v1/me", headers=bearer(new["key"])).status_code == 200


def test_rotation_with_a_grace_period_keeps_the_old_key_working_until_it_ends(client, tenant):
    old = create(client, tenant.key, name="Deploy").json()

    response = client.post(
        f"/api/v1/api-keys/{old['id']}/rotate",
        headers=bearer(tenant.key),
        json={"gracePeriodMinutes": 60},
    )

    assert response.status_code == 201
    assert client.get("/api/v1/me", headers=bearer(old["key"])).status_code == 200
    listed = client.get("/api/v1/api-keys", headers=bearer(tenant.key)).json()["data"]
    retiring = next(key for key in listed if key["id"] == old["id"])
    assert retiring["revokedAt"] is not None
    with db.connection_context():
        authenticate(old["key"], secret=SECRET, now=utcnow() + timedelta(minutes=59))
        with pytest.raises(AuthenticationFailed):
            authenticate(old["key"], secret=SECRET, now=utcnow() + timedelta(minutes=61))


def test_a_key_being_retired_cannot_be_rotated_again(client, tenant):
    old = create(client, tenant.key, name="Deploy").json()
    path = f"/api/v1/api-keys/{old['id']}/rotate"

    client.post(path, headers=bearer(tenant.key), json={"gracePeriodMinutes": 10})
    again = client.post(path, headers=bearer(tenant.key), json={"gracePeriodMinutes": 10})

    assert again.status_code == 409
    assert again.json()["code"] == "key_already_rotated"


def test_a_scoped_key_cannot_rotate_a_more_powerful_key(client, tenant, make_key):
    limited = make_key(scopes=["keys:manage"])
    full = key_id_of(client, tenant.key)

    response = client.post(f"/api/v1/api-keys/{full}/rotate", headers=bearer(limited))

    assert response.status_code == 403
    assert response.json()["code"] == "scope_escalation"
    assert client.get("/api/v1/me", headers=bearer(tenant.key)).status_code == 200


def test_an_expired_key_cannot_be_rotated(client, tenant, make_key):
    expired = make_key(expires_at=utcnow() - timedelta(minutes=1))
    with db.connection_context():
        expired_id = ApiKey.get(ApiKey.key_hash == hash_key(expired, SECRET)).id

    response = client.post(f"/api/v1/api-keys/{expired_id}/rotate", headers=bearer(tenant.key))

    assert response.status_code == 422
    assert response.json()["code"] == "key_expired"


@pytest.mark.parametrize("minutes", [-1, 10081])
def test_grace_periods_outside_a_week_are_refused(client, tenant, minutes):
    key_id = key_id_of(client, tenant.key)

    response = client.post(
        f"/api/v1/api-keys/{key_id}/rotate",
        headers=bearer(tenant.key),
        json={"gracePeriodMinutes": minutes},
    )

    assert response.status_code == 400
    assert set(response.json()["details"]) == {"gracePeriodMinutes"}


@pytest.mark.parametrize("name", ["   ", "\x1c\t", "\u3000"])
def test_a_blank_name_is_refused(client, tenant, name):
    response = create(client, tenant.key, name=name)

    assert response.status_code == 422
    assert response.json() == {
        "error": "name must contain a visible character.",
        "code": "blank_name",
        "details": {"name": "must contain a visible character"},
    }


def test_a_name_is_trimmed(client, tenant):
    assert create(client, tenant.key, name="  Deploy  ").json()["name"] == "Deploy"
