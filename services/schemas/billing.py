"""Taxes, invoices and transactions as the API and the payment.received webhook show them."""

from marshmallow import Schema, fields

from services.billing.money import percent

from .base import Timestamp


class TaxSchema(Schema):
    id = fields.String()
    name = fields.String()
    rate_percent = fields.Function(lambda tax: percent(tax.rate_ppm), data_key="ratePercent")
    inclusive = fields.Boolean()
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")


def _line(line: dict) -> dict:
    """A stored line (services.billing.invoices) in the API's shape."""
    tax = None
    if line["tax_rate_ppm"] is not None:
        tax = {
            "name": line["tax_name"],
            "ratePercent": percent(line["tax_rate_ppm"]),
            "inclusive": line["tax_inclusive"],
        }
    return {
        "description": line["description"],
        "quantity": line["quantity"],
        "unitAmount": line["unit_amount"],
        "amount": line["amount"],
        "taxId": line["tax_id"],
        "tax": tax,
        "taxAmount": line["tax_amount"],
    }


class InvoiceSchema(Schema):
    id = fields.String()
    number = fields.String(allow_none=True)
    status = fields.String()
    currency = fields.String()
    customer = fields.Function(
        lambda invoice: {"name": invoice.customer_name, "email": invoice.customer_email}
    )
    contact_id = fields.String(data_key="contactId", allow_none=True)
    booking_id = fields.String(data_key="bookingId", allow_none=True)
    lines = fields.Function(lambda invoice: [_line(line) for line in invoice.lines])
    subtotal = fields.Integer()
    tax_total = fields.Integer(data_key="taxTotal")
    total = fields.Integer()
    amount_paid = fields.Integer(data_key="amountPaid")
    amount_refunded = fields.Integer(data_key="amountRefunded")
    amount_due = fields.Integer(data_key="amountDue")
    memo = fields.String()
    issued_at = Timestamp(data_key="issuedAt")
    paid_at = Timestamp(data_key="paidAt")
    voided_at = Timestamp(data_key="voidedAt")
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")


class TransactionSchema(Schema):
    id = fields.String()
    type = fields.String()
    invoice_id = fields.String(data_key="invoiceId")
    amount = fields.Integer()
    currency = fields.String()
    method = fields.String()
    reference = fields.String()
    payment_id = fields.String(data_key="paymentId", allow_none=True)
    amount_refunded = fields.Integer(data_key="amountRefunded")
    created_at = Timestamp(data_key="createdAt")


def payment_recorded(payment, invoice) -> dict:
    """A payment with its invoice as the payment left it: the answer and the webhook's data."""
    return {**TransactionSchema().dump(payment), "invoice": InvoiceSchema().dump(invoice)}
