"""Password logins: the token they give, what it may do by role, and every way it is refused."""

import base64
import json
import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock

import jwt
import pytest
from test_rate_limits import assert_rate_limited, limited  # noqa: F401 - a fixture

from conftest import SECRET, bearer, make_tenant
from models import IdempotencyRecord, Schedule, User, db, utcnow
from services import logins, passwords
from services.auth import SCOPES
from services.errors import AuthenticationFailed, RuleViolation

PASSWORD = "correct horse battery staple"
EVERY_DAY = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "08:00", "end": "18:00"}
]
INVALID_CREDENTIALS = {
    "error": "The e-mail address, password or organization is not right. An address that "
    "belongs to users of several organizations needs the organization's slug too.",
    "code": "invalid_credentials",
    "details": {},
}
MEMBER_SCOPES = [
    "bookings:read",
    "bookings:write",
    "contacts:read",
    "contacts:write",
    "event-types:read",
    "schedules:read",
    "team:read",
]


def set_password(email: str, password: str = PASSWORD, **options) -> User:
    with db.connection_context():
        return passwords.set_password(email, password, **options)


def login(client, email: str = "ada@acme.example", password: str = PASSWORD, **extra):
    return client.post("/api/auth/login", json={"email": email, "password": password, **extra})


def token_of(client, email: str = "ada@acme.example", **extra) -> str:
    response = login(client, email, **extra)
    assert response.status_code == 200, response.json()
    return response.json()["token"]


def add_user(tenant, email: str, role: str) -> User:
    with db.connection_context():
        user = User.create(
            organization=tenant.organization,
            email=email,
            name=email.split("@")[0].title(),
            username=email.split("@")[0],
            role=role,
        )
    set_password(email)
    return user


def assert_unauthorized(response, code: str) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="Slotwise API"'
    assert response.json()["code"] == code
    assert set(response.json()) == {"error", "code", "details"}


@pytest.fixture
def ada(tenant):
    """The tenant's owner, with a password."""
    return set_password(tenant.owner.email)


# Logging in


def test_a_password_login_gives_a_bearer_token_for_fifteen_minutes(client, tenant, ada):
    before = utcnow().replace(microsecond=0)

    response = login(client)

    assert response.status_code == 200
    body = response.json()
    assert (body["tokenType"], body["scopes"]) == ("Bearer", None)
    assert body["user"] == {
        "id": tenant.owner.id,
        "email": "ada@acme.example",
        "name": "Ada Lovelace",
        "username": "ada",
        "role": "owner",
        "timezone": "UTC",
        "organization": {
            "id": tenant.organization.id,
            "name": "Acme",
            "slug": "acme",
        },
    }
    expires_at = datetime.fromisoformat(body["expiresAt"])
    assert body["expiresAt"].endswith(".000Z")
    assert before + timedelta(minutes=15) <= expires_at <= utcnow() + timedelta(minutes=15)
    claims = jwt.decode(body["token"], options={"verify_signature": False})
    assert jwt.get_unverified_header(body["token"])["alg"] == "HS256"
    assert (claims["sub"], claims["org"]) == (tenant.owner.id, tenant.organization.id)
    assert claims["exp"] == int(expires_at.timestamp())
    assert PASSWORD not in json.dumps(claims)


def test_the_token_works_wherever_a_secret_key_does(client, tenant, ada):
    headers = bearer(token_of(client))

    me = client.get("/api/v1/me", headers=headers)
    event_type = client.post(
        "/api/v1/event-types", headers=headers, json={"title": "Intro", "durationMinutes": 30}
    )
    location = client.post(
        "/api/v1/locations",
        headers=headers,
        json={"name": "Room", "type": "video", "url": "https://meet.example.com/r"},
    )
    bookings = client.get("/api/v1/bookings", headers=headers)
    key = client.post("/api/v1/api-keys", headers=headers, json={"name": "Made by Ada"})

    assert me.status_code == 200
    assert (me.json()["id"], me.json()["apiKey"], me.json()["effectivePlan"]) == (
        tenant.owner.id,
        None,
        "pro",
    )
    assert event_type.status_code == 201
    assert event_type.json()["ownerId"] == tenant.owner.id
    assert location.status_code == 201
    assert bookings.status_code == 200
    assert key.status_code == 201
    assert key.json()["scopes"] is None
    assert client.get("/api/v1/me", headers=bearer(key.json()["key"])).status_code == 200


