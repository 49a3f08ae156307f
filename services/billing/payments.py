"""Payments received for invoices and refunds of them, recorded (no card is charged).

Every change of money locks its invoice first (see ``invoices.locked_invoice``), so two
payments cannot both take the last amount due, nor two refunds the same payment's rest.
"""

from datetime import datetime

from models import Invoice, Transaction, write_transaction
from models.invoice import for_update

from .. import events
from ..errors import RuleViolation
from ..lookup import owned
from ..pagination import Page, paginate
from ..schemas.billing import payment_recorded
from .invoices import locked_invoice, require_status


def list_transactions(
    principal, *, page: int, limit: int, invoice_id: str | None = None, kind: str | None = None
) -> Page:
    """The organization's payments and refunds matching the filters, newest first."""
    query = Transaction.select().where(Transaction.organization == principal.organization_id)
    if invoice_id is not None:
        query = query.where(Transaction.invoice == invoice_id)
    if kind is not None:
        query = query.where(Transaction.type == kind)
    return paginate(
        query.order_by(Transaction.created_at.desc(), Transaction.id.desc()), page, limit
    )


def get_transaction(principal, transaction_id: str) -> Transaction:
    """A payment or refund of the organization; NotFound for any other id."""
    return owned(Transaction, transaction_id, principal.organization_id, "transaction")


def record_payment(
    principal, invoice_id: str, fields: dict, *, now: datetime
) -> tuple[Transaction, Invoice]:
    """Record money received for an open invoice, which is paid once nothing is due.

    Fires ``payment.received`` with the payment and the invoice as it left it.
    """
    with write_transaction():
        invoice = locked_invoice(principal, invoice_id)
        require_status(invoice, ("open",), "invoice_not_payable", "paid")
        amount = fields["amount"]
        if amount > invoice.amount_due:
            raise RuleViolation(
                f"The payment of {amount} exceeds the {invoice.amount_due} due on invoice "
                f"{invoice.number}.",
                code="overpayment",
                details={"amount": amount, "amountDue": invoice.amount_due},
            )
        payment = Transaction.create(
            organization=invoice.organization_id,
            invoice=invoice.id,
            type="payment",
            amount=amount,
            currency=invoice.currency,
            method=fields["method"],
            reference=fields.get("reference", ""),
            created_at=now,
        )
        invoice.amount_paid += amount
        if invoice.amount_due == 0:
            invoice.status, invoice.paid_at = "paid", now
        invoice.updated_at = now
        invoice.save()
        events.emit("payment.received", invoice.organization_id, payment_recorded(payment, invoice))
    return payment, invoice


def refund(principal, transaction_id: str, fields: dict, *, now: datetime) -> Transaction:
    """Refund part or (by default) the rest of a payment, back the way it came.

    A paid invoice stays paid and shows the refund in ``amountRefunded``; an open one owes
    what was refunded again.
    """
    found = get_transaction(principal, transaction_id)
    with write_transaction():
        invoice = locked_invoice(principal, found.invoice_id)
        payment = for_update(Transaction.select().where(Transaction.id == found.id)).get()
        if payment.type != "payment":
            raise RuleViolation(
                "Only a payment can be refunded, not a refund.",
                code="not_a_payment",
                details={"type": payment.type},
            )
        refundable = payment.amount - payment.amount_refunded
        amount = fields.get("amount", refundable)
        if refundable == 0 or amount > refundable:
            raise RuleViolation(
                f"At most {refundable} of this payment can still be refunded.",
                code="refund_exceeds_payment",
                details={"amount": amount, "refundable": refundable},
            )
        created = Transaction.create(
            organization=payment.organization_id,
            invoice=invoice.id,
            type="refund",
            amount=amount,
            currency=payment.currency,
            method=payment.method,
            reference=fields.get("reference", ""),
            payment=payment.id,
            created_at=now,
        )
        payment.amount_refunded += amount
        payment.save()
        invoice.amount_refunded += amount
        invoice.updated_at = now
        invoice.save()
    return created
