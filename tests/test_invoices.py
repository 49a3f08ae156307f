"""Invoices: one per booking of a priced event type, hand-written ones, numbering, states."""

from datetime import timedelta

import pytest

from billing_support import (
    GRACE,
    at,
    book,
    booked,
    create_invoice,
    create_tax,
    fetch_invoice,
    invoices_of_booking,
    line,
    open_invoice,
    pay,
    priced_event_type,
    rule_error,
    tax_row,
)
from conftest import bearer
from models import Invoice, db

INVOICE_FIELDS = {
    "id",
    "number",
    "status",
    "currency",
    "customer",
    "contactId",
    "bookingId",
    "lines",
    "subtotal",
    "taxTotal",
    "total",
    "amountPaid",
    "amountRefunded",
    "amountDue",
    "memo",
    "issuedAt",
    "paidAt",
    "voidedAt",
    "createdAt",
    "updatedAt",
}


def replace(client, key, invoice_id, **body):
    body = {"currency": "EUR", "customer": GRACE, "lines": [line()], **body}
    return client.put(f"/api/v1/invoices/{invoice_id}", headers=bearer(key), json=body)


def void(client, key, invoice_id):
    return client.post(f"/api/v1/invoices/{invoice_id}/void", headers=bearer(key))


def numbers(client, key) -> list[str]:
    body = client.get("/api/v1/invoices?limit=100", headers=bearer(key)).json()
    return sorted(invoice["number"] for invoice in body["data"] if invoice["number"])


def state_conflict(invoice: dict, status: str, code: str, action: str, allowed: str) -> dict:
    return {
        "error": f"Invoice {invoice['number'] or invoice['id']} is {status}; only {allowed} "
        f"invoices can be {action}.",
        "code": code,
        "details": {"status": status},
    }


# Bookings


def test_booking_a_priced_event_type_issues_its_invoice(client, tenant):
    tax = tax_row(tenant, rate_ppm=190_000, inclusive=True)
    event_type = priced_event_type(tenant, amount=5000, currency="EUR", tax=tax)
    start = at(2, 10)

    booking = booked(client, event_type.id, start)

    [invoice] = invoices_of_booking(client, tenant.key, booking["id"])
    assert set(invoice) == INVOICE_FIELDS
    assert invoice["id"].startswith("inv_")
    assert invoice["issuedAt"] == invoice["createdAt"]
    assert {k: v for k, v in invoice.items() if not k.endswith("At") and k != "id"} == {
        "number": "INV-000001",
        "status": "open",
        "currency": "EUR",
        "customer": {"name": "Grace Hopper", "email": "grace@navy.example"},
        "contactId": booking["contactId"],
        "bookingId": booking["id"],
        "lines": [
            {
                "description": f"Intro call, {start:%Y-%m-%d} 10:00 UTC",
                "quantity": 1,
                "unitAmount": 5000,
                "amount": 5000,
                "taxId": tax.id,
                "tax": {"name": "VAT", "ratePercent": 19, "inclusive": True},
                # 5000 - 5000 / 1.19 = 798.32
                "taxAmount": 798,
            }
        ],
        "subtotal": 5000,
        "taxTotal": 798,
        "total": 5000,
        "amountPaid": 0,
        "amountRefunded": 0,
        "amountDue": 5000,
        "memo": "",
    }
    assert (invoice["paidAt"], invoice["voidedAt"]) == (None, None)
    assert fetch_invoice(client, tenant.key, invoice["id"]) == invoice


def test_a_booking_made_with_a_key_is_invoiced_too(client, tenant):
    event_type = priced_event_type(tenant, amount=1500, currency="JPY")
    body = {
        "eventTypeId": event_type.id,
        "inviteeName": "Ada Lovelace",
        "inviteeEmail": "ada@example.com",
        "inviteeTimezone": "UTC",
        "startTime": at(2, 9).isoformat(),
    }

    booking = client.post("/api/v1/bookings", headers=bearer(tenant.key), json=body).json()

    [invoice] = invoices_of_booking(client, tenant.key, booking["id"])
    assert (invoice["currency"], invoice["total"], invoice["taxTotal"]) == ("JPY", 1500, 0)
    assert invoice["lines"][0]["tax"] is None
    assert invoice["customer"] == {"name": "Ada Lovelace", "email": "ada@example.com"}


def test_a_free_event_type_issues_no_invoice(client, tenant):
    event_type = priced_event_type(tenant, amount=None)

    booking = booked(client, event_type.id, at(2, 10))

    assert invoices_of_booking(client, tenant.key, booking["id"]) == []
    with db.connection_context():
        assert Invoice.select().count() == 0


