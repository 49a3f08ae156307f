"""Invoices, their numbering, and the payments and refunds recorded against them.

Every amount is an integer in the currency's minor unit (cents, yen, fils).
"""

from peewee import (
    BigIntegerField,
    CharField,
    ForeignKeyField,
    IntegerField,
    PostgresqlDatabase,
    TextField,
)

from .base import BaseModel, JSONField, UTCDateTimeField, db, new_id, utcnow
from .booking import Booking
from .contact import Contact
from .organization import Organization

INVOICE_STATUSES = ("draft", "open", "paid", "void")
UNPAID_STATUSES = ("draft", "open")


def for_update(query):
    """Lock the rows ``query`` selects until the transaction ends, on PostgreSQL.

    SQLite needs nothing more: a write transaction there already excludes every other writer.
    """
    return query.for_update() if isinstance(db.obj, PostgresqlDatabase) else query


class InvoiceSequence(BaseModel):
    """The last invoice number an organization issued; its row is the numbering lock."""

    organization = ForeignKeyField(
        Organization, primary_key=True, backref="invoice_sequence", on_delete="CASCADE"
    )
    last_number = IntegerField(default=0)


class Invoice(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("inv"))
    organization = ForeignKeyField(Organization, backref="invoices", on_delete="CASCADE")
    # INV-000001…, given when the invoice is issued (opened); drafts have none.
    number = CharField(max_length=32, null=True)
    status = CharField(max_length=8)
    currency = CharField(max_length=3)
    customer_name = CharField(max_length=200)
    customer_email = CharField(max_length=254, null=True)
    contact = ForeignKeyField(Contact, backref="invoices", null=True, on_delete="SET NULL")
    booking = ForeignKeyField(Booking, backref="invoices", null=True, on_delete="SET NULL")
    # Each line as computed when written, its tax copied, so later changes to a tax rate
    # leave issued invoices as they were.
    lines = JSONField()
    subtotal = BigIntegerField()
    tax_total = BigIntegerField()
    total = BigIntegerField()
    amount_paid = BigIntegerField(default=0)
    amount_refunded = BigIntegerField(default=0)
    memo = TextField(default="")
    issued_at = UTCDateTimeField(null=True)
    paid_at = UTCDateTimeField(null=True)
    voided_at = UTCDateTimeField(null=True)
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = (
            (("organization", "number"), True),
            (("organization", "created_at"), False),
        )

    @property
    def amount_due(self) -> int:
        """What is still owed: nothing once paid or void (a refund does not bill again)."""
        if self.status not in UNPAID_STATUSES:
            return 0
        return self.total - (self.amount_paid - self.amount_refunded)


class Transaction(BaseModel):
    """Money that moved: a payment received for an invoice, or a refund of one."""

    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("txn"))
    organization = ForeignKeyField(Organization, backref="transactions", on_delete="CASCADE")
    invoice = ForeignKeyField(Invoice, backref="transactions", on_delete="CASCADE")
    # payment or refund
    type = CharField(max_length=8)
    amount = BigIntegerField()
    currency = CharField(max_length=3)
    # card, cash, bank_transfer or other; a refund goes back the way its payment came.
    method = CharField(max_length=16)
    reference = CharField(max_length=200, default="")
    # A refund's payment.
    payment = ForeignKeyField("self", backref="refunds", null=True, on_delete="CASCADE")
    # On a payment: how much of it has been refunded.
    amount_refunded = BigIntegerField(default=0)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("organization", "created_at"), False),)
