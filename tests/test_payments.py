"""Payments and refunds: an invoice is paid when they cover it, never overpaid, refunds are
recorded against their payment, and payment.received reaches a real webhook receiver."""

import json
import threading
import time

import pytest

from billing_support import (
    at,
    booked,
    create_invoice,
    fetch_invoice,
    invoices_of_booking,
    open_invoice,
    owner_of,
    pay,
    priced_event_type,
    refund,
)
from conftest import bearer, config_for, make_tenant
from models import DomainEvent, db, utcnow
from models.schema import migrate
from services.billing import payments
from services.errors import DomainError
from slotwise.app import create_app
from webhook_receiver import WebhookReceiver, verify

TRANSACTION_FIELDS = {
    "id",
    "type",
    "invoiceId",
    "amount",
    "currency",
    "method",
    "reference",
    "paymentId",
    "amountRefunded",
    "createdAt",
}


def transaction(client, key, transaction_id) -> dict:
    response = client.get(f"/api/v1/transactions/{transaction_id}", headers=bearer(key))
    assert response.status_code == 200
    return response.json()


def listed(client, key, query="") -> list[tuple[str, int]]:
    body = client.get(f"/api/v1/transactions{query}", headers=bearer(key)).json()
    return [(entry["type"], entry["amount"]) for entry in body["data"]]


def payment_events() -> list[DomainEvent]:
    with db.connection_context():
        return list(
            DomainEvent.select()
            .where(DomainEvent.type == "payment.received")
            .order_by(DomainEvent.created_at)
        )


# Payments


def test_a_payment_is_recorded_with_the_invoice_as_it_left_it(client, tenant):
    invoice = open_invoice(client, tenant.key)

    response = pay(client, tenant.key, invoice["id"], 2500, method="bank_transfer", reference="T1")

    assert response.status_code == 201
    recorded = response.json()
    payment = {k: v for k, v in recorded.items() if k != "invoice"}
    assert set(payment) == TRANSACTION_FIELDS
    assert payment["id"].startswith("txn_")
    assert {k: v for k, v in payment.items() if k not in ("id", "createdAt")} == {
        "type": "payment",
        "invoiceId": invoice["id"],
        "amount": 2500,
        "currency": "EUR",
        "method": "bank_transfer",
        "reference": "T1",
        "paymentId": None,
        "amountRefunded": 0,
    }
    assert recorded["invoice"] == fetch_invoice(client, tenant.key, invoice["id"])
    assert transaction(client, tenant.key, payment["id"]) == payment


def test_an_invoice_is_paid_once_its_payments_cover_the_total(client, tenant):
    invoice = open_invoice(client, tenant.key)

    first = pay(client, tenant.key, invoice["id"], 4000).json()["invoice"]
    second = pay(client, tenant.key, invoice["id"], 6000, method="cash").json()["invoice"]

    assert (first["status"], first["amountPaid"], first["amountDue"]) == ("open", 4000, 6000)
    assert first["paidAt"] is None
    assert (second["status"], second["amountPaid"], second["amountDue"]) == ("paid", 10_000, 0)
    assert second["paidAt"] == second["updatedAt"]


def test_paying_more_than_is_due_is_refused(client, tenant):
    invoice = open_invoice(client, tenant.key)
    pay(client, tenant.key, invoice["id"], 4000)

    response = pay(client, tenant.key, invoice["id"], 6001)

    assert response.status_code == 422
    assert response.json() == {
        "error": f"The payment of 6001 exceeds the 6000 due on invoice {invoice['number']}.",
        "code": "overpayment",
        "details": {"amount": 6001, "amountDue": 6000},
    }
    assert fetch_invoice(client, tenant.key, invoice["id"])["amountPaid"] == 4000
    assert listed(client, tenant.key) == [("payment", 4000)]


