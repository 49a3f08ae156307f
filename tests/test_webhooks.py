"""Webhooks: endpoints and secrets, signed deliveries to a real receiver, retries, the guards."""

import json
import shutil
import ssl
import subprocess
from datetime import timedelta

import pytest

from conftest import SECRET, bearer, config_for
from models import (
    DomainEvent,
    IdempotencyRecord,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    db,
    utcnow,
)
from models.schema import migrate
from services import events, keys, webhooks, work
from services.timeutil import format_timestamp
from services.webhooks import ssrf
from slotwise.app import create_app
from webhook_receiver import Reply, WebhookReceiver, verify

WAIT = 0.05
HOOK_PATH = "/hooks/slotwise"


@pytest.fixture
def app(database_url):
    """Private addresses allowed (the receiver is on 127.0.0.1) and retries 50 ms apart."""
    application = create_app(
        {**config_for(database_url), "WEBHOOKS_ALLOW_PRIVATE": True, "RETRY_SECONDS": (WAIT,) * 3}
    )
    migrate()
    yield application
    if not db.is_closed():
        db.close()


@pytest.fixture
def strict(app):
    """The server's default: webhooks may not reach private addresses."""
    app.app.config["WEBHOOKS_ALLOW_PRIVATE"] = False


@pytest.fixture
def receiver():
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
def submitted():
    """The work services submit after their commits, as (kind, id, eta)."""
    found = []
    work.bind(lambda kind, object_id, eta: found.append((kind, object_id, eta)))
    yield found
    work.bind(None)


def create(client, key, **body):
    body = {"url": "https://1.1.1.1/hooks", "events": ["booking.created"], **body}
    return client.post("/api/v1/webhooks", headers=bearer(key), json=body)


def endpoint_for(client, key, receiver, **body) -> dict:
    """An endpoint (with its secret) pointing at the receiver."""
    response = create(client, key, url=receiver.url + HOOK_PATH, **body)
    assert response.status_code == 201
    return response.json()


def ping(client, key, webhook_id):
    return client.post(f"/api/v1/webhooks/{webhook_id}/test", headers=bearer(key))


def queue_event(tenant, event_type="booking.created", data=None, now=None) -> DomainEvent:
    """Record an event and dispatch it, as a booking would: one delivery per subscriber."""
    now = now or utcnow()
    with db.connection_context():
        with db.atomic():
            event = events.emit(event_type, tenant.organization.id, data or {"id": "bkg_1"})
        events.dispatch(event.id, now=now, compose_emails=lambda _event: [])
    return event


def delivery_ids(webhook_id: str) -> list[str]:
    with db.connection_context():
        query = WebhookDelivery.select().where(WebhookDelivery.endpoint == webhook_id)
        return [delivery.id for delivery in query.order_by(WebhookDelivery.created_at)]


def deliver(app, delivery_id, now, **config):
    with db.connection_context():
        return webhooks.deliver(delivery_id, now=now, config={**app.app.config, **config})


def deliver_until_done(app, delivery_id, now) -> list:
    """Call deliver() as the job runner would, each time at the time it asked for."""
    etas = []
    while (eta := deliver(app, delivery_id, now)) is not None:
        assert now + timedelta(seconds=WAIT * 0.9) <= eta <= now + timedelta(seconds=WAIT * 1.1)
        etas.append(eta)
        now = eta
    return etas


def get_delivery(client, key, webhook_id, delivery_id) -> dict:
    path = f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}"
    response = client.get(path, headers=bearer(key))
    assert response.status_code == 200
    return response.json()


def stored_endpoint(webhook_id: str) -> WebhookEndpoint:
    with db.connection_context():
        return WebhookEndpoint.get_by_id(webhook_id)


def signed_by(received, secret: str, now) -> bool:
    return verify(secret, received.headers["slotwise-signature"], received.body, now.timestamp())


def signatures(received) -> list[str]:
    return [part for part in received.headers["slotwise-signature"].split(",") if part[:3] == "v1="]


def url_not_allowed(message: str, reason: str) -> dict:
    return {"error": message, "code": "url_not_allowed", "details": {"url": reason}}


# Endpoints and their secrets


def test_a_new_endpoint_shows_its_secret_in_the_creation_response_only(client, tenant):
    response = create(
        client, tenant.key, events=["booking.created", "contact.created"], description="CRM"
    )

    assert response.status_code == 201
    created = response.json()
    secret = created.pop("secret")
    assert secret.startswith("whsec_")
    assert len(secret) >= len("whsec_") + 32
    assert created["id"].startswith("whk_")
    assert created["createdAt"] == created["updatedAt"]
    assert {k: v for k, v in created.items() if k not in ("id", "createdAt", "updatedAt")} == {
        "url": "https://1.1.1.1/hooks",
        "events": ["booking.created", "contact.created"],
        "description": "CRM",
        "active": True,
        "disabledReason": "",
    }
    fetched = client.get(f"/api/v1/webhooks/{created['id']}", headers=bearer(tenant.key))
    listed = client.get("/api/v1/webhooks", headers=bearer(tenant.key)).json()
    assert fetched.json() == created
    assert listed["data"] == [created]
    assert secret not in fetched.text + json.dumps(listed)


