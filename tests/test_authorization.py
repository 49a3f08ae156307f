"""Who may call what, for every operation of the spec (OWASP API1, object-level authorization).

The operations come from openapi.yaml, not from a list here: an operation added to the spec
is in this matrix at once. Each one that takes a key declares its scope (``x-required-scope``)
or that any valid key may call it (``x-any-key: true``); a key without the scope gets 403;
an object of another organization is a 404 like one that never existed; no key, a revoked
key or the wrong kind of key is a 401; and the operations that take no key are listed below,
each with its reason.

The requests are the valid ones (path ids of real objects, the spec's own request examples),
so that the credentials are all that decides the answer. The checks run in the order
security, scope, validation, handler: the 403 and 401 would come even for a bad body, but
the 404 is the handler's, after validation.

The objects are built once for the whole module: every request here is refused. The 401
and 403 come before any handler runs; a write refused with 404 is checked to have changed
nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta

import pytest
from connexion.json_schema import resolve_refs

from conftest import SECRET, Tenant, bearer, fresh_database_url, make_tenant, serving
from models import ALL_MODELS, ApiKey, DomainEvent, WebhookDelivery, db
from services import keys
from services.auth import SCOPES
from services.bookings import manage_token
from slotwise.app import load_spec
from slotwise.runtime import Runtime

SPEC = resolve_refs(load_spec())
METHODS = ("get", "put", "post", "patch", "delete")
SCHEMES = SPEC["components"]["securitySchemes"]
WIDGET_KEY_SCHEMES = {
    name
    for name, scheme in SCHEMES.items()
    if scheme.get("x-apikeyInfoFunc") == "slotwise.security.widget_key_auth"
}
SECRET_KEY_SCHEMES = set(SCHEMES) - WIDGET_KEY_SCHEMES

# Every operation that needs no key, and why. Making another one public fails
# test_only_the_listed_operations_are_public until it is added here with its reason.
PUBLIC = {
    "GET /healthz": "the load balancer's liveness check",
    "GET /readyz": "the load balancer's readiness check",
    "POST /api/auth/login": "exchanges a user's password for a login token",
    "POST /api/bookings": "invitees book on hosted pages with no key; a widget key sent is checked",
    "GET /api/bookings/{bookingId}": "the invitee's own booking, opened with its manage token",
    "POST /api/bookings/{bookingId}/cancel": "the invitee cancels with the manage token",
    "POST /api/bookings/{bookingId}/reschedule": "the invitee reschedules with the manage token",
}


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    spec: dict

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def security(self) -> list[dict]:
        return self.spec.get("security", SPEC["security"])

    @property
    def public(self) -> bool:
        # An empty requirement is satisfied by no credentials at all.
        return not self.security or {} in self.security

    @property
    def schemes(self) -> set[str]:
        return {name for requirement in self.security for name in requirement}

    @property
    def takes_secret_keys(self) -> bool:
        return not self.public and self.schemes <= SECRET_KEY_SCHEMES

    @property
    def takes_widget_keys(self) -> bool:
        return bool(self.schemes & WIDGET_KEY_SCHEMES)

    @property
    def writes(self) -> bool:
        return self.method != "get"

    @property
    def parameters(self) -> list[dict]:
        return SPEC["paths"][self.path].get("parameters", []) + self.spec.get("parameters", [])

    @property
    def path_names(self) -> list[str]:
        return [p["name"] for p in self.parameters if p["in"] == "path"]

    @property
    def required_query(self) -> dict:
        return {
            p["name"]: p.get("example", p["schema"].get("example"))
            for p in self.parameters
            if p["in"] == "query" and p.get("required")
        }

    @property
    def body(self) -> dict | None:
        if "requestBody" not in self.spec:
            return None
        media = self.spec["requestBody"]["content"]["application/json"]
        examples = [example["value"] for example in media.get("examples", {}).values()]
        return examples[0] if examples else media["example"]


OPERATIONS = [
    Operation(method, path, item[method])
    for path, item in SPEC["paths"].items()
    for method in METHODS
    if method in item
]
SECURED = [operation for operation in OPERATIONS if not operation.public]
SCOPED = [operation for operation in SECURED if "x-required-scope" in operation.spec]
WITH_IDS = [operation for operation in SECURED if operation.path_names]
SECRET_KEYED = [operation for operation in SECURED if operation.takes_secret_keys]
WIDGET_KEYED = [operation for operation in OPERATIONS if operation.takes_widget_keys]


def cases(operations: list[Operation]):
    return pytest.mark.parametrize("operation", operations, ids=[str(op) for op in operations])


EVERY_DAY = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "24:00"}
]
GROUP_MEMBER = "ada@engine.example"


@dataclass
class World:
    """Two organizations, their keys, and organization A's objects, built on demand."""

    client: object
    a: Tenant
    b: Tenant
    a_widget_key: str
    b_widget_key: str
    revoked_key: str
    revoked_widget_key: str
    # scope -> a key of A with every scope but that one
    keys_without: dict[str, str]
    values: dict[str, str] = field(default_factory=dict)

    def create(self, path: str, body: dict) -> dict:
        return created(self.client, self.a.key, path, body)

    def value_of(self, name: str) -> str:
        """Organization A's object for the path parameter ``name``, made on first use."""
        if name not in self.values:
            self.values[name] = FACTORIES[name](self)
        return self.values[name]