def test_a_price_of_nothing_issues_an_invoice_paid_at_once(client, tenant):
    event_type = priced_event_type(tenant, amount=0)

    booking = booked(client, event_type.id, at(2, 10))

    [invoice] = invoices_of_booking(client, tenant.key, booking["id"])
    assert (invoice["number"], invoice["status"], invoice["amountDue"]) == ("INV-000001", "paid", 0)
    assert invoice["paidAt"] == invoice["issuedAt"]


def test_each_occurrence_of_a_series_gets_its_own_invoice(client, tenant):
    event_type = priced_event_type(tenant, amount=2000)
    body = {
        "eventTypeId": event_type.id,
        "inviteeName": "Grace Hopper",
        "inviteeEmail": "grace@navy.example",
        "inviteeTimezone": "UTC",
        "startTime": at(2, 10).isoformat(),
        "recurrence": {"frequency": "weekly", "count": 3},
    }

    first = client.post("/api/v1/bookings", headers=bearer(tenant.key), json=body).json()

    occurrences = client.get(
        f"/api/v1/bookings/{first['id']}/occurrences", headers=bearer(tenant.key)
    ).json()["data"]
    invoiced = [invoices_of_booking(client, tenant.key, o["id"]) for o in occurrences]
    assert [[invoice["number"] for invoice in found] for found in invoiced] == [
        ["INV-000001"],
        ["INV-000002"],
        ["INV-000003"],
    ]


def test_a_refused_booking_issues_nothing_and_takes_no_number(client, tenant):
    event_type = priced_event_type(tenant)
    start = at(2, 10)
    booked(client, event_type.id, start)

    refused = book(client, event_type.id, start, email="late@example.com")
    later = booked(client, event_type.id, start + timedelta(hours=1), email="later@example.com")

    assert refused.status_code == 409
    assert numbers(client, tenant.key) == ["INV-000001", "INV-000002"]
    assert invoices_of_booking(client, tenant.key, later["id"])[0]["number"] == "INV-000002"


def test_cancelling_a_booking_voids_its_unpaid_invoice(client, tenant):
    event_type = priced_event_type(tenant)
    booking = booked(client, event_type.id, at(2, 10))

    client.post(f"/api/bookings/{booking['id']}/cancel?token={booking['manageToken']}")

    [invoice] = invoices_of_booking(client, tenant.key, booking["id"])
    assert (invoice["status"], invoice["amountDue"]) == ("void", 0)
    assert invoice["voidedAt"] is not None
    assert invoice["number"] == "INV-000001"


def test_cancelling_a_booking_leaves_a_paid_invoice_paid(client, tenant):
    event_type = priced_event_type(tenant)
    booking = booked(client, event_type.id, at(2, 10))
    [invoice] = invoices_of_booking(client, tenant.key, booking["id"])
    pay(client, tenant.key, invoice["id"], 5000)

    client.post(f"/api/v1/bookings/{booking['id']}/cancel", headers=bearer(tenant.key))

    after = fetch_invoice(client, tenant.key, invoice["id"])
    assert (after["status"], after["amountPaid"], after["voidedAt"]) == ("paid", 5000, None)


def test_declining_a_booking_voids_its_unpaid_invoice(client, tenant):
    event_type = priced_event_type(tenant, requires_confirmation=True)
    booking = booked(client, event_type.id, at(2, 10))

    client.post(f"/api/v1/bookings/{booking['id']}/decline", headers=bearer(tenant.key))

    assert invoices_of_booking(client, tenant.key, booking["id"])[0]["status"] == "void"


def test_rescheduling_keeps_the_invoice(client, tenant):
    event_type = priced_event_type(tenant)
    booking = booked(client, event_type.id, at(2, 10))
    [before] = invoices_of_booking(client, tenant.key, booking["id"])

    client.post(
        f"/api/v1/bookings/{booking['id']}/reschedule",
        headers=bearer(tenant.key),
        json={"startTime": at(3, 11).isoformat()},
    )

    assert invoices_of_booking(client, tenant.key, booking["id"]) == [before]


def test_an_issued_invoice_keeps_the_tax_rate_it_was_computed_with(client, tenant):
    tax_id = create_tax(client, tenant.key, ratePercent=20, inclusive=False).json()["id"]
    invoice = open_invoice(client, tenant.key, lines=[line(unit_amount=1000, tax_id=tax_id)])

    client.patch(f"/api/v1/taxes/{tax_id}", headers=bearer(tenant.key), json={"ratePercent": 10})
    client.delete(f"/api/v1/taxes/{tax_id}", headers=bearer(tenant.key))

    assert fetch_invoice(client, tenant.key, invoice["id"]) == invoice
    assert invoice["lines"][0]["tax"] == {"name": "VAT", "ratePercent": 20, "inclusive": False}
    assert (invoice["taxTotal"], invoice["total"]) == (200, 1200)