def test_each_endpoint_gets_its_own_secret(client, tenant):
    first = create(client, tenant.key).json()
    second = create(client, tenant.key).json()

    assert first["secret"] != second["secret"]


def test_endpoints_are_listed_oldest_first_for_their_organization_only(
    client, tenant, other_tenant
):
    ours = [create(client, tenant.key, description=str(n)).json()["id"] for n in range(3)]
    theirs = create(client, other_tenant.key).json()["id"]

    first = client.get("/api/v1/webhooks?limit=2", headers=bearer(tenant.key)).json()
    second = client.get("/api/v1/webhooks?limit=2&page=2", headers=bearer(tenant.key)).json()
    other = client.get("/api/v1/webhooks", headers=bearer(other_tenant.key)).json()

    assert [w["id"] for w in first["data"] + second["data"]] == ours
    assert first["pagination"] == {"page": 1, "limit": 2, "total": 3, "totalPages": 2}
    assert [w["id"] for w in other["data"]] == [theirs]


def test_patch_changes_only_the_given_fields(client, tenant):
    created = create(client, tenant.key, description="CRM").json()
    path = f"/api/v1/webhooks/{created['id']}"

    response = client.patch(
        path, headers=bearer(tenant.key), json={"events": ["ping"], "url": "http://1.0.0.1/x"}
    )

    assert response.status_code == 200
    updated = response.json()
    assert (updated["events"], updated["url"], updated["description"]) == (
        ["ping"],
        "http://1.0.0.1/x",
        "CRM",
    )
    assert updated["updatedAt"] >= created["updatedAt"]
    assert "secret" not in updated


def test_deleting_an_endpoint_deletes_its_delivery_log(client, tenant, receiver):
    endpoint = endpoint_for(client, tenant.key, receiver)
    delivery = ping(client, tenant.key, endpoint["id"]).json()

    response = client.delete(f"/api/v1/webhooks/{endpoint['id']}", headers=bearer(tenant.key))

    assert response.status_code == 204
    fetched = client.get(f"/api/v1/webhooks/{endpoint['id']}", headers=bearer(tenant.key))
    assert fetched.status_code == 404
    with db.connection_context():
        assert WebhookDelivery.get_or_none(WebhookDelivery.id == delivery["id"]) is None
        assert WebhookAttempt.select().count() == 0


def test_rotation_shows_a_new_secret_once(client, tenant):
    created = create(client, tenant.key).json()

    response = client.post(
        f"/api/v1/webhooks/{created['id']}/rotate-secret", headers=bearer(tenant.key)
    )

    assert response.status_code == 200
    rotated = response.json()
    assert rotated["secret"].startswith("whsec_")
    assert rotated["secret"] != created["secret"]
    fetched = client.get(f"/api/v1/webhooks/{created['id']}", headers=bearer(tenant.key))
    assert "secret" not in fetched.json()
    assert {k: v for k, v in rotated.items() if k not in ("secret", "updatedAt")} == {
        k: v for k, v in created.items() if k not in ("secret", "updatedAt")
    }


@pytest.mark.parametrize(
    ("path", "message"),
    [
        (
            "/api/v1/webhooks",
            "This Idempotency-Key already created webhook endpoint {id}; its secret is shown "
            "only once. Rotate it or delete the endpoint.",
        ),
        (
            "/api/v1/webhooks/{id}/rotate-secret",
            "This Idempotency-Key already rotated the secret of webhook endpoint {id}; "
            "the new secret is shown only once. Rotate it again.",
        ),
    ],
)
def test_a_retried_request_that_revealed_a_secret_names_the_endpoint_instead(
    client, tenant, path, message
):
    url = path.format(id=create(client, tenant.key).json()["id"])
    headers = {**bearer(tenant.key), "Idempotency-Key": "retry-me"}
    body = {"url": "https://1.1.1.1/other", "events": ["ping"]}
    kwargs = {"json": body} if path == "/api/v1/webhooks" else {}
    first = client.post(url, headers=headers, **kwargs).json()

    retry = client.post(url, headers=headers, **kwargs)

    assert retry.status_code == 409
    assert retry.json() == {
        "error": message.format(id=first["id"]),
        "code": "idempotent_secret_not_replayed",
        "details": {"id": first["id"]},
    }
    with db.connection_context():
        stored = [record.response_body or "" for record in IdempotencyRecord.select()]
    assert stored
    assert all(first["secret"] not in response for response in stored)


