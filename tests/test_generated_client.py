"""An integrator's client, generated from the spec the server serves, against a real server.

``openapi-python-client`` turns ``/api/v1/openapi.json`` into a typed Python client once per
test run; every call below goes through it to a ``slotwise serve`` process, and every answer
is read back as the client's models, errors included. A part of the spec the generator cannot
read (it warns, then leaves it out) fails the run.
"""

import importlib
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from connexion.jsonifier import Jsonifier

from servers import SLOTWISE, cli_env, serving
from slotwise.app import load_spec
from webhook_receiver import WebhookReceiver, verify

GENERATOR = shutil.which(
    "openapi-python-client", path=str(Path(sys.executable).parent)
) or shutil.which("openapi-python-client")
PACKAGE = "slotwise_client"
GENERATOR_CONFIG = {
    # The client is used as generated: formatting it would only cost time.
    "post_hooks": [],
    # The generator reads only JSON, text and application/octet-stream bodies; the invoice
    # PDF is application/pdf, which it then leaves out. Read as bytes, it is exact.
    "content_type_overrides": {"application/pdf": "application/octet-stream"},
}


@dataclass
class Generated:
    """The generated package: its models, and its operations by the spec's operationId."""

    spec: dict
    models: ModuleType
    operations: dict[str, ModuleType]

    def call(self, operation_id: str, **arguments):
        return self.operations[operation_id].sync_detailed(**arguments)


def operation_ids(spec: dict) -> set[str]:
    return {
        operation["operationId"]
        for path_item in spec["paths"].values()
        for operation in path_item.values()
        if isinstance(operation, dict) and "operationId" in operation
    }


