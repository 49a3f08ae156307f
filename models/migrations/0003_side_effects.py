"""Contact details and groups, the event outbox, webhooks and their deliveries, e-mails."""

from peewee import *


def up(migrator, db):
    class Booking(Model):
        id = CharField(primary_key=True, max_length=32)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "booking"

    class Contact(Model):
        id = CharField(primary_key=True, max_length=32)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "contact"

    class Organization(Model):
        id = CharField(primary_key=True, max_length=32)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "organization"

    class ContactGroup(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        name = CharField(max_length=200)
        description = TextField(default="")
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "contact_group"

    db.create_tables([ContactGroup])

    class ContactGroupMember(Model):
        group = ForeignKeyField(ContactGroup, on_delete="CASCADE")
        contact = ForeignKeyField(Contact, on_delete="CASCADE")
        added_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "contact_group_member"
            primary_key = False
            indexes = ((("group", "contact"), True),)

    db.create_tables([ContactGroupMember])

    class DomainEvent(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        type = CharField(max_length=40)
        data = TextField()
        booking_id = CharField(null=True, max_length=32)
        created_at = DateTimeField()
        dispatched_at = DateTimeField(index=True, null=True)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "domain_event"

    db.create_tables([DomainEvent])

    class EmailMessage(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        booking = ForeignKeyField(Booking, null=True, on_delete="CASCADE")
        to = CharField(max_length=254)
        subject = CharField(max_length=300)
        template = CharField(max_length=100)
        message = TextField()
        status = CharField(max_length=16, default="pending")
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField(index=True, null=True)
        locked_until = DateTimeField(null=True)
        sent_at = DateTimeField(null=True)
        error = TextField(default="")
        created_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "email_message"

    db.create_tables([EmailMessage])

    class WebhookEndpoint(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        url = CharField(max_length=2000)
        events = TextField()
        description = TextField(default="")
        active = BooleanField(default=True)
        secret = CharField(max_length=100)
        previous_secret = CharField(null=True, max_length=100)
        previous_secret_expires_at = DateTimeField(null=True)
        consecutive_failures = IntegerField(default=0)
        disabled_reason = CharField(max_length=200, default="")
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "webhook_endpoint"

    db.create_tables([WebhookEndpoint])

    class WebhookDelivery(Model):
        id = CharField(primary_key=True, max_length=32)
        endpoint = ForeignKeyField(WebhookEndpoint, on_delete="CASCADE")
        event = ForeignKeyField(DomainEvent, on_delete="CASCADE")
        status = CharField(max_length=16, default="pending")
        attempts = IntegerField(default=0)
        next_attempt_at = DateTimeField(index=True, null=True)
        locked_until = DateTimeField(null=True)
        last_response_status = IntegerField(null=True)
        last_error = TextField(default="")
        last_duration_ms = IntegerField(null=True)
        delivered_at = DateTimeField(null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "webhook_delivery"

    db.create_tables([WebhookDelivery])

    class WebhookAttempt(Model):
        id = CharField(primary_key=True, max_length=32)
        delivery = ForeignKeyField(WebhookDelivery, on_delete="CASCADE")
        started_at = DateTimeField()
        duration_ms = IntegerField()
        response_status = IntegerField(null=True)
        error = TextField(default="")

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "webhook_attempt"

    db.create_tables([WebhookAttempt])

    migrator.migrate(migrator.add_column("contact", "phone", CharField(max_length=50, default="")))
    migrator.migrate(
        migrator.add_column("contact", "company", CharField(max_length=200, default=""))
    )
    migrator.migrate(migrator.add_column("contact", "notes", TextField(default="")))
    migrator.migrate(migrator.add_column("contact", "phones", TextField(default="[]")))
    migrator.migrate(migrator.add_column("contact", "addresses", TextField(default="[]")))
    migrator.migrate(migrator.add_column("contact", "websites", TextField(default="[]")))
    migrator.migrate(migrator.add_column("contact", "unsubscribed", BooleanField(default=False)))
    migrator.migrate(migrator.add_column("contact", "bounced", BooleanField(default=False)))
    migrator.migrate(migrator.add_column("booking", "sequence", IntegerField(default=0)))
    # Manage tokens are derived from the server secret now, so e-mails can carry them.
    migrator.migrate(migrator.drop_column("booking", "manage_token_hash"))


def down(migrator, db):
    migrator.migrate(
        migrator.add_column("booking", "manage_token_hash", CharField(max_length=64, default=""))
    )
    migrator.migrate(migrator.drop_column("booking", "sequence"))
    migrator.migrate(migrator.drop_column("contact", "bounced"))
    migrator.migrate(migrator.drop_column("contact", "unsubscribed"))
    migrator.migrate(migrator.drop_column("contact", "websites"))
    migrator.migrate(migrator.drop_column("contact", "addresses"))
    migrator.migrate(migrator.drop_column("contact", "phones"))
    migrator.migrate(migrator.drop_column("contact", "notes"))
    migrator.migrate(migrator.drop_column("contact", "company"))
    migrator.migrate(migrator.drop_column("contact", "phone"))
    migrator.migrate(migrator.drop_table("webhook_attempt"))
    migrator.migrate(migrator.drop_table("webhook_delivery"))
    migrator.migrate(migrator.drop_table("webhook_endpoint"))
    migrator.migrate(migrator.drop_table("email_message"))
    migrator.migrate(migrator.drop_table("domain_event"))
    migrator.migrate(migrator.drop_table("contact_group_member"))
    migrator.migrate(migrator.drop_table("contact_group"))