# The private-address rule


REFUSED = [
    ("http://127.0.0.1/hook", "127.0.0.1", "loopback"),
    ("http://10.0.0.1/hook", "10.0.0.1", "private"),
    ("http://169.254.169.254/latest/meta-data", "169.254.169.254", "link-local"),
    ("http://[::1]/hook", "::1", "loopback"),
    ("http://[::ffff:10.1.2.3]/hook", "::ffff:10.1.2.3", "private"),
    ("http://0.0.0.0:8080/hook", "0.0.0.0", "unspecified"),  # noqa: S104 - refused, not bound
    ("http://2130706433/hook", "127.0.0.1", "loopback"),
]


def _refusal(address: str, kind: str) -> dict:
    article = "an" if kind[0] in "aeiou" else "a"
    return url_not_allowed(
        f"Webhook URLs must reach a public address; {address} is {kind}.",
        f"resolves to {article} {kind} address",
    )


@pytest.mark.parametrize(("url", "address", "kind"), REFUSED)
@pytest.mark.usefixtures("strict")
def test_an_endpoint_may_not_target_a_private_address(client, tenant, url, address, kind):
    response = create(client, tenant.key, url=url)

    assert (response.status_code, response.json()) == (422, _refusal(address, kind))
    assert client.get("/api/v1/webhooks", headers=bearer(tenant.key)).json()["data"] == []


@pytest.mark.parametrize(("url", "address", "kind"), REFUSED)
@pytest.mark.usefixtures("strict")
def test_an_endpoint_may_not_be_moved_to_a_private_address(client, tenant, url, address, kind):
    webhook_id = create(client, tenant.key).json()["id"]
    path = f"/api/v1/webhooks/{webhook_id}"

    response = client.patch(path, headers=bearer(tenant.key), json={"url": url})

    assert (response.status_code, response.json()) == (422, _refusal(address, kind))
    assert client.get(path, headers=bearer(tenant.key)).json()["url"] == "https://1.1.1.1/hooks"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "ftp://1.1.1.1/hooks",
            url_not_allowed(
                "Webhook URLs must use http or https, not ftp.", "must use http or https"
            ),
        ),
        (
            "http://no-such-host.invalid/hooks",
            url_not_allowed(
                "The webhook URL's host no-such-host.invalid does not resolve.", "does not resolve"
            ),
        ),
    ],
)
def test_only_http_urls_with_a_resolving_host_are_accepted(client, tenant, url, expected):
    response = create(client, tenant.key, url=url)

    assert (response.status_code, response.json()) == (422, expected)


@pytest.mark.usefixtures("strict")
def test_a_public_address_is_accepted_when_private_ones_are_refused(client, tenant):
    assert create(client, tenant.key, url="https://1.1.1.1/hooks").status_code == 201
    assert create(client, tenant.key, url="http://[2606:4700::1111]/hooks").status_code == 201


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("1.1.1.1", None),
        ("2606:4700::1111", None),
        ("100.64.0.1", "non-public"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("fe80::1%1", "link-local"),
        ("fc00::1", "private"),
        ("240.0.0.1", "private"),
        ("::", "unspecified"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:a00:1::1", "private"),
        ("64:ff9b::a9fe:a9fe", "link-local"),
    ],
)
def test_addresses_are_judged_by_where_they_lead(address, kind):
    assert ssrf.refusal(address) == kind


def test_a_private_address_is_refused_again_at_delivery_time(app, client, tenant, receiver):
    endpoint = endpoint_for(client, tenant.key, receiver)
    queue_event(tenant)
    [delivery_id] = delivery_ids(endpoint["id"])

    retry_at = deliver(app, delivery_id, utcnow(), WEBHOOKS_ALLOW_PRIVATE=False)

    assert retry_at is not None
    assert receiver.requests == []
    delivery = get_delivery(client, tenant.key, endpoint["id"], delivery_id)
    message = "Webhook URLs must reach a public address; 127.0.0.1 is loopback."
    assert (delivery["status"], delivery["attempts"], delivery["lastError"]) == (
        "pending",
        1,
        message,
    )
    [attempt] = delivery["attemptLog"]
    assert (attempt["responseStatus"], attempt["error"]) == (None, message)


# Pings, signatures and the body