# Written by hand


def test_a_new_invoice_is_a_draft_without_a_number(client, tenant):
    response = create_invoice(client, tenant.key, memo="Thanks!")

    assert response.status_code == 201
    draft = response.json()
    assert (draft["status"], draft["number"], draft["issuedAt"]) == ("draft", None, None)
    assert (draft["memo"], draft["total"], draft["amountDue"]) == ("Thanks!", 10_000, 10_000)
    assert (draft["contactId"], draft["bookingId"]) == (None, None)


def test_numbers_are_taken_when_invoices_are_issued_so_drafts_leave_no_gaps(client, tenant):
    draft = create_invoice(client, tenant.key).json()
    issued = open_invoice(client, tenant.key)

    response = replace(client, tenant.key, draft["id"], status="open")

    assert issued["number"] == "INV-000001"
    assert response.status_code == 200
    assert response.json()["number"] == "INV-000002"
    assert response.json()["issuedAt"] is not None


def test_each_organization_counts_its_own_invoices(client, tenant, other_tenant):
    open_invoice(client, tenant.key)
    open_invoice(client, tenant.key)

    theirs = open_invoice(client, other_tenant.key)

    assert theirs["number"] == "INV-000001"
    assert numbers(client, tenant.key) == ["INV-000001", "INV-000002"]


def test_an_invoice_may_name_a_contact_and_a_booking_of_the_organization(client, tenant):
    event_type = priced_event_type(tenant, amount=None)
    booking = booked(client, event_type.id, at(2, 10))

    invoice = open_invoice(
        client, tenant.key, contactId=booking["contactId"], bookingId=booking["id"]
    )

    assert (invoice["contactId"], invoice["bookingId"]) == (booking["contactId"], booking["id"])
    assert invoices_of_booking(client, tenant.key, booking["id"]) == [invoice]


def test_references_to_other_organizations_objects_are_refused(client, tenant, other_tenant):
    their_tax = create_tax(client, other_tenant.key).json()["id"]
    their_event_type = priced_event_type(other_tenant, amount=None)
    theirs = booked(client, their_event_type.id, at(2, 10))
    cases = [
        (
            {"lines": [line(), line(tax_id=their_tax)]},
            rule_error(
                f"No tax with id '{their_tax}' in this organization.",
                "unknown_tax",
                {"lines[1].taxId": "no such tax"},
            ),
        ),
        (
            {"contactId": theirs["contactId"]},
            rule_error(
                f"No contact with id '{theirs['contactId']}' in this organization.",
                "unknown_contact",
                {"contactId": "no such contact"},
            ),
        ),
        (
            {"bookingId": theirs["id"]},
            rule_error(
                f"No booking with id '{theirs['id']}' in this organization.",
                "unknown_booking",
                {"bookingId": "no such booking"},
            ),
        ),
        (
            {"currency": "XXX"},
            rule_error(
                "currency: 'XXX' is not an ISO 4217 currency code in circulation.",
                "unknown_currency",
                {"currency": "unknown ISO 4217 currency"},
            ),
        ),
    ]

    for body, error in cases:
        response = create_invoice(client, tenant.key, **body)

        assert response.status_code == 422, body
        assert response.json() == error
    with db.connection_context():
        assert Invoice.select().where(Invoice.organization == tenant.organization.id).count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"lines": []},
        {"lines": [line(unit_amount=-1)]},
        {"lines": [line(quantity=0)]},
        {"lines": [line(quantity=1001)]},
        {"lines": [line(unit_amount=10_000_000_000)]},
        {"lines": [{"description": "No amount"}]},
        {"lines": [line()] * 51},
        {"customer": {"email": "grace@navy.example"}},
        {"customer": {"name": "Grace", "email": "not an address"}},
        {"status": "paid"},
        {"currency": "eur"},
        {"total": 5},
    ],
)
def test_a_body_against_the_spec_is_refused(client, tenant, body):
    response = create_invoice(client, tenant.key, **body)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_failed"


def test_a_blank_line_description_is_refused(client, tenant):
    response = create_invoice(client, tenant.key, lines=[line(), line(description="  ")])

    assert response.status_code == 422
    assert response.json() == rule_error(
        "lines[1].description must contain a visible character.",
        "blank_name",
        {"lines[1].description": "must contain a visible character"},
    )


