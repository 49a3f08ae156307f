"""Invoices: written by hand or for each booking of a priced event type, numbered when issued.

Numbers (``INV-000001``) are consecutive per organization with no gaps: one is taken only
when an invoice is issued, inside the transaction that issues it, from a counter row that
the transaction holds locked until it commits (SQLite's write lock, a row lock on
PostgreSQL). A rolled-back booking gives its number back; issued invoices are voided,
never deleted, so they keep theirs.
"""

from datetime import datetime

from models import (
    UNPAID_STATUSES,
    Booking,
    Contact,
    EventType,
    Invoice,
    InvoiceSequence,
    Tax,
    write_transaction,
)
from models.invoice import for_update

from ..errors import Conflict, RuleViolation
from ..lookup import owned
from ..pagination import Page, paginate
from ..text import clean_name
from . import money
from .taxes import applied, referenced_tax

NUMBER_FORMAT = "INV-{:06d}"


def _next_number(organization_id: str) -> str:
    """Take the organization's next number; call inside the transaction that issues it."""
    InvoiceSequence.insert(
        organization=organization_id, last_number=0
    ).on_conflict_ignore().execute()
    # The update locks the counter row until commit: concurrent issuers wait here, in turn.
    InvoiceSequence.update(last_number=InvoiceSequence.last_number + 1).where(
        InvoiceSequence.organization == organization_id
    ).execute()
    return NUMBER_FORMAT.format(InvoiceSequence.get_by_id(organization_id).last_number)


def _line(
    description: str, quantity: int, unit_amount: int, tax: money.AppliedTax | None
) -> tuple[dict, money.LineAmounts]:
    amounts = money.line_amounts(quantity, unit_amount, tax)
    stored = {
        "description": description,
        "quantity": quantity,
        "unit_amount": unit_amount,
        "amount": amounts.amount,
        "tax_id": tax.id if tax else None,
        "tax_name": tax.name if tax else None,
        "tax_rate_ppm": tax.rate_ppm if tax else None,
        "tax_inclusive": tax.inclusive if tax else None,
        "tax_amount": amounts.tax,
    }
    return stored, amounts


def _priced(organization_id: str, lines: list[dict]) -> tuple[list[dict], money.Totals]:
    """Lines from the API with their amounts and taxes, and the invoice's totals."""
    stored, computed = [], []
    for index, line in enumerate(lines):
        tax = None
        if line.get("taxId") is not None:
            tax = applied(referenced_tax(organization_id, line["taxId"], f"lines[{index}].taxId"))
        description = clean_name(line["description"], f"lines[{index}].description")
        row, amounts = _line(description, line.get("quantity", 1), line["unitAmount"], tax)
        stored.append(row)
        computed.append((amounts, tax))
    return stored, money.totals(computed)


def _contact_id(organization_id: str, contact_id: str | None) -> str | None:
    if contact_id is None:
        return None
    if (
        not Contact.select()
        .where((Contact.id == contact_id) & (Contact.organization == organization_id))
        .exists()
    ):
        raise RuleViolation(
            f"No contact with id '{contact_id}' in this organization.",
            code="unknown_contact",
            details={"contactId": "no such contact"},
        )
    return contact_id


def _booking_id(organization_id: str, booking_id: str | None) -> str | None:
    if booking_id is None:
        return None
    if (
        not Booking.select()
        .where((Booking.id == booking_id) & (Booking.organization == organization_id))
        .exists()
    ):
        raise RuleViolation(
            f"No booking with id '{booking_id}' in this organization.",
            code="unknown_booking",
            details={"bookingId": "no such booking"},
        )
    return booking_id


def _fill(invoice: Invoice, fields: dict) -> None:
    """Set what a create or a replace gives: currency, customer, references, lines, memo."""
    organization_id = invoice.organization_id
    invoice.currency = money.require_currency(fields["currency"])
    invoice.customer_name = clean_name(fields["customer"]["name"], "customer.name")
    invoice.customer_email = fields["customer"].get("email")
    invoice.contact = _contact_id(organization_id, fields.get("contactId"))
    invoice.booking = _booking_id(organization_id, fields.get("bookingId"))
    invoice.lines, totals = _priced(organization_id, fields["lines"])
    invoice.subtotal, invoice.tax_total, invoice.total = totals.subtotal, totals.tax, totals.total
    invoice.memo = fields.get("memo", "")


def _issue(invoice: Invoice, now: datetime) -> None:
    """Open the invoice under its number."""
    invoice.number = _next_number(invoice.organization_id)
    invoice.issued_at = now
    invoice.status = "open"
    _settle_if_nothing_owed(invoice, now)


def _settle_if_nothing_owed(invoice: Invoice, now: datetime) -> None:
    # No payment can be recorded for nothing, so an open invoice of 0 would stay open.
    if invoice.status == "open" and invoice.amount_due <= 0:
        invoice.status, invoice.paid_at = "paid", now


# Reading


