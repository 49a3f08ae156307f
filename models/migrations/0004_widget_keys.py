"""Public widget keys."""

from peewee import *


def up(migrator, db):
    class Organization(Model):
        id = CharField(primary_key=True, max_length=32)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "organization"

    class WidgetKey(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        name = CharField(max_length=100)
        key = CharField(max_length=64, unique=True)
        allowed_origins = TextField(default="[]")
        event_type_ids = TextField(null=True)
        for_hosted_pages = BooleanField(default=False)
        revoked_at = DateTimeField(null=True)
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "widget_key"

    db.create_tables([WidgetKey])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("widget_key"))