def test_a_test_ping_reaches_the_receiver_signed_and_answers_with_its_delivery(
    client, tenant, receiver
):
    endpoint = endpoint_for(client, tenant.key, receiver)

    response = ping(client, tenant.key, endpoint["id"])

    assert response.status_code == 200
    delivery = response.json()
    [received] = receiver.requests
    assert (received.method, received.path) == ("POST", HOOK_PATH)
    assert received.headers["content-type"] == "application/json"
    assert received.headers["user-agent"] == "Slotwise-Webhooks/1"
    assert received.headers["slotwise-event-id"] == delivery["eventId"]
    assert len(signatures(received)) == 1
    assert signed_by(received, endpoint["secret"], utcnow())
    assert not signed_by(received, "whsec_someone-else", utcnow())
    body = json.loads(received.body)
    assert body == {
        "id": delivery["eventId"],
        "type": "ping",
        "createdAt": delivery["createdAt"],
        "data": {"webhookId": endpoint["id"]},
    }
    assert delivery["id"].startswith("whd_")
    assert {k: delivery[k] for k in ("eventType", "status", "attempts", "lastResponseStatus")} == {
        "eventType": "ping",
        "status": "delivered",
        "attempts": 1,
        "lastResponseStatus": 204,
    }
    assert (delivery["lastError"], delivery["nextAttemptAt"]) == ("", None)
    assert delivery["deliveredAt"] is not None
    assert delivery["lastDurationMs"] >= 0


def test_the_signature_covers_the_exact_body_and_a_recent_time(client, tenant, receiver):
    endpoint = endpoint_for(client, tenant.key, receiver)
    ping(client, tenant.key, endpoint["id"])
    [received] = receiver.requests
    header = received.headers["slotwise-signature"]
    now = utcnow().timestamp()

    assert verify(endpoint["secret"], header, received.body, now)
    assert not verify(endpoint["secret"], header, received.body + b" ", now)
    assert not verify(endpoint["secret"], header, received.body, now + 301)


def test_a_ping_is_sent_only_to_its_endpoint(client, tenant, receiver):
    target = endpoint_for(client, tenant.key, receiver, events=["ping"])
    bystander = endpoint_for(client, tenant.key, receiver, events=["ping"])

    event_id = ping(client, tenant.key, target["id"]).json()["eventId"]
    with db.connection_context():
        # What the sweep would do with an event it thought undispatched.
        events.dispatch(event_id, now=utcnow(), compose_emails=lambda _event: [])
        leftovers = work.due(utcnow() + timedelta(days=1), stale_after=timedelta(minutes=2))

    assert len(receiver.requests) == 1
    assert delivery_ids(bystander["id"]) == []
    assert leftovers == []


def test_an_endpoint_added_before_dispatch_does_not_get_earlier_events(client, tenant):
    subscriber = create(client, tenant.key).json()
    with db.connection_context(), db.atomic():
        event = events.emit("booking.created", tenant.organization.id, {"id": "bkg_1"})
    # The job that dispatches the event runs after this endpoint was added.
    latecomer = create(client, tenant.key).json()
    with db.connection_context():
        events.dispatch(event.id, now=utcnow(), compose_emails=lambda _event: [])

    assert len(delivery_ids(subscriber["id"])) == 1
    assert delivery_ids(latecomer["id"]) == []


def test_a_failed_ping_is_not_retried(app, client, tenant, receiver):
    receiver.script(500)
    endpoint = endpoint_for(client, tenant.key, receiver)

    delivery = ping(client, tenant.key, endpoint["id"]).json()

    assert {k: delivery[k] for k in ("status", "attempts", "lastResponseStatus", "lastError")} == {
        "status": "failed",
        "attempts": 1,
        "lastResponseStatus": 500,
        "lastError": "Answered 500, not 2xx.",
    }
    assert delivery["nextAttemptAt"] is None
    assert deliver(app, delivery["id"], utcnow() + timedelta(days=1)) is None
    assert len(receiver.requests) == 1


def test_a_delivery_sends_the_event_as_it_was_stored(app, client, tenant, receiver):
    endpoint = endpoint_for(client, tenant.key, receiver)
    data = {"id": "bkg_42", "inviteeName": "Grace Hopper", "answers": {"note": "ünïcode"}}
    event = queue_event(tenant, data=data)
    [delivery_id] = delivery_ids(endpoint["id"])
    now = utcnow()

    assert deliver(app, delivery_id, now) is None

    [received] = receiver.requests
    assert json.loads(received.body) == {
        "id": event.id,
        "type": "booking.created",
        "createdAt": format_timestamp(event.created_at),
        "data": data,
    }
    assert received.headers["slotwise-event-id"] == event.id
    assert signed_by(received, endpoint["secret"], now)
    assert received.headers["slotwise-signature"].startswith(f"t={int(now.timestamp())},v1=")