def test_the_address_matches_whatever_its_case_and_spaces(client, ada):
    assert login(client, "  Ada@ACME.example ").status_code == 200


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("nobody@acme.example", PASSWORD),
        ("ada@acme.example", PASSWORD + "!"),
        ("hank@globex.example", PASSWORD),
    ],
    ids=["unknown address", "wrong password", "no password set"],
)
def test_every_failure_is_the_same_invalid_credentials(client, ada, other_tenant, email, password):
    response = client.post("/api/auth/login", json={"email": email, "password": password})

    assert_unauthorized(response, "invalid_credentials")
    assert response.json() == INVALID_CREDENTIALS


def test_an_address_of_two_organizations_needs_the_organization(client, tenant, ada):
    globex = make_tenant("Globex", "ada@acme.example")
    set_password("ada@acme.example", PASSWORD + " globex", organization_slug="globex")

    without = login(client)
    wrong_org = login(client, organization="globex")
    acme = login(client, organization="acme")
    theirs = login(client, password=PASSWORD + " globex", organization="globex")
    unknown_org = login(client, organization="initech")

    assert without.json() == wrong_org.json() == unknown_org.json() == INVALID_CREDENTIALS
    assert acme.json()["user"]["organization"]["slug"] == "acme"
    assert theirs.json()["user"]["id"] == globex.owner.id
    me = client.get("/api/v1/me", headers=bearer(theirs.json()["token"])).json()
    assert me["organization"]["slug"] == "globex"


def test_refusing_an_unknown_address_costs_what_a_wrong_password_does(app, ada):
    def slowest_refusal(email: str) -> float:
        spent = []
        for _ in range(3):
            started = time.perf_counter()
            with db.connection_context(), pytest.raises(AuthenticationFailed):
                logins.login(email, "not the password", secret=SECRET, now=utcnow())
            spent.append(time.perf_counter() - started)
        return min(spent)

    wrong_password = slowest_refusal("ada@acme.example")
    unknown = slowest_refusal("nobody@acme.example")

    # Both check a hash; without the dummy hash an unknown address would answer ~50 times faster.
    assert unknown > wrong_password / 3


def test_passwords_are_kept_as_argon2_hashes_of_at_least_12_characters(app, tenant):
    stored = set_password(tenant.owner.email).password_hash

    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    with pytest.raises(RuleViolation) as refused:
        set_password(tenant.owner.email, "elevenchars")
    assert refused.value.code == "password_too_short"


@pytest.mark.parametrize(
    "body",
    [
        {"email": "ada@acme.example"},
        {"password": PASSWORD},
        {"email": "ada@acme.example", "password": PASSWORD, "remember": True},
        {"email": "ada@acme.example", "password": "x" * 1025},
        {"email": "ada@acme.example", "password": ""},
    ],
)
def test_a_malformed_login_is_400(client, ada, body):
    response = client.post("/api/auth/login", json=body)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


def test_a_login_is_never_remembered_for_idempotency(client, ada):
    headers = {"Idempotency-Key": "login-1"}

    first = client.post(
        "/api/auth/login", headers=headers, json={"email": "ada@acme.example", "password": PASSWORD}
    )
    second = client.post(
        "/api/auth/login", headers=headers, json={"email": "ada@acme.example", "password": "no"}
    )

    assert first.status_code == 200
    assert "idempotent-replayed" not in first.headers
    assert second.json() == INVALID_CREDENTIALS
    with db.connection_context():
        assert IdempotencyRecord.select().count() == 0