def test_drafts_paid_and_void_invoices_take_no_payment(client, tenant):
    draft = create_invoice(client, tenant.key).json()
    paid = open_invoice(client, tenant.key)
    pay(client, tenant.key, paid["id"], 10_000)
    voided = open_invoice(client, tenant.key)
    client.post(f"/api/v1/invoices/{voided['id']}/void", headers=bearer(tenant.key))

    for invoice, status in [(draft, "draft"), (paid, "paid"), (voided, "void")]:
        response = pay(client, tenant.key, invoice["id"], 1)

        assert response.status_code == 409
        assert response.json() == {
            "error": f"Invoice {invoice['number'] or invoice['id']} is {status}; only open "
            "invoices can be paid.",
            "code": "invoice_not_payable",
            "details": {"status": status},
        }
    assert len(payment_events()) == 1


def test_a_retried_payment_with_its_idempotency_key_is_recorded_once(client, tenant):
    invoice = open_invoice(client, tenant.key)
    headers = {**bearer(tenant.key), "Idempotency-Key": "pos-receipt-0042"}
    path = f"/api/v1/invoices/{invoice['id']}/payments"

    first = client.post(path, headers=headers, json={"amount": 4000, "method": "card"})
    retry = client.post(path, headers=headers, json={"amount": 4000, "method": "card"})

    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json()
    assert retry.headers["idempotent-replayed"] == "true"
    assert listed(client, tenant.key) == [("payment", 4000)]
    assert len(payment_events()) == 1


@pytest.mark.parametrize(
    "body",
    [
        {"amount": 0, "method": "cash"},
        {"amount": 100, "method": "cheque"},
        {"amount": 100},
        {"amount": 1.5, "method": "cash"},
        {"amount": 100, "method": "cash", "reference": "x" * 201},
        {"amount": 100, "method": "cash", "currency": "USD"},
    ],
)
def test_a_payment_against_the_spec_is_refused(client, tenant, body):
    invoice = open_invoice(client, tenant.key)

    response = client.post(
        f"/api/v1/invoices/{invoice['id']}/payments", headers=bearer(tenant.key), json=body
    )

    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