def list_invoices(
    principal,
    *,
    page: int,
    limit: int,
    status: str | None = None,
    booking_id: str | None = None,
    contact_id: str | None = None,
) -> Page:
    """The organization's invoices matching the filters, newest first."""
    query = Invoice.select().where(Invoice.organization == principal.organization_id)
    if status is not None:
        query = query.where(Invoice.status == status)
    if booking_id is not None:
        query = query.where(Invoice.booking == booking_id)
    if contact_id is not None:
        query = query.where(Invoice.contact == contact_id)
    return paginate(query.order_by(Invoice.created_at.desc(), Invoice.id.desc()), page, limit)


def get_invoice(principal, invoice_id: str) -> Invoice:
    """An invoice of the organization; NotFound for any other id."""
    return owned(Invoice, invoice_id, principal.organization_id, "invoice")


def locked_invoice(principal, invoice_id: str) -> Invoice:
    """The invoice, re-read and locked for the rest of the caller's write transaction."""
    get_invoice(principal, invoice_id)
    return for_update(Invoice.select().where(Invoice.id == invoice_id)).get()


def require_status(invoice: Invoice, allowed: tuple[str, ...], code: str, action: str) -> None:
    if invoice.status not in allowed:
        raise Conflict(
            f"Invoice {invoice.number or invoice.id} is {invoice.status}; only "
            f"{' or '.join(allowed)} invoices can be {action}.",
            code=code,
            details={"status": invoice.status},
        )


# Writing


def create_invoice(principal, fields: dict, *, now: datetime) -> Invoice:
    """Write an invoice from API ``fields``: a draft, or issued (``open``) with its number."""
    invoice = Invoice(
        organization=principal.organization_id, status="draft", created_at=now, updated_at=now
    )
    _fill(invoice, fields)
    with write_transaction():
        if fields.get("status", "draft") == "open":
            _issue(invoice, now)
        invoice.save(force_insert=True)
    return invoice


def replace_invoice(principal, invoice_id: str, fields: dict, *, now: datetime) -> Invoice:
    """Replace a draft's or an unpaid open invoice's customer, references, lines and memo.

    ``status: open`` issues a draft; an issued invoice never returns to draft.
    """
    with write_transaction():
        invoice = locked_invoice(principal, invoice_id)
        require_status(invoice, UNPAID_STATUSES, "invoice_not_editable", "replaced")
        if invoice.amount_paid:
            raise Conflict(
                f"Invoice {invoice.number} has payments recorded; void it and write a new one.",
                code="invoice_has_payments",
                details={"amountPaid": invoice.amount_paid},
            )
        wanted = fields.get("status", invoice.status)
        if invoice.status == "open" and wanted == "draft":
            raise Conflict(
                f"Invoice {invoice.number} is issued and cannot return to draft.",
                code="invoice_issued",
                details={"status": invoice.status},
            )
        _fill(invoice, fields)
        if invoice.status == "draft" and wanted == "open":
            _issue(invoice, now)
        _settle_if_nothing_owed(invoice, now)
        invoice.updated_at = now
        invoice.save()
    return invoice


def void_invoice(principal, invoice_id: str, *, now: datetime) -> Invoice:
    """Void a draft or open invoice: nothing is owed any more; its number stays used."""
    with write_transaction():
        invoice = locked_invoice(principal, invoice_id)
        require_status(invoice, UNPAID_STATUSES, "invoice_not_voidable", "voided")
        invoice.status, invoice.voided_at, invoice.updated_at = "void", now, now
        invoice.save()
    return invoice


# Bookings


def invoice_booking(event_type: EventType, booking: Booking, *, now: datetime) -> Invoice | None:
    """Issue the invoice of a new booking of a priced event type (None for a free one).

    Call inside the booking's transaction, so both commit or neither does.
    """
    if event_type.price_amount is None:
        return None
    found = Tax.get_or_none(Tax.id == event_type.tax_id) if event_type.tax_id else None
    tax = applied(found) if found else None
    start = booking.start_at.strftime("%Y-%m-%d %H:%M UTC")
    line, amounts = _line(f"{event_type.title}, {start}", 1, event_type.price_amount, tax)
    totals = money.totals([(amounts, tax)])
    invoice = Invoice(
        organization=booking.organization_id,
        status="open",
        currency=event_type.price_currency,
        customer_name=booking.invitee_name,
        customer_email=booking.invitee_email,
        contact=booking.contact_id,
        booking=booking.id,
        lines=[line],
        subtotal=totals.subtotal,
        tax_total=totals.tax,
        total=totals.total,
        created_at=now,
        updated_at=now,
    )
    _issue(invoice, now)
    invoice.save(force_insert=True)
    return invoice


def void_unpaid_of_booking(booking_id: str, *, now: datetime) -> int:
    """Void the booking's draft and open invoices (in the caller's transaction); paid ones stay.

    Conditional, so a payment that commits first leaves its invoice paid.
    """
    return (
        Invoice.update(status="void", voided_at=now, updated_at=now)
        .where((Invoice.booking == booking_id) & Invoice.status.in_(UNPAID_STATUSES))
        .execute()
    )
