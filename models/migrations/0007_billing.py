"""Billing: taxes, event type prices, invoices with their numbering, payments and refunds."""

from peewee import *


def _reference(db, name: str, table: str):
    """A stand-in for a table the new ones point at: its key is all they need."""

    class Meta:
        database = db
        legacy_table_names = False
        table_name = table

    return type(name, (Model,), {"id": CharField(primary_key=True, max_length=32), "Meta": Meta})


def up(migrator, db):
    Organization = _reference(db, "Organization", "organization")
    Contact = _reference(db, "Contact", "contact")
    Booking = _reference(db, "Booking", "booking")

    class Tax(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        name = CharField(max_length=100)
        rate_ppm = IntegerField()
        inclusive = BooleanField(default=False)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "tax"

    class InvoiceSequence(Model):
        organization = ForeignKeyField(Organization, primary_key=True, on_delete="CASCADE")
        last_number = IntegerField(default=0)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "invoice_sequence"

    class Invoice(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        number = CharField(max_length=32, null=True)
        status = CharField(max_length=8)
        currency = CharField(max_length=3)
        customer_name = CharField(max_length=200)
        customer_email = CharField(max_length=254, null=True)
        contact = ForeignKeyField(Contact, null=True, on_delete="SET NULL")
        booking = ForeignKeyField(Booking, null=True, on_delete="SET NULL")
        lines = TextField()
        subtotal = BigIntegerField()
        tax_total = BigIntegerField()
        total = BigIntegerField()
        amount_paid = BigIntegerField(default=0)
        amount_refunded = BigIntegerField(default=0)
        memo = TextField(default="")
        issued_at = DateTimeField(null=True)
        paid_at = DateTimeField(null=True)
        voided_at = DateTimeField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "invoice"
            indexes = (
                (("organization", "number"), True),
                (("organization", "created_at"), False),
            )

    class Transaction(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        invoice = ForeignKeyField(Invoice, on_delete="CASCADE")
        type = CharField(max_length=8)
        amount = BigIntegerField()
        currency = CharField(max_length=3)
        method = CharField(max_length=16)
        reference = CharField(max_length=200, default="")
        payment = ForeignKeyField("self", null=True, on_delete="CASCADE")
        amount_refunded = BigIntegerField(default=0)
        created_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "transaction"
            indexes = ((("organization", "created_at"), False),)

    db.create_tables([Tax, InvoiceSequence, Invoice, Transaction])

    migrator.migrate(
        migrator.add_column("event_type", "price_amount", BigIntegerField(null=True)),
        migrator.add_column("event_type", "price_currency", CharField(max_length=3, null=True)),
        migrator.add_column(
            "event_type",
            "tax_id",
            ForeignKeyField(Tax, field=Tax.id, null=True, on_delete="SET NULL"),
        ),
    )


def down(migrator, db):
    migrator.migrate(
        migrator.drop_index("event_type", "event_type_tax_id"),
        migrator.drop_column("event_type", "tax_id"),
        migrator.drop_column("event_type", "price_currency"),
        migrator.drop_column("event_type", "price_amount"),
        migrator.drop_table("transaction"),
        migrator.drop_table("invoice"),
        migrator.drop_table("invoice_sequence"),
        migrator.drop_table("tax"),
    )
