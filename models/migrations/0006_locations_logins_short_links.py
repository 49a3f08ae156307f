"""Saved locations, an event type's location and short code, the booking's copy of its
location, and users' passwords."""

import json

from peewee import *

# As services.locations.KIND_LABELS when this was written.
_KIND_LABELS = {"video": "Video call", "phone": "Phone", "in_person": "In person"}
_DETAIL_OF = {"video": "url", "phone": "phone", "in_person": "address"}


def _snapshot(inline: dict) -> dict:
    """A booking's copy of an inline event type location, as services.locations makes it."""
    kind, value = inline["type"], inline.get("value") or ""
    if kind == "custom":
        return {"name": value or "Custom location", "type": kind}
    snapshot = {"name": _KIND_LABELS[kind], "type": kind}
    if value:
        snapshot[_DETAIL_OF[kind]] = value
    return snapshot


def up(migrator, db):
    class Organization(Model):
        id = CharField(primary_key=True, max_length=32)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "organization"

    class Location(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        name = CharField(max_length=200)
        type = CharField(max_length=16)
        address = CharField(max_length=500, null=True)
        url = CharField(max_length=2000, null=True)
        phone = CharField(max_length=50, null=True)
        notes = TextField(default="")
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "location"

    db.create_tables([Location])

    migrator.migrate(
        migrator.add_column(
            "event_type",
            "location_id",
            ForeignKeyField(Location, field=Location.id, null=True, on_delete="RESTRICT"),
        ),
        migrator.add_column("event_type", "short_code", CharField(max_length=32, null=True)),
        migrator.add_column("booking", "location", TextField(null=True)),
        migrator.add_column("user", "password_hash", CharField(max_length=255, null=True)),
    )
    db.execute_sql(
        'CREATE UNIQUE INDEX "event_type_short_code" ON "event_type" (LOWER("short_code"))'
    )

    # Bookings made so far showed their event type's location as it is now; they keep the
    # one it has today.
    event_type = Table("event_type", ("id", "location")).bind(db)
    booking = Table("booking", ("event_type_id", "location")).bind(db)
    inline = event_type.select(event_type.id, event_type.location).where(
        event_type.location.is_null(False)
    )
    for row in inline.tuples():
        event_type_id, location = row
        snapshot = json.dumps(_snapshot(json.loads(location)), separators=(",", ":"))
        booking.update(location=snapshot).where(booking.event_type_id == event_type_id).execute()


def down(migrator, db):
    db.execute_sql('DROP INDEX "event_type_short_code"')
    migrator.migrate(
        migrator.drop_column("user", "password_hash"),
        migrator.drop_column("booking", "location"),
        migrator.drop_column("event_type", "short_code"),
        migrator.drop_column("event_type", "location_id"),
        migrator.drop_table("location"),
    )