def created(client, key: str, path: str, body: dict) -> dict:
    response = client.post(path, headers=bearer(key), json=body)
    assert response.status_code in (200, 201), (path, response.json())
    return response.json()


def _tomorrow_at(hour: int) -> str:
    day = datetime.now(UTC).date() + timedelta(days=1)
    return datetime.combine(day, time(hour), UTC).isoformat()


def _delivery(world: World) -> str:
    # As a ping records one, without sending it anywhere.
    with db.connection_context():
        event = DomainEvent.create(
            organization=world.a.organization,
            type="ping",
            data={"webhookId": world.value_of("webhookId")},
            dispatched_at=datetime.now(UTC),
        )
        return WebhookDelivery.create(endpoint=world.value_of("webhookId"), event=event).id


def _slug(world: World) -> str:
    world.value_of("eventTypeId")
    return "matrix-call"


def _group(world: World) -> str:
    group = world.create("/api/v1/contact-groups", {"name": "Newsletter"})["id"]
    world.value_of("contactId")
    world.create(f"/api/v1/contact-groups/{group}/members", {"emails": [GROUP_MEMBER]})
    return group


# Path parameter name -> how organization A gets one. A path parameter missing here fails
# the 404 case of its operation: a new kind of object is added here, not skipped.
FACTORIES: dict[str, Callable[[World], str]] = {
    "keyId": lambda w: w.create("/api/v1/api-keys", {"name": "Reporting"})["id"],
    "memberId": lambda w: w.create(
        "/api/v1/team/members",
        {"email": "grace@acme.example", "name": "Grace Hopper", "role": "member"},
    )["id"],
    "scheduleId": lambda w: w.create(
        "/api/v1/schedules", {"name": "Always", "timezone": "UTC", "rules": EVERY_DAY}
    )["id"],
    "eventTypeId": lambda w: w.create(
        "/api/v1/event-types",
        {
            "title": "Matrix call",
            "slug": "matrix-call",
            "durationMinutes": 30,
            "scheduleId": w.value_of("scheduleId"),
        },
    )["id"],
    "slug": _slug,
    "locationId": lambda w: w.create(
        "/api/v1/locations", {"name": "Office", "type": "in_person", "address": "Torstraße 1"}
    )["id"],
    "bookingId": lambda w: w.create(
        "/api/v1/bookings",
        {
            "eventTypeId": w.value_of("eventTypeId"),
            "inviteeName": "Grace Hopper",
            "inviteeEmail": "grace@navy.example",
            "inviteeTimezone": "UTC",
            "startTime": _tomorrow_at(10),
        },
    )["id"],
    "contactId": lambda w: w.create(
        "/api/v1/contacts", {"name": "Ada Lovelace", "email": GROUP_MEMBER}
    )["id"],
    "groupId": _group,
    "taxId": lambda w: w.create(
        "/api/v1/taxes", {"name": "VAT", "ratePercent": 19, "inclusive": True}
    )["id"],
    "invoiceId": lambda w: w.create(
        "/api/v1/invoices",
        {
            "status": "open",
            "currency": "EUR",
            "customer": {"name": "Grace Hopper", "email": "grace@navy.example"},
            "lines": [{"description": "Workshop", "quantity": 1, "unitAmount": 10000}],
        },
    )["id"],
    "transactionId": lambda w: w.create(
        f"/api/v1/invoices/{w.value_of('invoiceId')}/payments", {"amount": 5000, "method": "card"}
    )["id"],
    # An address literal: nothing to resolve, nothing ever sent (jobs wait in the queue).
    "webhookId": lambda w: w.create(
        "/api/v1/webhooks", {"url": "https://1.1.1.1/hooks", "events": ["booking.created"]}
    )["id"],
    "deliveryId": _delivery,
    "widgetKeyId": lambda w: w.create("/api/v1/widget-keys", {"name": "Partner site"})["id"],
    "workflowId": lambda w: w.create(
        "/api/v1/workflows",
        {
            "name": "Thank you",
            "trigger": "after_end",
            "offsetMinutes": 60,
            "actions": [{"type": "email_invitee"}],
        },
    )["id"],
}