# Roles


def test_a_member_gets_the_member_scopes_and_403_beyond_them(client, tenant):
    add_user(tenant, "grace@acme.example", "member")

    response = login(client, "grace@acme.example")
    headers = bearer(response.json()["token"])

    assert response.json()["scopes"] == MEMBER_SCOPES
    assert client.get("/api/v1/bookings", headers=headers).status_code == 200
    contact = client.post(
        "/api/v1/contacts", headers=headers, json={"name": "Hank", "email": "hank@x.example"}
    )
    assert contact.status_code == 201
    refused = {
        ("POST", "/api/v1/webhooks", "webhooks:manage"),
        ("POST", "/api/v1/event-types", "event-types:write"),
        ("GET", "/api/v1/api-keys", "keys:manage"),
        ("PUT", "/api/v1/team", "team:write"),
    }
    for method, path, scope in refused:
        answer = client.request(method, path, headers=headers, json={})
        assert answer.status_code == 403, path
        assert answer.json() == {
            "error": f"The role 'member' does not grant the '{scope}' scope needed for this "
            "operation.",
            "code": "insufficient_scope",
            "details": {"requiredScope": scope},
        }


def test_an_admin_may_do_everything_but_manage_keys_and_billing(client, tenant):
    add_user(tenant, "hopper@acme.example", "admin")

    response = login(client, "hopper@acme.example")
    headers = bearer(response.json()["token"])

    assert response.json()["scopes"] == [
        scope for scope in SCOPES if scope not in ("keys:manage", "billing:write")
    ]
    assert client.get("/api/v1/webhooks", headers=headers).status_code == 200
    assert client.get("/api/v1/api-keys", headers=headers).status_code == 403


def test_a_role_change_applies_to_a_token_already_issued(client, tenant):
    grace = add_user(tenant, "grace@acme.example", "member")
    headers = bearer(token_of(client, "grace@acme.example"))
    assert client.get("/api/v1/webhooks", headers=headers).status_code == 403

    with db.connection_context():
        User.update(role="admin").where(User.id == grace.id).execute()

    assert client.get("/api/v1/webhooks", headers=headers).status_code == 200


def test_a_booking_made_with_a_token_names_the_user_in_its_history(client, tenant, ada):
    with db.connection_context():
        schedule = Schedule.get(Schedule.owner == tenant.owner)
        schedule.rules = EVERY_DAY
        schedule.save()
    headers = bearer(token_of(client))
    event_type = client.post(
        "/api/v1/event-types", headers=headers, json={"title": "Intro", "durationMinutes": 30}
    ).json()
    start = datetime.combine(utcnow().date() + timedelta(days=3), clock(10), UTC)

    booking = client.post(
        "/api/v1/bookings",
        headers=headers,
        json={
            "eventTypeId": event_type["id"],
            "inviteeName": "Grace Hopper",
            "inviteeEmail": "grace@navy.example",
            "inviteeTimezone": "UTC",
            "startTime": start.isoformat(),
        },
    )

    assert booking.status_code == 201, booking.json()
    detail = client.get(f"/api/v1/bookings/{booking.json()['id']}", headers=headers).json()
    assert [(entry["type"], entry["actor"]) for entry in detail["history"]] == [
        ("created", tenant.owner.id)
    ]


# Refusals


def test_an_expired_token_is_refused(client, ada):
    with db.connection_context():
        issued = logins.issue(ada, secret=SECRET, now=utcnow() - timedelta(minutes=16))

    response = client.get("/api/v1/me", headers=bearer(issued.token))

    assert_unauthorized(response, "expired_token")
    assert response.json()["error"] == "The login token has expired; log in again."


def test_a_token_works_until_its_expiry(client, ada):
    with db.connection_context():
        issued = logins.issue(ada, secret=SECRET, now=utcnow() - timedelta(minutes=14))

    assert client.get("/api/v1/me", headers=bearer(issued.token)).status_code == 200