def test_amounts_are_counted_in_each_currencys_minor_unit(client, tenant):
    tax_id = create_tax(client, tenant.key, ratePercent=5, inclusive=False).json()["id"]
    kwd = line(description="Room", unit_amount=12_345, quantity=2, tax_id=tax_id)

    invoice = open_invoice(client, tenant.key, currency="KWD", lines=[kwd])

    # 24.690 KWD at 5 % = 1.2345, rounded half-up to 1.235
    assert (invoice["subtotal"], invoice["taxTotal"], invoice["total"]) == (24_690, 1_235, 25_925)


# Replacing


def test_replacing_a_draft_recomputes_it(client, tenant):
    tax_id = create_tax(client, tenant.key, ratePercent=20, inclusive=False).json()["id"]
    draft = create_invoice(client, tenant.key, contactId=None).json()

    response = replace(
        client,
        tenant.key,
        draft["id"],
        currency="GBP",
        customer={"name": "Ada Lovelace"},
        lines=[line(unit_amount=999, quantity=3, tax_id=tax_id), line(unit_amount=1)],
    )

    assert response.status_code == 200
    replaced = response.json()
    assert replaced["updatedAt"] > draft["updatedAt"]
    assert (replaced["status"], replaced["number"]) == ("draft", None)
    assert replaced["customer"] == {"name": "Ada Lovelace", "email": None}
    # 2997 at 20 % = 599.4
    assert [entry["taxAmount"] for entry in replaced["lines"]] == [599, 0]
    assert (replaced["subtotal"], replaced["taxTotal"], replaced["total"]) == (2998, 599, 3597)
    assert fetch_invoice(client, tenant.key, draft["id"]) == replaced


def test_an_unpaid_open_invoice_can_be_replaced_and_stays_issued(client, tenant):
    invoice = open_invoice(client, tenant.key)

    replaced = replace(client, tenant.key, invoice["id"], lines=[line(unit_amount=7000)]).json()

    assert (replaced["status"], replaced["number"]) == ("open", invoice["number"])
    assert (replaced["total"], replaced["issuedAt"]) == (7000, invoice["issuedAt"])


def test_an_issued_invoice_cannot_return_to_draft(client, tenant):
    invoice = open_invoice(client, tenant.key)

    response = replace(client, tenant.key, invoice["id"], status="draft")

    assert response.status_code == 409
    assert response.json() == {
        "error": f"Invoice {invoice['number']} is issued and cannot return to draft.",
        "code": "invoice_issued",
        "details": {"status": "open"},
    }


def test_an_invoice_with_payments_cannot_be_replaced(client, tenant):
    invoice = open_invoice(client, tenant.key)
    pay(client, tenant.key, invoice["id"], 2000)

    response = replace(client, tenant.key, invoice["id"], lines=[line(unit_amount=1)])

    assert response.status_code == 409
    assert response.json() == {
        "error": f"Invoice {invoice['number']} has payments recorded; void it and write a new one.",
        "code": "invoice_has_payments",
        "details": {"amountPaid": 2000},
    }
    assert fetch_invoice(client, tenant.key, invoice["id"])["total"] == 10_000


def test_paid_and_void_invoices_cannot_be_replaced(client, tenant):
    paid = open_invoice(client, tenant.key)
    pay(client, tenant.key, paid["id"], 10_000)
    voided = open_invoice(client, tenant.key)
    void(client, tenant.key, voided["id"])

    for invoice, status in [(paid, "paid"), (voided, "void")]:
        response = replace(client, tenant.key, invoice["id"])

        assert response.status_code == 409
        assert response.json() == state_conflict(
            invoice, status, "invoice_not_editable", "replaced", "draft or open"
        )


def test_replacing_with_nothing_to_pay_settles_an_open_invoice(client, tenant):
    invoice = open_invoice(client, tenant.key)

    replaced = replace(client, tenant.key, invoice["id"], lines=[line(unit_amount=0)]).json()

    assert (replaced["status"], replaced["amountDue"]) == ("paid", 0)


# Voiding


def test_voiding_an_open_invoice_keeps_its_number(client, tenant):
    invoice = open_invoice(client, tenant.key)

    response = void(client, tenant.key, invoice["id"])

    assert response.status_code == 200
    voided = response.json()
    assert (voided["status"], voided["number"], voided["amountDue"]) == ("void", "INV-000001", 0)
    assert voided["voidedAt"] == voided["updatedAt"]
    assert open_invoice(client, tenant.key)["number"] == "INV-000002"


def test_a_draft_can_be_voided(client, tenant):
    draft = create_invoice(client, tenant.key).json()

    voided = void(client, tenant.key, draft["id"]).json()

    assert (voided["status"], voided["number"]) == ("void", None)


