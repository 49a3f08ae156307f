"""Invoice numbers under concurrency: bookings of several hosts and invoices written by hand,
all at once, get consecutive numbers with no duplicate and no gap (SQLite and PostgreSQL)."""

import threading
from datetime import timedelta

from billing_support import GRACE, at, line, owner_of, priced_event_type
from conftest import SECRET
from models import Invoice, User, db, utcnow
from services import bookings
from services.billing import invoices

HOSTS = 3
BOOKINGS_PER_HOST = 4
BY_HAND = 6


def hosts(tenant) -> list:
    with db.connection_context():
        others = [
            User.create(
                organization=tenant.organization,
                email=f"host{n}@acme.example",
                name=f"Host {n}",
                username=f"host{n}",
            )
            for n in range(1, HOSTS)
        ]
    return [tenant.owner, *others]


def test_concurrent_bookings_and_invoices_get_consecutive_unique_numbers(app, tenant):
    event_types = [
        priced_event_type(tenant, amount=1000 + n, slug=f"host-{n}", owner=host)
        for n, host in enumerate(hosts(tenant))
    ]
    start = at(2, 8)
    work = [
        ("book", event_type.id, start + timedelta(hours=slot))
        for event_type in event_types
        for slot in range(BOOKINGS_PER_HOST)
    ] + [("write", None, None)] * BY_HAND
    barrier = threading.Barrier(len(work))
    failures = []

    def run(kind, event_type_id, at_time, n):
        try:
            with db.connection_context():
                barrier.wait()
                if kind == "book":
                    invitee = bookings.Invitee(
                        name=f"Invitee {n}", email=f"invitee{n}@example.com", timezone="UTC"
                    )
                    bookings.book(
                        event_type_id,
                        invitee,
                        at_time,
                        actor="invitee",
                        now=utcnow(),
                        secret=SECRET,
                    )
                else:
                    fields = {"status": "open", "currency": "EUR", "customer": GRACE}
                    invoices.create_invoice(
                        owner_of(tenant), {**fields, "lines": [line()]}, now=utcnow()
                    )
        except Exception as error:  # reported below, with the thread's others
            failures.append(repr(error))

    threads = [threading.Thread(target=run, args=(*job, n)) for n, job in enumerate(work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    with db.connection_context():
        issued = list(Invoice.select())
    assert sorted(invoice.number for invoice in issued) == [
        f"INV-{n:06d}" for n in range(1, len(work) + 1)
    ]
    booked = [invoice.booking_id for invoice in issued if invoice.booking_id]
    assert len(booked) == len(set(booked)) == HOSTS * BOOKINGS_PER_HOST