def test_after_a_rotation_deliveries_are_signed_with_both_secrets_for_a_day(
    app, client, tenant, receiver
):
    endpoint = endpoint_for(client, tenant.key, receiver)
    rotated = client.post(
        f"/api/v1/webhooks/{endpoint['id']}/rotate-secret", headers=bearer(tenant.key)
    ).json()

    ping(client, tenant.key, endpoint["id"])
    queue_event(tenant)
    [delivery_id] = delivery_ids(endpoint["id"])[1:]
    a_day_later = utcnow() + timedelta(hours=24, minutes=1)
    deliver(app, delivery_id, a_day_later)

    during, after = receiver.wait_for(2)
    assert len(signatures(during)) == 2
    assert signed_by(during, endpoint["secret"], utcnow())
    assert signed_by(during, rotated["secret"], utcnow())
    assert len(signatures(after)) == 1
    assert signed_by(after, rotated["secret"], a_day_later)
    assert not signed_by(after, endpoint["secret"], a_day_later)


def test_the_request_names_the_urls_host_though_it_connects_to_a_checked_address(
    app, client, tenant, receiver
):
    port = receiver.url.rsplit(":", 1)[1]
    url = f"http://localhost:{port}{HOOK_PATH}"
    endpoint = create(client, tenant.key, url=url).json()

    delivery = ping(client, tenant.key, endpoint["id"]).json()

    assert delivery["status"] == "delivered"
    [received] = receiver.requests
    assert received.headers["host"] == f"localhost:{port}"


def test_the_attempt_connects_to_the_address_the_guard_checked(
    app, client, tenant, receiver, monkeypatch
):
    # Only the guard can resolve this name: the request must not look it up again.
    monkeypatch.setattr(ssrf, "lookup", lambda host: ["127.0.0.1"])
    port = receiver.url.rsplit(":", 1)[1]
    endpoint = create(client, tenant.key, url=f"http://hooks.invalid:{port}/x").json()

    delivery = ping(client, tenant.key, endpoint["id"]).json()

    assert (delivery["status"], delivery["lastError"]) == ("delivered", "")
    assert receiver.wait_for(1)[0].headers["host"] == f"hooks.invalid:{port}"


@pytest.mark.usefixtures("strict")
def test_a_name_that_turns_private_after_creation_is_not_reached(
    app, client, tenant, receiver, monkeypatch
):
    answers = iter([["1.1.1.1"], ["10.0.0.1"]])
    monkeypatch.setattr(ssrf, "lookup", lambda host: next(answers))
    endpoint = create(client, tenant.key, url="http://rebinding.invalid/x").json()

    delivery = ping(client, tenant.key, endpoint["id"]).json()

    assert (delivery["status"], delivery["lastError"]) == (
        "failed",
        "Webhook URLs must reach a public address; 10.0.0.1 is private.",
    )
    assert receiver.requests == []


