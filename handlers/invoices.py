"""Invoices: issued for bookings of priced event types or written by hand, paid, voided."""

from models import utcnow
from services.billing import invoices, payments, pdf
from services.schemas.base import page_of
from services.schemas.billing import InvoiceSchema, payment_recorded

from .context import principal


def list_invoices(page=1, limit=20, status=None, booking_id=None, contact_id=None):
    """List the organization's invoices, newest first."""
    found = invoices.list_invoices(
        principal(),
        page=page,
        limit=limit,
        status=status,
        booking_id=booking_id,
        contact_id=contact_id,
    )
    return page_of(found, InvoiceSchema()), 200


def create_invoice(body: dict):
    """Write an invoice by hand, as a draft or issued."""
    return InvoiceSchema().dump(invoices.create_invoice(principal(), body, now=utcnow())), 201


def get_invoice(invoice_id: str):
    """Return an invoice."""
    return InvoiceSchema().dump(invoices.get_invoice(principal(), invoice_id)), 200


def replace_invoice(invoice_id: str, body: dict):
    """Replace the customer and lines of a draft or unpaid open invoice."""
    invoice = invoices.replace_invoice(principal(), invoice_id, body, now=utcnow())
    return InvoiceSchema().dump(invoice), 200


def void_invoice(invoice_id: str):
    """Void an unpaid invoice."""
    return InvoiceSchema().dump(invoices.void_invoice(principal(), invoice_id, now=utcnow())), 200


def record_payment(invoice_id: str, body: dict):
    """Record a payment received for an open invoice."""
    payment, invoice = payments.record_payment(principal(), invoice_id, body, now=utcnow())
    return payment_recorded(payment, invoice), 201


def get_invoice_pdf(invoice_id: str):
    """Render an invoice as a PDF document."""
    invoice = invoices.get_invoice(principal(), invoice_id)
    filename = f"{invoice.number or invoice.id}.pdf"
    headers = {
        "Content-Type": "application/pdf",
        "Content-Disposition": f'inline; filename="{filename}"',
    }
    return pdf.render(invoice), 200, headers