def _issue(tenant: Tenant, scopes=None) -> str:
    with db.connection_context():
        return keys.issue_key(tenant.owner, secret=SECRET, name="matrix", scopes=scopes)[1]


def key_id_of(raw_key: str) -> str:
    with db.connection_context():
        return ApiKey.get(ApiKey.key_hash == keys.hash_key(raw_key, SECRET)).id


@pytest.fixture(scope="module")
def world(shared_app, tmp_path_factory):
    url = fresh_database_url(f"sqlite:///{tmp_path_factory.mktemp('authorization')}/slotwise.db")
    with serving(shared_app, url), shared_app.test_client() as client:
        a = make_tenant("Acme", "ada@acme.example", name="Ada Lovelace", plan="pro")
        b = make_tenant("Globex", "hank@globex.example")
        revoked_key = _issue(a)
        revoked_widget_key = created(client, a.key, "/api/v1/widget-keys", {"name": "Old site"})
        for revocation in (
            f"/api/v1/api-keys/{key_id_of(revoked_key)}",
            f"/api/v1/widget-keys/{revoked_widget_key['id']}",
        ):
            assert client.delete(revocation, headers=bearer(a.key)).status_code == 204
        yield World(
            client=client,
            a=a,
            b=b,
            a_widget_key=created(client, a.key, "/api/v1/widget-keys", {"name": "Site"})["key"],
            b_widget_key=created(client, b.key, "/api/v1/widget-keys", {"name": "Site"})["key"],
            revoked_key=revoked_key,
            revoked_widget_key=revoked_widget_key["key"],
            keys_without={
                scope: _issue(a, [other for other in SCOPES if other != scope]) for scope in SCOPES
            },
        )


def key_headers(operation: Operation, key: str | None) -> dict:
    if key is None:
        return {}
    # Each key where its operation looks for one: a key of the wrong kind is sent as if
    # it were the right one, as a confused integrator would.
    return {"X-Widget-Key": key} if operation.takes_widget_keys else bearer(key)


def call(world: World, operation: Operation, key: str | None, values: dict | None = None, **query):
    """The operation's valid request on A's objects (or ``values``), with ``key``."""
    values = values or {name: world.value_of(name) for name in operation.path_names}
    return world.client.request(
        operation.method.upper(),
        operation.path.format(**values),
        params={**operation.required_query, **query},
        json=operation.body,
        headers=key_headers(operation, key),
    )


def database_rows() -> dict[str, list]:
    """Every row of every table, to show that a refused request changed nothing."""
    rows = {}
    with db.connection_context():
        for model in ALL_MODELS:
            columns = [
                column
                for column in model._meta.sorted_fields
                # Authenticating writes it (at most once a minute): not a change by the request.
                if column is not ApiKey.last_used_at
            ]
            rows[model._meta.table_name] = sorted(map(repr, model.select(*columns).tuples()))
    return rows


def unknown_like(value: str) -> str:
    """A value of the same shape as ``value`` that names nothing."""
    return value[:-6] + "000000"


@cases(SECURED)
def test_every_operation_that_takes_a_key_declares_its_scope(operation):
    spec = operation.spec
    declared = [name for name in ("x-required-scope", "x-any-key") if name in spec]

    assert len(declared) == 1, (
        f"{operation} takes a key: declare x-required-scope, or x-any-key: true if any valid "
        "key may call it"
    )
    assert spec.get("x-any-key", True) is True
    if "x-required-scope" in spec:
        assert spec["x-required-scope"] in SCOPES
        # Widget keys carry no scopes; a scope on such an operation would not be checked.
        assert operation.takes_secret_keys
        assert "403" in spec["responses"]
    assert "401" in spec["responses"], f"{operation} takes a key but documents no 401"


def test_only_the_listed_operations_are_public():
    public = {str(operation) for operation in OPERATIONS if operation.public}

    assert public == set(PUBLIC)
    assert all(reason.strip() for reason in PUBLIC.values())