@pytest.fixture(scope="session")
def self_signed(tmp_path_factory) -> ssl.SSLContext:
    """A server TLS context with a certificate for localhost that no client trusts."""
    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command")
    folder = tmp_path_factory.mktemp("tls")
    key, cert = folder / "key.pem", folder / "cert.pem"
    command = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    command += ["-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)]
    subprocess.run(command, check=True, capture_output=True)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def test_https_checks_the_certificate_against_the_urls_host(app, client, tenant, self_signed):
    with WebhookReceiver(tls=self_signed) as receiver:
        port = receiver.url.rsplit(":", 1)[1]
        endpoint = create(client, tenant.key, url=f"https://localhost:{port}/hooks").json()

        delivery = ping(client, tenant.key, endpoint["id"]).json()

    # The certificate is refused (self-signed), but only after TLS asked for the URL's
    # host, not for the address the connection was pinned to.
    assert "localhost" in receiver.server_names
    assert delivery["status"] == "failed"
    assert "CERTIFICATE_VERIFY_FAILED" in delivery["lastError"]
    assert receiver.requests == []


# Retries and giving up


def test_a_failing_delivery_is_retried_until_the_receiver_accepts_it(app, client, tenant, receiver):
    receiver.script(500, 503, 200)
    endpoint = endpoint_for(client, tenant.key, receiver)
    queue_event(tenant)
    [delivery_id] = delivery_ids(endpoint["id"])
    now = utcnow()

    etas = deliver_until_done(app, delivery_id, now)

    assert len(etas) == 2
    requests = receiver.requests
    assert len(requests) == 3
    assert len({received.headers["slotwise-event-id"] for received in requests}) == 1
    assert len({received.body for received in requests}) == 1
    for received, at in zip(requests, [now, *etas], strict=True):
        assert signed_by(received, endpoint["secret"], at)
    delivery = get_delivery(client, tenant.key, endpoint["id"], delivery_id)
    assert (delivery["status"], delivery["attempts"], delivery["lastResponseStatus"]) == (
        "delivered",
        3,
        200,
    )
    assert delivery["deliveredAt"] == format_timestamp(etas[-1])
    log = delivery["attemptLog"]
    assert [(a["responseStatus"], a["error"]) for a in log] == [
        (500, "Answered 500, not 2xx."),
        (503, "Answered 503, not 2xx."),
        (200, ""),
    ]
    assert [a["startedAt"] for a in log] == [format_timestamp(at) for at in [now, *etas]]


def test_a_delivery_is_not_attempted_before_its_retry_is_due(app, client, tenant, receiver):
    receiver.script(500)
    endpoint = endpoint_for(client, tenant.key, receiver)
    queue_event(tenant)
    [delivery_id] = delivery_ids(endpoint["id"])
    now = utcnow()
    retry_at = deliver(app, delivery_id, now)

    assert deliver(app, delivery_id, retry_at - timedelta(milliseconds=1)) is None

    assert len(receiver.requests) == 1


def test_a_delivery_fails_after_the_attempt_that_follows_the_last_wait(
    app, client, tenant, receiver
):
    receiver.script(*[500] * 4)
    endpoint = endpoint_for(client, tenant.key, receiver)
    queue_event(tenant)
    [delivery_id] = delivery_ids(endpoint["id"])

    etas = deliver_until_done(app, delivery_id, utcnow())

    assert len(etas) == 3
    assert len(receiver.requests) == 4
    delivery = get_delivery(client, tenant.key, endpoint["id"], delivery_id)
    assert (delivery["status"], delivery["attempts"], delivery["nextAttemptAt"]) == (
        "failed",
        4,
        None,
    )
    assert stored_endpoint(endpoint["id"]).active


def test_a_slow_receiver_times_out_and_is_retried(app, client, tenant, receiver):
    receiver.script(Reply(200, delay=2.0))
    endpoint = endpoint_for(client, tenant.key, receiver)
    queue_event(tenant)
    [delivery_id] = delivery_ids(endpoint["id"])

    retry_at = deliver(app, delivery_id, utcnow(), WEBHOOK_READ_TIMEOUT=0.2)

    assert retry_at is not None
    delivery = get_delivery(client, tenant.key, endpoint["id"], delivery_id)
    assert delivery["status"] == "pending"
    assert delivery["lastResponseStatus"] is None
    assert delivery["lastError"].startswith("ReadTimeout")
    assert 200 <= delivery["lastDurationMs"] < 2000


def test_a_redirect_is_a_failed_attempt_and_is_not_followed(app, client, tenant, receiver):
    receiver.script(Reply(302, headers={"Location": receiver.url + "/moved"}))
    endpoint = endpoint_for(client, tenant.key, receiver)
    queue_event(tenant)
    [delivery_id] = delivery_ids(endpoint["id"])

    retry_at = deliver(app, delivery_id, utcnow())

    assert retry_at is not None
    assert [received.path for received in receiver.requests] == [HOOK_PATH]
    delivery = get_delivery(client, tenant.key, endpoint["id"], delivery_id)
    assert (delivery["lastResponseStatus"], delivery["lastError"]) == (
        302,
        "Answered 302: redirects are not followed.",
    )


def test_an_unreachable_receiver_is_a_failed_attempt(app, client, tenant):
    with WebhookReceiver() as gone:
        endpoint = endpoint_for(client, tenant.key, gone)
    queue_event(tenant)
    [delivery_id] = delivery_ids(endpoint["id"])

    assert deliver(app, delivery_id, utcnow()) is not None

    delivery = get_delivery(client, tenant.key, endpoint["id"], delivery_id)
    assert delivery["lastError"].startswith("ConnectError")


# Disabling endpoints


def test_410_gone_disables_the_endpoint_and_nothing_more_is_sent(app, client, tenant, receiver):
    receiver.script(410)
    endpoint = endpoint_for(client, tenant.key, receiver)
    queue_event(tenant)
    queue_event(tenant)
    first, second = delivery_ids(endpoint["id"])

    assert deliver(app, first, utcnow()) is None
    assert deliver(app, second, utcnow()) is None

    assert len(receiver.requests) == 1
    fetched = client.get(f"/api/v1/webhooks/{endpoint['id']}", headers=bearer(tenant.key))
    assert (fetched.json()["active"], fetched.json()["disabledReason"]) == (
        False,
        "The endpoint answered 410 Gone.",
    )
    gone = get_delivery(client, tenant.key, endpoint["id"], first)
    assert (gone["status"], gone["lastResponseStatus"]) == ("failed", 410)
    skipped = get_delivery(client, tenant.key, endpoint["id"], second)
    assert (skipped["status"], skipped["attempts"], skipped["attemptLog"]) == ("failed", 0, [])
    assert skipped["lastError"] == (
        "Not sent: the endpoint is inactive (The endpoint answered 410 Gone.). "
        "Re-enable it with active: true."
    )


def test_twenty_failed_attempts_in_a_row_disable_the_endpoint(client, tenant):
    with WebhookReceiver(default=500) as receiver:
        endpoint = endpoint_for(client, tenant.key, receiver)
        for _ in range(19):
            ping(client, tenant.key, endpoint["id"])
        still_active = stored_endpoint(endpoint["id"]).active

        ping(client, tenant.key, endpoint["id"])

    assert still_active
    fetched = client.get(f"/api/v1/webhooks/{endpoint['id']}", headers=bearer(tenant.key))
    assert (fetched.json()["active"], fetched.json()["disabledReason"]) == (
        False,
        "20 delivery attempts in a row failed.",
    )


def test_a_delivered_attempt_resets_the_failure_count(client, tenant):
    with WebhookReceiver([*[500] * 19, 200], default=500) as receiver:
        endpoint = endpoint_for(client, tenant.key, receiver)
        for _ in range(21):
            ping(client, tenant.key, endpoint["id"])

    stored = stored_endpoint(endpoint["id"])
    assert (stored.active, stored.consecutive_failures) == (True, 1)


def test_re_enabling_an_endpoint_clears_its_reason_and_failure_count(app, client, tenant, receiver):
    receiver.script(410)
    endpoint = endpoint_for(client, tenant.key, receiver)
    ping(client, tenant.key, endpoint["id"])
    path = f"/api/v1/webhooks/{endpoint['id']}"

    response = client.patch(path, headers=bearer(tenant.key), json={"active": True})

    assert (response.json()["active"], response.json()["disabledReason"]) == (True, "")
    assert stored_endpoint(endpoint["id"]).consecutive_failures == 0
    assert ping(client, tenant.key, endpoint["id"]).json()["status"] == "delivered"


def test_a_ping_to_an_inactive_endpoint_is_not_sent(client, tenant, receiver):
    endpoint = endpoint_for(client, tenant.key, receiver, active=False)

    delivery = ping(client, tenant.key, endpoint["id"]).json()

    assert (delivery["status"], delivery["attempts"]) == ("failed", 0)
    assert delivery["lastError"] == (
        "Not sent: the endpoint is inactive. Re-enable it with active: true."
    )
    assert receiver.requests == []


# The delivery log and redelivery


def test_redelivery_queues_the_same_event_again(app, client, tenant, receiver, submitted):
    endpoint = endpoint_for(client, tenant.key, receiver)
    event = queue_event(tenant)
    [delivery_id] = delivery_ids(endpoint["id"])
    deliver(app, delivery_id, utcnow())
    submitted.clear()
    path = f"/api/v1/webhooks/{endpoint['id']}/deliveries/{delivery_id}/redeliver"

    response = client.post(path, headers=bearer(tenant.key))

    assert response.status_code == 202
    queued = response.json()
    assert (queued["id"], queued["status"], queued["attempts"]) == (delivery_id, "pending", 1)
    assert queued["nextAttemptAt"] is not None
    assert submitted == [(work.DELIVER_WEBHOOK, delivery_id, None)]
    assert deliver(app, delivery_id, utcnow()) is None
    first, second = receiver.wait_for(2)
    assert first.headers["slotwise-event-id"] == second.headers["slotwise-event-id"] == event.id
    assert json.loads(second.body)["id"] == event.id
    assert signed_by(second, endpoint["secret"], utcnow())
    delivered = get_delivery(client, tenant.key, endpoint["id"], delivery_id)
    assert (delivered["status"], delivered["attempts"], len(delivered["attemptLog"])) == (
        "delivered",
        2,
        2,
    )


def test_redelivery_takes_a_delivery_back_from_a_stuck_worker(app, client, tenant, receiver):
    endpoint = endpoint_for(client, tenant.key, receiver)
    queue_event(tenant)
    [delivery_id] = delivery_ids(endpoint["id"])
    now = utcnow()
    with db.connection_context():
        assert work.claim(WebhookDelivery, delivery_id, now, timedelta(hours=1)) is not None
    assert deliver(app, delivery_id, now) is None
    path = f"/api/v1/webhooks/{endpoint['id']}/deliveries/{delivery_id}/redeliver"

    client.post(path, headers=bearer(tenant.key))

    assert deliver(app, delivery_id, utcnow()) is None
    assert len(receiver.requests) == 1
    assert get_delivery(client, tenant.key, endpoint["id"], delivery_id)["status"] == "delivered"


def test_deliveries_are_listed_newest_first_and_filtered_by_status(client, tenant, receiver):
    receiver.script(204, 500)
    endpoint = endpoint_for(client, tenant.key, receiver)
    delivered = ping(client, tenant.key, endpoint["id"]).json()
    failed = ping(client, tenant.key, endpoint["id"]).json()
    queue_event(tenant)
    [pending] = delivery_ids(endpoint["id"])[2:]
    path = f"/api/v1/webhooks/{endpoint['id']}/deliveries"

    everything = client.get(path, headers=bearer(tenant.key)).json()
    only_failed = client.get(path + "?status=failed", headers=bearer(tenant.key)).json()
    second_page = client.get(path + "?limit=2&page=2", headers=bearer(tenant.key)).json()

    assert [d["id"] for d in everything["data"]] == [pending, failed["id"], delivered["id"]]
    assert everything["data"][1:] == [failed, delivered]
    assert everything["data"][0]["eventType"] == "booking.created"
    assert everything["pagination"] == {"page": 1, "limit": 20, "total": 3, "totalPages": 1}
    assert only_failed["data"] == [failed]
    assert only_failed["pagination"]["total"] == 1
    assert second_page["data"] == [delivered]


def test_a_delivery_is_found_only_under_its_own_endpoint(client, tenant, receiver):
    endpoint = endpoint_for(client, tenant.key, receiver)
    other = endpoint_for(client, tenant.key, receiver)
    delivery = ping(client, tenant.key, endpoint["id"]).json()

    response = client.get(
        f"/api/v1/webhooks/{other['id']}/deliveries/{delivery['id']}", headers=bearer(tenant.key)
    )

    assert response.status_code == 404
    assert response.json() == {
        "error": f"No webhook delivery with id '{delivery['id']}'.",
        "code": "not_found",
        "details": {"id": delivery["id"]},
    }


# Access


OPERATIONS = [
    ("get", "/api/v1/webhooks/{id}", None),
    ("patch", "/api/v1/webhooks/{id}", {"description": "mine now"}),
    ("delete", "/api/v1/webhooks/{id}", None),
    ("post", "/api/v1/webhooks/{id}/rotate-secret", None),
    ("post", "/api/v1/webhooks/{id}/test", None),
    ("get", "/api/v1/webhooks/{id}/deliveries", None),
    ("get", "/api/v1/webhooks/{id}/deliveries/{delivery}", None),
    ("post", "/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver", None),
]


@pytest.mark.parametrize(("method", "path", "body"), OPERATIONS)
def test_another_organizations_endpoint_is_not_found(
    client, tenant, other_tenant, receiver, method, path, body
):
    endpoint = endpoint_for(client, tenant.key, receiver)
    delivery = ping(client, tenant.key, endpoint["id"]).json()
    url = path.format(id=endpoint["id"], delivery=delivery["id"])
    kwargs = {"json": body} if body else {}
    webhook_path = f"/api/v1/webhooks/{endpoint['id']}"
    before = client.get(webhook_path, headers=bearer(tenant.key)).json()
    log_before = get_delivery(client, tenant.key, endpoint["id"], delivery["id"])

    response = client.request(method.upper(), url, headers=bearer(other_tenant.key), **kwargs)

    assert response.status_code == 404
    assert response.json() == {
        "error": f"No webhook endpoint with id '{endpoint['id']}'.",
        "code": "not_found",
        "details": {"id": endpoint["id"]},
    }
    assert client.get(webhook_path, headers=bearer(tenant.key)).json() == before
    assert stored_endpoint(endpoint["id"]).secret == endpoint["secret"]
    assert get_delivery(client, tenant.key, endpoint["id"], delivery["id"]) == log_before
    assert len(receiver.requests) == 1


def scoped_key(tenant, scopes) -> str:
    with db.connection_context():
        _, raw_key = keys.issue_key(tenant.owner, secret=SECRET, name="scoped", scopes=scopes)
    return raw_key


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("get", "/api/v1/webhooks", None),
        ("post", "/api/v1/webhooks", {"url": "https://1.1.1.1/x", "events": ["ping"]}),
        *OPERATIONS,
    ],
)
def test_every_webhook_operation_needs_the_webhooks_manage_scope(
    client, tenant, receiver, method, path, body
):
    endpoint = endpoint_for(client, tenant.key, receiver)
    delivery = ping(client, tenant.key, endpoint["id"]).json()
    url = path.format(id=endpoint["id"], delivery=delivery["id"])
    kwargs = {"json": body} if body else {}
    lacking = scoped_key(tenant, ["bookings:read", "bookings:write"])

    response = client.request(method.upper(), url, headers=bearer(lacking), **kwargs)

    assert response.status_code == 403
    assert response.json()["code"] == "insufficient_scope"
    allowed = client.request(
        method.upper(), url, headers=bearer(scoped_key(tenant, ["webhooks:manage"])), **kwargs
    )
    assert allowed.status_code < 300