def test_racing_payments_cannot_both_settle_an_invoice(client, tenant):
    invoice = open_invoice(client, tenant.key)
    barrier = threading.Barrier(4)
    outcomes = []

    def pay_everything():
        with db.connection_context():
            barrier.wait()
            try:
                payments.record_payment(
                    owner_of(tenant),
                    invoice["id"],
                    {"amount": 10_000, "method": "card"},
                    now=utcnow(),
                )
                outcomes.append("paid")
            except DomainError as error:
                outcomes.append(error.code)

    threads = [threading.Thread(target=pay_everything) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["invoice_not_payable"] * 3 + ["paid"]
    assert fetch_invoice(client, tenant.key, invoice["id"])["amountPaid"] == 10_000


# Refunds


def test_a_refund_without_an_amount_gives_back_the_rest_of_the_payment(client, tenant):
    invoice = open_invoice(client, tenant.key)
    payment = pay(client, tenant.key, invoice["id"], 10_000, method="cash").json()
    refund(client, tenant.key, payment["id"], amount=3000)

    response = refund(client, tenant.key, payment["id"], reference="R2")

    assert response.status_code == 201
    second = response.json()
    assert {k: v for k, v in second.items() if k not in ("id", "createdAt")} == {
        "type": "refund",
        "invoiceId": invoice["id"],
        "amount": 7000,
        "currency": "EUR",
        "method": "cash",
        "reference": "R2",
        "paymentId": payment["id"],
        "amountRefunded": 0,
    }
    assert transaction(client, tenant.key, payment["id"])["amountRefunded"] == 10_000
    assert transaction(client, tenant.key, second["id"]) == second


def test_a_refunded_paid_invoice_stays_paid_and_shows_the_refund(client, tenant):
    invoice = open_invoice(client, tenant.key)
    payment = pay(client, tenant.key, invoice["id"], 10_000).json()

    refund(client, tenant.key, payment["id"], amount=2500)

    after = fetch_invoice(client, tenant.key, invoice["id"])
    assert (after["status"], after["amountPaid"], after["amountRefunded"]) == ("paid", 10_000, 2500)
    assert after["amountDue"] == 0


def test_a_refund_on_an_open_invoice_is_owed_again(client, tenant):
    invoice = open_invoice(client, tenant.key)
    payment = pay(client, tenant.key, invoice["id"], 4000).json()

    refund(client, tenant.key, payment["id"], amount=1000)

    after = fetch_invoice(client, tenant.key, invoice["id"])
    assert (after["status"], after["amountDue"]) == ("open", 7000)
    assert pay(client, tenant.key, invoice["id"], 7001).json()["code"] == "overpayment"
    assert pay(client, tenant.key, invoice["id"], 7000).json()["invoice"]["status"] == "paid"


def test_refunding_more_than_is_left_of_a_payment_is_refused(client, tenant):
    invoice = open_invoice(client, tenant.key)
    payment = pay(client, tenant.key, invoice["id"], 5000).json()
    refund(client, tenant.key, payment["id"], amount=2000)

    too_much = refund(client, tenant.key, payment["id"], amount=3001)
    refund(client, tenant.key, payment["id"])
    nothing_left = refund(client, tenant.key, payment["id"])

    assert too_much.status_code == 422
    assert too_much.json() == {
        "error": "At most 3000 of this payment can still be refunded.",
        "code": "refund_exceeds_payment",
        "details": {"amount": 3001, "refundable": 3000},
    }
    assert nothing_left.status_code == 422
    assert nothing_left.json() == {
        "error": "At most 0 of this payment can still be refunded.",
        "code": "refund_exceeds_payment",
        "details": {"amount": 0, "refundable": 0},
    }
    assert fetch_invoice(client, tenant.key, invoice["id"])["amountRefunded"] == 5000


def test_a_refund_cannot_be_refunded(client, tenant):
    invoice = open_invoice(client, tenant.key)
    payment = pay(client, tenant.key, invoice["id"], 5000).json()
    given_back = refund(client, tenant.key, payment["id"], amount=100).json()

    response = refund(client, tenant.key, given_back["id"])

    assert response.status_code == 422
    assert response.json() == {
        "error": "Only a payment can be refunded, not a refund.",
        "code": "not_a_payment",
        "details": {"type": "refund"},
    }


def test_payments_on_a_cancelled_bookings_invoice_can_still_be_refunded(client, tenant):
    event_type = priced_event_type(tenant)
    booking = booked(client, event_type.id, at(2, 10))
    [invoice] = invoices_of_booking(client, tenant.key, booking["id"])
    payment = pay(client, tenant.key, invoice["id"], 1000).json()
    client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=bearer(tenant.key))

    response = refund(client, tenant.key, payment["id"])

    assert response.status_code == 201
    after = fetch_invoice(client, tenant.key, invoice["id"])
    assert (after["status"], after["amountPaid"], after["amountRefunded"]) == ("void", 1000, 1000)


@pytest.mark.parametrize("body", [{"amount": 0}, {"amount": -5}, {"reason": "x"}])
def test_a_refund_against_the_spec_is_refused(client, tenant, body):
    invoice = open_invoice(client, tenant.key)
    payment = pay(client, tenant.key, invoice["id"], 5000).json()

    response = refund(client, tenant.key, payment["id"], **body)

    assert response.status_code == 400


# Listing, tenants, scopes


def test_transactions_are_listed_newest_first_and_filtered(client, tenant, other_tenant):
    first = open_invoice(client, tenant.key)
    second = open_invoice(client, tenant.key)
    payment = pay(client, tenant.key, first["id"], 1000).json()
    pay(client, tenant.key, second["id"], 2000)
    refund(client, tenant.key, payment["id"], amount=300)
    theirs = open_invoice(client, other_tenant.key)
    pay(client, other_tenant.key, theirs["id"], 9000)

    assert listed(client, tenant.key) == [("refund", 300), ("payment", 2000), ("payment", 1000)]
    assert listed(client, tenant.key, f"?invoiceId={first['id']}") == [
        ("refund", 300),
        ("payment", 1000),
    ]
    assert listed(client, tenant.key, "?type=payment") == [("payment", 2000), ("payment", 1000)]
    assert listed(client, tenant.key, "?type=refund&limit=1") == [("refund", 300)]
    body = client.get("/api/v1/transactions?limit=2", headers=bearer(tenant.key)).json()
    assert body["pagination"] == {"page": 1, "limit": 2, "total": 3, "totalPages": 2}


