"""What the billing tests share: priced event types on an always-open schedule, bookings,
taxes, invoices and payments made through the API."""

from datetime import UTC, datetime, time, timedelta

from conftest import bearer
from models import EventType, Invoice, Schedule, Tax, Transaction, db, utcnow
from services.auth import Principal
from services.billing import invoices, payments

EVERY_DAY = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "00:00", "end": "24:00"}
]
GRACE = {"name": "Grace Hopper", "email": "grace@navy.example"}


def owner_of(tenant) -> Principal:
    """The tenant's owner as a full-access caller of the services."""
    return Principal(
        key_id="key_test",
        user_id=tenant.owner.id,
        organization_id=tenant.organization.id,
        scopes=None,
        mode="live",
    )


def at(days: int, hour: int, minute: int = 0) -> datetime:
    """An instant some days from now, at a UTC wall-clock time."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), UTC)


def always_open(tenant, owner=None) -> Schedule:
    with db.connection_context():
        return Schedule.create(
            organization=tenant.organization,
            owner=owner or tenant.owner,
            name="Always",
            timezone="UTC",
            rules=EVERY_DAY,
        )


def priced_event_type(
    tenant, amount: int | None = 5000, currency: str = "EUR", tax=None, slug="paid", **fields
) -> EventType:
    """An event type bookable at any time, costing ``amount`` (None: free)."""
    owner = fields.pop("owner", tenant.owner)
    schedule = fields.pop("schedule", None) or always_open(tenant, owner)
    with db.connection_context():
        return EventType.create(
            organization=tenant.organization,
            owner=owner,
            schedule=schedule,
            title=fields.pop("title", "Intro call"),
            slug=slug,
            duration_minutes=30,
            price_amount=amount,
            price_currency=currency if amount is not None else None,
            tax=tax,
            **fields,
        )


def tax_row(tenant, name="VAT", rate_ppm=190_000, inclusive=True) -> Tax:
    with db.connection_context():
        return Tax.create(
            organization=tenant.organization, name=name, rate_ppm=rate_ppm, inclusive=inclusive
        )


def book(client, event_type_id: str, start: datetime, email="grace@navy.example", **extra):
    """Book publicly; the response."""
    body = {
        "eventTypeId": event_type_id,
        "inviteeName": "Grace Hopper",
        "inviteeEmail": email,
        "inviteeTimezone": "UTC",
        "startTime": start.isoformat(),
        **extra,
    }
    return client.post("/api/bookings", json=body)


def booked(client, event_type_id: str, start: datetime, **extra) -> dict:
    response = book(client, event_type_id, start, **extra)
    assert response.status_code == 201, response.json()
    return response.json()


def invoices_of_booking(client, key, booking_id: str) -> list[dict]:
    response = client.get(f"/api/v1/invoices?bookingId={booking_id}", headers=bearer(key))
    assert response.status_code == 200
    return response.json()["data"]


def create_tax(client, key, **body):
    body = {"name": "VAT", "ratePercent": 19, "inclusive": True, **body}
    return client.post("/api/v1/taxes", headers=bearer(key), json=body)


def line(description="Consultation", unit_amount=10_000, quantity=1, tax_id=None) -> dict:
    entry = {"description": description, "quantity": quantity, "unitAmount": unit_amount}
    if tax_id is not None:
        entry["taxId"] = tax_id
    return entry


def create_invoice(client, key, **body):
    body = {"currency": "EUR", "customer": GRACE, "lines": [line()], **body}
    return client.post("/api/v1/invoices", headers=bearer(key), json=body)


def open_invoice(client, key, **body) -> dict:
    response = create_invoice(client, key, status="open", **body)
    assert response.status_code == 201, response.json()
    return response.json()


def pay(client, key, invoice_id: str, amount: int, method="card", **extra):
    body = {"amount": amount, "method": method, **extra}
    return client.post(f"/api/v1/invoices/{invoice_id}/payments", headers=bearer(key), json=body)


def refund(client, key, transaction_id: str, **body):
    path = f"/api/v1/transactions/{transaction_id}/refund"
    return client.post(path, headers=bearer(key), json=body)


def fetch_invoice(client, key, invoice_id: str) -> dict:
    response = client.get(f"/api/v1/invoices/{invoice_id}", headers=bearer(key))
    assert response.status_code == 200
    return response.json()


def rule_error(message: str, code: str, details: dict) -> dict:
    return {"error": message, "code": code, "details": details}


def billing_examples(tenant) -> None:
    """A tax, an open invoice and a payment under the ids the spec's examples use, so that
    requests built from those examples reach real objects."""
    with db.connection_context():
        Tax.create(
            id="tax_7y6t5r4e3w2q1a0z9x8c",
            organization=tenant.organization,
            name="VAT",
            rate_ppm=190_000,
            inclusive=True,
        )
        invoice = invoices.create_invoice(
            owner_of(tenant),
            {
                "status": "open",
                "currency": "EUR",
                "customer": GRACE,
                "lines": [
                    {
                        "description": "Intro call",
                        "unitAmount": 5000,
                        "taxId": "tax_7y6t5r4e3w2q1a0z9x8c",
                    }
                ],
            },
            now=utcnow(),
        )
        Invoice.update(id="inv_2w3e4r5t6y7u8i9o0p1a").where(Invoice.id == invoice.id).execute()
        payment, _ = payments.record_payment(
            owner_of(tenant),
            "inv_2w3e4r5t6y7u8i9o0p1a",
            {"amount": 2000, "method": "card"},
            now=utcnow(),
        )
        Transaction.update(id="txn_1q2w3e4r5t6y7u8i9o0p").where(
            Transaction.id == payment.id
        ).execute()
