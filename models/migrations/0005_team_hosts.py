"""Hosts of event types and of bookings: assignment, event_type_host, booking_host.

Every existing event type gets its owner as its one host, and every existing booking a
booking_host row for its host, so busy time is read from booking_host alone from now on.
"""

from peewee import *


def up(migrator, db):
    class Organization(Model):
        id = CharField(primary_key=True, max_length=32)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "organization"

    class User(Model):
        id = CharField(primary_key=True, max_length=32)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "user"

    class EventType(Model):
        id = CharField(primary_key=True, max_length=32)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "event_type"

    class Booking(Model):
        id = CharField(primary_key=True, max_length=32)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "booking"

    migrator.migrate(
        migrator.add_column("event_type", "assignment", CharField(max_length=16, default="single"))
    )

    class EventTypeHost(Model):
        event_type = ForeignKeyField(EventType, on_delete="CASCADE")
        host = ForeignKeyField(User, on_delete="CASCADE")
        position = IntegerField(default=0)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "event_type_host"
            primary_key = False
            indexes = ((("event_type", "host"), True),)

    class BookingHost(Model):
        booking = ForeignKeyField(Booking, on_delete="CASCADE")
        host = ForeignKeyField(User, on_delete="CASCADE")
        event_type = ForeignKeyField(EventType, on_delete="CASCADE")
        start_at = DateTimeField()
        end_at = DateTimeField()
        buffer_before_minutes = IntegerField(default=0)
        buffer_after_minutes = IntegerField(default=0)
        seat_key = CharField(max_length=100)
        active = BooleanField(default=True)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "booking_host"
            primary_key = False
            indexes = ((("booking", "host"), True), (("host", "start_at"), False))

    db.create_tables([EventTypeHost, BookingHost])

    db.execute_sql(
        'INSERT INTO "event_type_host" ("event_type_id", "host_id", "position") '
        'SELECT "id", "owner_id", 0 FROM "event_type"'
    )
    db.execute_sql(
        'INSERT INTO "booking_host" ("booking_id", "host_id", "event_type_id", "start_at", '
        '"end_at", "buffer_before_minutes", "buffer_after_minutes", "seat_key", "active") '
        'SELECT "id", "host_id", "event_type_id", "start_at", "end_at", '
        '"buffer_before_minutes", "buffer_after_minutes", "seat_key", '
        "\"status\" IN ('CONFIRMED', 'PENDING') FROM \"booking\""
    )

    if isinstance(db, PostgresqlDatabase):
        # The last line of defence against double booking, for every host a booking
        # occupies: no two active rows of one host may overlap, unless they are seats of
        # the same group slot. btree_gist was created by 0002.
        db.execute_sql(
            'ALTER TABLE "booking_host" ADD CONSTRAINT "booking_host_no_overlap" '
            'EXCLUDE USING gist ("host_id" WITH =, tsrange("start_at", "end_at") WITH &&, '
            '"seat_key" WITH <>) WHERE ("active")'
        )


def down(migrator, db):
    migrator.migrate(migrator.drop_table("booking_host"))
    migrator.migrate(migrator.drop_table("event_type_host"))
    migrator.migrate(migrator.drop_column("event_type", "assignment"))