def test_another_organizations_transactions_are_not_found(client, tenant, other_tenant):
    invoice = open_invoice(client, other_tenant.key)
    theirs = pay(client, other_tenant.key, invoice["id"], 1000).json()

    for method, suffix in [("GET", ""), ("POST", "/refund")]:
        response = client.request(
            method, f"/api/v1/transactions/{theirs['id']}{suffix}", headers=bearer(tenant.key)
        )

        assert response.status_code == 404, (method, suffix)
        assert response.json() == {
            "error": f"No transaction with id '{theirs['id']}'.",
            "code": "not_found",
            "details": {"id": theirs["id"]},
        }
    assert transaction(client, other_tenant.key, theirs["id"])["amountRefunded"] == 0


def test_transactions_need_the_billing_scopes(client, tenant, make_key):
    invoice = open_invoice(client, tenant.key)
    payment_id = pay(client, tenant.key, invoice["id"], 1000).json()["id"]
    cases = [
        (make_key(scopes=["billing:read"]), [("POST", "/refund")], "billing:write"),
        (make_key(scopes=["billing:write"]), [("GET", ""), ("GET", "/list")], "billing:read"),
    ]

    for key, operations, missing in cases:
        for method, suffix in operations:
            path = (
                "/api/v1/transactions"
                if suffix == "/list"
                else f"/api/v1/transactions/{payment_id}{suffix}"
            )
            response = client.request(method, path, headers=bearer(key))

            assert response.status_code == 403, (method, suffix)
            assert response.json()["details"] == {"requiredScope": missing}
    assert transaction(client, tenant.key, payment_id)["amountRefunded"] == 0


# payment.received


def test_a_payment_records_payment_received_with_what_the_response_shows(client, tenant):
    invoice = open_invoice(client, tenant.key)

    recorded = pay(client, tenant.key, invoice["id"], 10_000).json()
    pay(client, tenant.key, invoice["id"], 1)

    [event] = payment_events()
    assert event.organization_id == tenant.organization.id
    assert event.data == recorded
    assert event.booking_id is None


def test_a_failed_payment_records_no_event(client, tenant):
    invoice = open_invoice(client, tenant.key)

    pay(client, tenant.key, invoice["id"], 10_001)

    assert payment_events() == []


@pytest.fixture
def live_app(database_url):
    """Jobs run in the app's own threads, and webhooks may reach the local receiver."""
    application = create_app(
        {**config_for(database_url), "INPROCESS_WORKER": True, "WEBHOOKS_ALLOW_PRIVATE": True}
    )
    migrate()
    yield application
    if not db.is_closed():
        db.close()


def test_payment_received_reaches_a_subscribed_webhook_signed(live_app):
    # Not the tenant fixture: it would bind the job queue to the shared app's, unconsumed.
    tenant = make_tenant("Acme", "ada@acme.example")
    with WebhookReceiver() as receiver, live_app.test_client() as client:
        hook = client.post(
            "/api/v1/webhooks",
            headers=bearer(tenant.key),
            json={"url": receiver.url + "/hooks", "events": ["payment.received"]},
        ).json()
        event_type = priced_event_type(tenant)
        booking = booked(client, event_type.id, at(2, 10))
        [invoice] = invoices_of_booking(client, tenant.key, booking["id"])
        recorded = pay(client, tenant.key, invoice["id"], 5000, reference="POS 7").json()
        [delivered] = receiver.wait_for(1, timeout=15)

    body = json.loads(delivered.body)
    assert body["type"] == "payment.received"
    assert body["data"] == recorded
    assert body["data"]["invoice"]["status"] == "paid"
    assert body["data"]["invoice"]["bookingId"] == booking["id"]
    assert delivered.headers["slotwise-event-id"] == body["id"]
    assert verify(
        hook["secret"], delivered.headers["slotwise-signature"], delivered.body, time.time()
    )
    # Only the subscribed event: the booking's own events went nowhere.
    assert len(receiver.requests) == 1