@pytest.fixture(scope="session")
def generated(shared_app, tmp_path_factory) -> Generated:
    """Generate the client from the served spec, import it, and drop it after the run."""
    assert GENERATOR, "openapi-python-client is not installed (the dev extra)"
    workdir = tmp_path_factory.mktemp("generated-client")
    with shared_app.test_client() as client:
        served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    spec = served.json()
    (workdir / "openapi.json").write_text(served.text)
    (workdir / "config.json").write_text(json.dumps(GENERATOR_CONFIG))
    package_dir = workdir / PACKAGE
    result = subprocess.run(
        [
            GENERATOR,
            "generate",
            "--path",
            str(workdir / "openapi.json"),
            "--config",
            str(workdir / "config.json"),
            "--meta",
            "none",
            "--output-path",
            str(package_dir),
            "--fail-on-warning",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # Success prints "Generating <path>" alone; any other line is a warning or a part skipped.
    output = result.stdout + result.stderr
    others = [line for line in output.splitlines() if line.strip() and "Generating" not in line]
    if result.returncode != 0 or others:
        pytest.fail(f"the generator did not read the whole spec:\n{output}")

    # Each operation is a module named after its operationId, under its tag's folder.
    modules = {path.stem: path for path in package_dir.glob("api/*/*.py")}
    sys.path.insert(0, str(workdir))
    try:
        operations = {
            operation_id: importlib.import_module(
                f"{PACKAGE}.api.{modules[name].parent.name}.{name}"
            )
            for operation_id in operation_ids(spec)
            if (name := operation_id.replace(".", "_")) in modules
        }
        yield Generated(spec, importlib.import_module(f"{PACKAGE}.models"), operations)
    finally:
        sys.path.remove(str(workdir))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


@dataclass
class Integrator:
    """A bootstrapped organization on a running server, seen through the generated client."""

    api: Generated
    secret: object
    widget: object


@pytest.fixture(scope="module")
def integrator(generated, tmp_path_factory) -> Integrator:
    """``slotwise bootstrap`` an organization, then ``slotwise serve`` it with the client."""
    assert SLOTWISE, "the slotwise console script is not installed"
    workdir = tmp_path_factory.mktemp("served")
    database_url = f"sqlite:///{workdir}/slotwise.db"
    bootstrap = subprocess.run(
        [SLOTWISE, "bootstrap", "--org", "Acme", "--email", "owner@acme.example", "--json"],
        env=cli_env(database_url),
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    keys = json.loads(bootstrap.stdout)
    package = importlib.import_module(PACKAGE)
    # Above httpx's 5 s default: other tests may keep the machine busy.
    timeout = httpx.Timeout(30.0)
    with (
        serving(workdir, database_url, WEBHOOKS_ALLOW_PRIVATE="1") as (base_url, _out, _err),
        package.AuthenticatedClient(
            base_url=base_url, token=keys["apiKey"], timeout=timeout
        ) as secret,
        package.AuthenticatedClient(
            base_url=base_url,
            token=keys["widgetKey"],
            prefix="",
            auth_header_name="X-Widget-Key",
            timeout=timeout,
        ) as widget,
    ):
        yield Integrator(generated, secret, widget)


def create_event_type(integrator: Integrator, slug: str):
    models = integrator.api.models
    created = integrator.api.call(
        "handlers.event_types.create_event_type",
        client=integrator.secret,
        body=models.EventTypeCreate(title=f"Call {slug}", duration_minutes=30, slug=slug),
    )
    assert created.status_code == HTTPStatus.CREATED
    assert isinstance(created.parsed, models.EventType)
    assert created.parsed.slug == slug
    return created.parsed


def slots(integrator: Integrator, slug: str, *, widget: bool = False) -> list:
    """Slots from tomorrow on in Berlin, so none starts (and goes) while a test runs."""
    read = integrator.api.call(
        "handlers.public.get_availability" if widget else "handlers.availability.get_availability",
        slug=slug,
        client=integrator.widget if widget else integrator.secret,
        timezone="Europe/Berlin",
        start_date=datetime.now(UTC).date() + timedelta(days=1),
    )
    assert read.status_code == HTTPStatus.OK
    assert isinstance(read.parsed, integrator.api.models.Availability)
    return read.parsed.slots


def host_booking(integrator: Integrator, event_type, start: datetime, email: str):
    return integrator.api.call(
        "handlers.bookings.create_booking",
        client=integrator.secret,
        body=integrator.api.models.HostBookingCreate(
            event_type_id=event_type.id,
            invitee_name="Ada Lovelace",
            invitee_email=email,
            invitee_timezone="Europe/Berlin",
            start_time=start,
        ),
    )


def assert_error(response, status: HTTPStatus, code: str, models: ModuleType) -> None:
    assert response.status_code == status
    assert isinstance(response.parsed, models.Error)
    assert response.parsed.code == code
    assert response.parsed.error
    assert isinstance(response.parsed.details, models.ErrorDetails)


def wait_for_booking_created(receiver: WebhookReceiver, booking_id: str, timeout: float = 15):
    """The request announcing this booking; earlier bookings may be announced too."""
    deadline = time.monotonic() + timeout
    seen = 0
    while True:
        requests = receiver.wait_for(seen + 1, timeout=max(0.0, deadline - time.monotonic()))
        for request in requests[seen:]:
            payload = json.loads(request.body)
            if (payload["type"], payload["data"].get("id")) == ("booking.created", booking_id):
                return request
        seen = len(requests)


def test_an_integrator_books_lists_and_cancels_through_the_generated_client(integrator):
    api, models = integrator.api, integrator.api.models
    event_type = create_event_type(integrator, "intro")
    offered = slots(integrator, "intro")
    assert len(offered) >= 2
    first, second = offered[0], offered[1]
    assert slots(integrator, "intro", widget=True) == offered
    # Slots are written with the asked zone's offset, which the client keeps.
    assert first.start.utcoffset() in {timedelta(hours=1), timedelta(hours=2)}

    booked = host_booking(integrator, event_type, first.start, "ada@invitee.example")
    assert booked.status_code == HTTPStatus.CREATED
    assert isinstance(booked.parsed, models.BookingCreated)
    assert booked.parsed.status == models.BookingStatus.CONFIRMED
    assert booked.parsed.start_time == first.start
    assert booked.parsed.manage_token

    public = models.PublicBookingCreate(
        event_type_id=event_type.id,
        invitee_name="Grace Hopper",
        invitee_email="grace@invitee.example",
        invitee_timezone="UTC",
        start_time=first.start,
    )
    taken = api.call(
        "handlers.public_bookings.create_booking", client=integrator.widget, body=public
    )
    assert_error(taken, HTTPStatus.CONFLICT, "slot_taken", models)
    public.start_time = second.start
    widget_booked = api.call(
        "handlers.public_bookings.create_booking", client=integrator.widget, body=public
    )
    assert widget_booked.status_code == HTTPStatus.CREATED
    assert isinstance(widget_booked.parsed, models.BookingCreated)
    assert widget_booked.parsed.invitee_email == "grace@invitee.example"

    detail = api.call(
        "handlers.bookings.get_booking", booking_id=booked.parsed.id, client=integrator.secret
    )
    assert detail.status_code == HTTPStatus.OK
    assert isinstance(detail.parsed, models.BookingDetail)
    assert detail.parsed.invitee_email == "ada@invitee.example"
    assert detail.parsed.event_type.slug == "intro"

    listed = api.call(
        "handlers.bookings.list_bookings", client=integrator.secret, event_type_id=event_type.id
    )
    assert listed.status_code == HTTPStatus.OK
    assert isinstance(listed.parsed, models.BookingList)
    assert [booking.id for booking in listed.parsed.data] == [
        booked.parsed.id,
        widget_booked.parsed.id,
    ]
    assert listed.parsed.pagination.total == 2

    cancelled = api.call(
        "handlers.bookings.cancel_booking",
        booking_id=booked.parsed.id,
        client=integrator.secret,
        body=models.CancelRequest(reason="Rescheduling by phone"),
    )
    assert cancelled.status_code == HTTPStatus.OK
    assert isinstance(cancelled.parsed, models.Booking)
    assert cancelled.parsed.status == models.BookingStatus.CANCELLED
    assert first.start in [slot.start for slot in slots(integrator, "intro")]

    unknown = api.call(
        "handlers.bookings.get_booking", booking_id="bkg_unknown", client=integrator.secret
    )
    assert_error(unknown, HTTPStatus.NOT_FOUND, "not_found", models)


def test_an_integrator_manages_a_contact_through_the_generated_client(integrator):
    api, models = integrator.api, integrator.api.models
    body = models.ContactCreate(name="Ada Lovelace", email="ada@contacts.example")

    created = api.call("handlers.contacts.create_contact", client=integrator.secret, body=body)
    assert created.status_code == HTTPStatus.CREATED
    assert isinstance(created.parsed, models.Contact)
    assert created.parsed.email == "ada@contacts.example"
    duplicate = api.call("handlers.contacts.create_contact", client=integrator.secret, body=body)
    assert_error(duplicate, HTTPStatus.CONFLICT, "duplicate_email", models)

    contact_id = created.parsed.id
    updated = api.call(
        "handlers.contacts.update_contact",
        contact_id=contact_id,
        client=integrator.secret,
        body=models.ContactUpdate(company="Analytical Engines Ltd"),
    )
    assert updated.status_code == HTTPStatus.OK
    assert isinstance(updated.parsed, models.Contact)
    assert updated.parsed.company == "Analytical Engines Ltd"
    read = api.call(
        "handlers.contacts.get_contact", contact_id=contact_id, client=integrator.secret
    )
    assert read.status_code == HTTPStatus.OK
    assert isinstance(read.parsed, models.ContactDetail)
    assert (read.parsed.name, read.parsed.company) == ("Ada Lovelace", "Analytical Engines Ltd")

    deleted = api.call(
        "handlers.contacts.delete_contact", contact_id=contact_id, client=integrator.secret
    )
    assert deleted.status_code == HTTPStatus.NO_CONTENT
    kept = api.call(
        "handlers.contacts.get_contact", contact_id=contact_id, client=integrator.secret
    )
    assert isinstance(kept.parsed, models.ContactDetail)
    assert kept.parsed.deleted_at is not None
    listed = api.call(
        "handlers.contacts.list_contacts", client=integrator.secret, search="ada@contacts"
    )
    assert isinstance(listed.parsed, models.ContactList)
    assert listed.parsed.data == []
    unknown = api.call(
        "handlers.contacts.get_contact", contact_id="con_unknown", client=integrator.secret
    )
    assert_error(unknown, HTTPStatus.NOT_FOUND, "not_found", models)


def test_an_integrator_receives_signed_webhooks_set_up_through_the_generated_client(integrator):
    api, models = integrator.api, integrator.api.models
    with WebhookReceiver() as receiver:
        created = api.call(
            "handlers.webhooks.create_webhook",
            client=integrator.secret,
            body=models.WebhookCreate(
                url=f"{receiver.url}/slotwise",
                events=[models.WebhookEventType.BOOKING_CREATED],
            ),
        )
        assert created.status_code == HTTPStatus.CREATED
        assert isinstance(created.parsed, models.WebhookWithSecret)
        webhook = created.parsed
        assert webhook.secret.startswith("whsec_")

        ping = api.call(
            "handlers.webhooks.test_webhook", webhook_id=webhook.id, client=integrator.secret
        )
        assert ping.status_code == HTTPStatus.OK
        assert isinstance(ping.parsed, models.WebhookDelivery)
        assert ping.parsed.event_type == models.WebhookEventType.PING
        assert ping.parsed.status == models.WebhookDeliveryStatus.DELIVERED
        assert ping.parsed.last_response_status == 204
        # Bookings made before the endpoint existed may be announced to it around the ping.
        [received] = [
            request
            for request in receiver.wait_for(1)
            if json.loads(request.body)["type"] == "ping"
        ]
        assert received.path == "/slotwise"
        assert verify(
            webhook.secret, received.headers["slotwise-signature"], received.body, time.time()
        )

        event_type = create_event_type(integrator, "hooked")
        start = slots(integrator, "hooked")[0].start
        booked = host_booking(integrator, event_type, start, "hooked@invitee.example")
        assert booked.status_code == HTTPStatus.CREATED
        # Delivered by the server's own job worker, after the response.
        delivered = wait_for_booking_created(receiver, booked.parsed.id)

    deliveries = api.call(
        "handlers.webhooks.list_deliveries", webhook_id=webhook.id, client=integrator.secret
    )
    assert deliveries.status_code == HTTPStatus.OK
    assert isinstance(deliveries.parsed, models.WebhookDeliveryList)
    by_event = {delivery.event_id: delivery for delivery in deliveries.parsed.data}
    assert by_event[ping.parsed.event_id].id == ping.parsed.id
    created_event = by_event[delivered.headers["slotwise-event-id"]]
    assert created_event.event_type == models.WebhookEventType.BOOKING_CREATED

    detail = api.call(
        "handlers.webhooks.get_delivery",
        webhook_id=webhook.id,
        delivery_id=ping.parsed.id,
        client=integrator.secret,
    )
    assert isinstance(detail.parsed, models.WebhookDeliveryDetail)
    assert [attempt.response_status for attempt in detail.parsed.attempt_log] == [204]
    missing = api.call(
        "handlers.webhooks.get_delivery",
        webhook_id=webhook.id,
        delivery_id="whd_unknown",
        client=integrator.secret,
    )
    assert_error(missing, HTTPStatus.NOT_FOUND, "not_found", models)


def test_the_served_spec_is_the_spec_as_written_with_its_references(generated):
    # Inlined, each response would get its own error class in the client instead of Error.
    assert generated.spec == json.loads(Jsonifier().dumps(load_spec()))
    assert '"$ref"' in json.dumps(generated.spec["paths"])


def test_the_generated_client_has_a_call_for_every_operation_of_the_spec(generated):
    assert "handlers.public_bookings.create_booking" in generated.operations
    assert set(generated.operations) == operation_ids(generated.spec)
