"""Event types, contacts, bookings and their history, idempotency records."""

from peewee import *


def up(migrator, db):
    class Organization(Model):
        id = CharField(primary_key=True, max_length=32)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "organization"

    class Schedule(Model):
        id = CharField(primary_key=True, max_length=32)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "schedule"

    class User(Model):
        id = CharField(primary_key=True, max_length=32)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "user"

    class EventType(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        owner = ForeignKeyField(User, on_delete="CASCADE")
        schedule = ForeignKeyField(Schedule, on_delete="RESTRICT")
        title = CharField(max_length=200)
        slug = CharField(max_length=100)
        description = TextField(default="")
        duration_minutes = IntegerField()
        location = TextField(null=True)
        buffer_before_minutes = IntegerField(default=0)
        buffer_after_minutes = IntegerField(default=0)
        minimum_notice_minutes = IntegerField(default=0)
        booking_window_days = IntegerField(default=60)
        slot_interval_minutes = IntegerField(null=True)
        max_bookings_per_day = IntegerField(null=True)
        seats_per_slot = IntegerField(default=1)
        requires_confirmation = BooleanField(default=False)
        active = BooleanField(default=True)
        questions = TextField(default="[]")
        created_at = DateTimeField()
        updated_at = DateTimeField()
        deleted_at = DateTimeField(null=True)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "event_type"

    db.create_tables([EventType])

    class Contact(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        email = CharField(max_length=254)
        name = CharField(max_length=200)
        created_at = DateTimeField()
        updated_at = DateTimeField()
        deleted_at = DateTimeField(null=True)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "contact"

    db.create_tables([Contact])

    class Booking(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        event_type = ForeignKeyField(EventType, on_delete="CASCADE")
        host = ForeignKeyField(User, on_delete="CASCADE")
        contact = ForeignKeyField(Contact, on_delete="RESTRICT")
        status = CharField(max_length=16)
        start_at = DateTimeField()
        end_at = DateTimeField()
        buffer_before_minutes = IntegerField(default=0)
        buffer_after_minutes = IntegerField(default=0)
        seat_key = CharField(max_length=100)
        invitee_name = CharField(max_length=200)
        invitee_email = CharField(max_length=254)
        invitee_timezone = CharField(max_length=64)
        notes = TextField(default="")
        answers = TextField(default="{}")
        manage_token_hash = CharField(max_length=64)
        series_id = CharField(index=True, null=True, max_length=32)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "booking"
            indexes = ((("host", "start_at"), False), (("organization", "start_at"), False))

    db.create_tables([Booking])

    class BookingEvent(Model):
        id = CharField(primary_key=True, max_length=32)
        booking = ForeignKeyField(Booking, on_delete="CASCADE")
        type = CharField(max_length=16)
        actor = CharField(max_length=64)
        reason = TextField(default="")
        previous_start_at = DateTimeField(null=True)
        previous_end_at = DateTimeField(null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "booking_event"

    db.create_tables([BookingEvent])

    class IdempotencyRecord(Model):
        scope = CharField(max_length=100)
        key = CharField()
        request_hash = CharField(max_length=64)
        response_status = IntegerField(null=True)
        response_body = TextField(null=True)
        created_at = DateTimeField(index=True)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "idempotency_record"
            indexes = ((("scope", "key"), True),)

    db.create_tables([IdempotencyRecord])

    db.execute_sql(
        'CREATE UNIQUE INDEX "schedule_owner_id_default" ON "schedule" ("owner_id") '
        'WHERE "is_default"'
    )

    # Unique among rows not deleted, so a deleted event type's slug can be used again.
    for table, column in (("event_type", "slug"), ("contact", "email")):
        db.execute_sql(
            f'CREATE UNIQUE INDEX "{table}_organization_id_{column}" '
            f'ON "{table}" ("organization_id", "{column}") WHERE "deleted_at" IS NULL'
        )

    if isinstance(db, PostgresqlDatabase):
        # The last line of defence against double booking: no two confirmed or pending
        # bookings of one host may overlap, unless they are seats of the same group slot.
        db.execute_sql("CREATE EXTENSION IF NOT EXISTS btree_gist")
        db.execute_sql(
            'ALTER TABLE "booking" ADD CONSTRAINT "booking_no_overlap" EXCLUDE USING gist '
            '("host_id" WITH =, tsrange("start_at", "end_at") WITH &&, "seat_key" WITH <>) '
            "WHERE (\"status\" IN ('CONFIRMED', 'PENDING'))"
        )


def down(migrator, db):
    migrator.migrate(migrator.drop_table("idempotency_record"))
    migrator.migrate(migrator.drop_table("booking_event"))
    migrator.migrate(migrator.drop_table("booking"))
    migrator.migrate(migrator.drop_table("contact"))
    migrator.migrate(migrator.drop_table("event_type"))