@cases(WITH_IDS)
def test_another_organizations_object_is_not_found_like_a_missing_one(world, operation):
    for name in operation.path_names:
        assert name in FACTORIES, (
            f"{operation}: no factory builds a '{name}'; add one to FACTORIES so that its "
            "objects are checked across organizations"
        )
    other_key = world.b_widget_key if operation.takes_widget_keys else world.b.key

    assert_not_found_like_a_missing_one(
        world, operation, lambda values: call(world, operation, other_key, values)
    )


@cases([operation for operation in OPERATIONS if operation.public and operation.path_names])
def test_an_invitees_link_opens_only_its_own_booking(world, operation):
    assert operation.path_names == ["bookingId"], "a public operation on another kind of object"
    another_bookings = manage_token(unknown_like(world.value_of("bookingId")), SECRET)

    assert_not_found_like_a_missing_one(
        world,
        operation,
        lambda values: call(world, operation, None, values, token=another_bookings),
    )


def assert_not_found_like_a_missing_one(world: World, operation: Operation, send) -> None:
    """``send(values)`` on A's objects is a 404 that changes nothing, and says word for word
    what it says for objects that never existed: nothing is disclosed."""
    values = {name: world.value_of(name) for name in operation.path_names}
    unknown = {name: unknown_like(value) for name, value in values.items()}

    before = database_rows() if operation.writes else None
    theirs = send(values)
    after = database_rows() if operation.writes else None
    missing = send(unknown)

    assert theirs.status_code == 404, theirs.text
    body = theirs.json()
    assert set(body) == {"error", "code", "details"}
    assert body["code"] == "not_found"
    assert isinstance(body["details"], dict)
    assert missing.status_code == 404
    text = theirs.text
    for name, value in values.items():
        text = text.replace(value, unknown[name])
    assert text == missing.text
    assert after == before, f"{operation} changed organization A's data"


@cases(SCOPED)
def test_a_key_without_the_operations_scope_gets_403(world, operation):
    scope = operation.spec["x-required-scope"]

    response = call(world, operation, world.keys_without[scope])

    assert response.status_code == 403
    assert response.json() == {
        "error": f"This API key lacks the '{scope}' scope needed for this operation.",
        "code": "insufficient_scope",
        "details": {"requiredScope": scope},
    }


def assert_unauthorized(operation: Operation, response, code: str, error: str) -> None:
    assert response.status_code == 401
    assert response.json() == {"error": error, "code": code, "details": {}}
    promised = operation.spec["responses"]["401"].get("headers", {})
    assert [name for name in promised if name not in response.headers] == []


@cases(SECURED)
def test_no_credentials_get_401_naming_the_key_to_send(world, operation):
    response = call(world, operation, None)

    assert_unauthorized(
        operation,
        response,
        "missing_credentials",
        "No widget key provided. Send it in the X-Widget-Key header or the widgetKey query "
        "parameter."
        if operation.takes_widget_keys
        else "No API key provided. Send it as 'Authorization: Bearer <key>', as the Basic auth "
        "password, or in the X-Api-Key header.",
    )


@cases(SECRET_KEYED)
def test_a_widget_key_gets_401_where_a_secret_key_is_needed(world, operation):
    response = call(world, operation, world.a_widget_key)

    assert_unauthorized(
        operation,
        response,
        "invalid_api_key",
        "Widget keys (sw_pub_...) only work on the public endpoints; use a secret key.",
    )


@cases(SECRET_KEYED)
def test_a_revoked_key_gets_401(world, operation):
    response = call(world, operation, world.revoked_key)

    assert_unauthorized(operation, response, "revoked_api_key", "The API key has been revoked.")


@cases(WIDGET_KEYED)
@pytest.mark.parametrize("kind", ["secret key", "revoked widget key"])
def test_only_a_live_widget_key_opens_a_widget_operation(world, operation, kind):
    key = world.a.key if kind == "secret key" else world.revoked_widget_key

    response = call(world, operation, key)

    assert_unauthorized(
        operation,
        response,
        "invalid_widget_key",
        "The widget key is not valid, or has been revoked.",
    )


def test_the_server_does_not_start_with_an_operation_that_declares_no_scope():
    spec = load_spec()
    del spec["paths"]["/api/v1/me"]["get"]["x-any-key"]

    with pytest.raises(ValueError, match=r"handlers\.me\.get_me takes a key: declare its scope"):
        Runtime.from_spec(spec, secret_key=SECRET, max_body_bytes=1024)