def test_paid_and_void_invoices_cannot_be_voided(client, tenant):
    paid = open_invoice(client, tenant.key)
    pay(client, tenant.key, paid["id"], 10_000)
    voided = open_invoice(client, tenant.key)
    void(client, tenant.key, voided["id"])

    for invoice, status in [(paid, "paid"), (voided, "void")]:
        response = void(client, tenant.key, invoice["id"])

        assert response.status_code == 409
        assert response.json() == state_conflict(
            invoice, status, "invoice_not_voidable", "voided", "draft or open"
        )


# Listing


def test_invoices_are_listed_newest_first_and_filtered(client, tenant, other_tenant):
    event_type = priced_event_type(tenant)
    booking = booked(client, event_type.id, at(2, 10))
    draft = create_invoice(client, tenant.key, contactId=booking["contactId"]).json()
    issued = open_invoice(client, tenant.key)
    open_invoice(client, other_tenant.key)
    [booked_invoice] = invoices_of_booking(client, tenant.key, booking["id"])

    def ids(query=""):
        body = client.get(f"/api/v1/invoices{query}", headers=bearer(tenant.key)).json()
        return [invoice["id"] for invoice in body["data"]]

    assert ids() == [issued["id"], draft["id"], booked_invoice["id"]]
    assert ids("?status=open") == [issued["id"], booked_invoice["id"]]
    assert ids("?status=draft") == [draft["id"]]
    assert ids(f"?bookingId={booking['id']}") == [booked_invoice["id"]]
    assert ids(f"?contactId={booking['contactId']}") == [draft["id"], booked_invoice["id"]]
    page = client.get("/api/v1/invoices?limit=2&page=2", headers=bearer(tenant.key)).json()
    assert page["pagination"] == {"page": 2, "limit": 2, "total": 3, "totalPages": 2}
    assert [invoice["id"] for invoice in page["data"]] == [booked_invoice["id"]]


def test_an_unknown_status_filter_does_not_match_the_spec(client, tenant):
    response = client.get("/api/v1/invoices?status=late", headers=bearer(tenant.key))

    assert response.status_code == 400


# Tenants and scopes


def test_another_organizations_invoices_are_not_found(client, tenant, other_tenant):
    theirs = open_invoice(client, other_tenant.key)
    requests = [
        ("GET", "", None),
        ("PUT", "", {"currency": "EUR", "customer": GRACE, "lines": [line()]}),
        ("POST", "/void", None),
        ("POST", "/payments", {"amount": 100, "method": "cash"}),
        ("GET", "/pdf", None),
    ]

    for method, suffix, body in requests:
        response = client.request(
            method,
            f"/api/v1/invoices/{theirs['id']}{suffix}",
            headers=bearer(tenant.key),
            json=body,
        )

        assert response.status_code == 404, (method, suffix)
        assert response.json() == {
            "error": f"No invoice with id '{theirs['id']}'.",
            "code": "not_found",
            "details": {"id": theirs["id"]},
        }
    assert fetch_invoice(client, other_tenant.key, theirs["id"]) == theirs


READS = [
    ("GET", "/api/v1/invoices", None),
    ("GET", "/api/v1/invoices/{id}", None),
    ("GET", "/api/v1/invoices/{id}/pdf", None),
]
WRITES = [
    ("POST", "/api/v1/invoices", {"currency": "EUR", "customer": GRACE, "lines": [line()]}),
    ("PUT", "/api/v1/invoices/{id}", {"currency": "EUR", "customer": GRACE, "lines": [line()]}),
    ("POST", "/api/v1/invoices/{id}/void", None),
    ("POST", "/api/v1/invoices/{id}/payments", {"amount": 1, "method": "cash"}),
]


def test_invoices_need_the_billing_scopes(client, tenant, make_key):
    invoice = open_invoice(client, tenant.key)
    cases = [
        (make_key(scopes=["billing:read"]), WRITES, "billing:write"),
        (make_key(scopes=["billing:write", "bookings:read"]), READS, "billing:read"),
    ]

    for key, operations, missing in cases:
        for method, path, body in operations:
            response = client.request(
                method, path.format(id=invoice["id"]), headers=bearer(key), json=body
            )

            assert response.status_code == 403, (method, path)
            assert response.json() == {
                "error": f"This API key lacks the '{missing}' scope needed for this operation.",
                "code": "insufficient_scope",
                "details": {"requiredScope": missing},
            }
    assert fetch_invoice(client, tenant.key, invoice["id"]) == invoice
