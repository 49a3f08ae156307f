"""Transactions: the payments and refunds recorded against invoices."""

from models import utcnow
from services.billing import payments
from services.schemas.base import page_of
from services.schemas.billing import TransactionSchema

from .context import principal


def list_transactions(page=1, limit=20, invoice_id=None, type_=None):
    """List the organization's payments and refunds, newest first."""
    found = payments.list_transactions(
        principal(), page=page, limit=limit, invoice_id=invoice_id, kind=type_
    )
    return page_of(found, TransactionSchema()), 200


def get_transaction(transaction_id: str):
    """Return a payment or a refund."""
    return TransactionSchema().dump(payments.get_transaction(principal(), transaction_id)), 200


def refund_transaction(transaction_id: str, body: dict | None = None):
    """Refund part or the rest of a payment."""
    refund = payments.refund(principal(), transaction_id, body or {}, now=utcnow())
    return TransactionSchema().dump(refund), 201