def _b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def test_a_tampered_or_foreign_token_is_refused(client, tenant, ada, other_tenant):
    token = token_of(client)
    header, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    hank = set_password(other_tenant.owner.email)
    with db.connection_context():
        someone_elses = logins.issue(hank, secret="another server's secret", now=utcnow()).token
    forged = [
        # Another user's id with the original signature.
        f"{header}.{_b64({**claims, 'sub': hank.id, 'org': hank.organization_id})}.{signature}",
        # A longer life, likewise.
        f"{header}.{_b64({**claims, 'exp': claims['exp'] + 3600})}.{signature}",
        # A signature one character off.
        f"{header}.{payload}.{signature[:-2]}{'A' if signature[-2] != 'A' else 'B'}{signature[-1]}",
        # No signature at all.
        f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{payload}.",
        jwt.encode(claims, "a guessed secret of thirty-two bytes or more", algorithm="HS256"),
        someone_elses,
        "not.a.token",
    ]

    for token in forged:
        response = client.get("/api/v1/me", headers=bearer(token))

        assert_unauthorized(response, "invalid_token")
    assert client.get("/api/v1/me", headers=bearer(token_of(client))).status_code == 200


def test_a_deleted_users_token_stops_working(client, tenant):
    grace = add_user(tenant, "grace@acme.example", "member")
    headers = bearer(token_of(client, "grace@acme.example"))
    assert client.get("/api/v1/me", headers=headers).status_code == 200

    with db.connection_context():
        User.delete().where(User.id == grace.id).execute()

    response = client.get("/api/v1/me", headers=headers)
    assert_unauthorized(response, "invalid_token")
    assert response.json()["error"] == "The login token is no longer valid; log in again."


def test_a_new_password_ends_the_tokens_given_before(client, ada):
    old = bearer(token_of(client))

    set_password("ada@acme.example", "a brand new passphrase")

    assert_unauthorized(client.get("/api/v1/me", headers=old), "invalid_token")
    assert login(client).json() == INVALID_CREDENTIALS
    assert login(client, password="a brand new passphrase").status_code == 200


def test_a_token_is_accepted_only_as_a_bearer_token(client, ada):
    token = token_of(client)
    basic = base64.b64encode(f":{token}".encode()).decode()

    for headers in ({"X-Api-Key": token}, {"Authorization": f"Basic {basic}"}):
        response = client.get("/api/v1/me", headers=headers)

        assert_unauthorized(response, "invalid_token")
        assert "Bearer" in response.json()["error"]


# Rate limits


def test_the_sixth_request_after_five_failed_logins_is_429_even_with_the_right_password(
    limited,  # noqa: F811
):
    client = limited(AUTH_FAILURE_LIMIT="5/minute")
    make_tenant("Acme", "ada@acme.example")
    set_password("ada@acme.example")

    failures = [login(client, password=f"guess number {n}") for n in range(5)]
    refused = login(client)

    assert [failure.json() for failure in failures] == [INVALID_CREDENTIALS] * 5
    assert [failure.headers["x-ratelimit-remaining"] for failure in failures] == [
        "4",
        "3",
        "2",
        "1",
        "0",
    ]
    assert_rate_limited(refused)
    assert "token" not in refused.json()


def test_a_token_counts_against_its_user_by_the_organizations_plan(limited):  # noqa: F811
    client = limited()
    tenant = make_tenant("Free Org", "ada@free.example", plan="free")
    set_password("ada@free.example")
    headers = bearer(token_of(client, "ada@free.example"))

    statuses = [client.get("/api/v1/me", headers=headers).status_code for _ in range(4)]
    # A second token of the same user shares the allowance; the user's key has its own.
    again = client.get("/api/v1/me", headers=bearer(token_of(client, "ada@free.example")))
    with_key = client.get("/api/v1/me", headers=bearer(tenant.key))

    assert statuses == [200, 200, 200, 429]
    assert again.status_code == 429
    assert with_key.status_code == 200
