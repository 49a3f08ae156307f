"""Organizations, users, API keys and schedules."""

from peewee import *


def up(migrator, db):
    class Organization(Model):
        id = CharField(primary_key=True, max_length=32)
        name = CharField(max_length=200)
        slug = CharField(unique=True, max_length=80)
        timezone = CharField(max_length=64, default="UTC")
        plan = CharField(max_length=16, default="free")
        created_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "organization"

    db.create_tables([Organization])

    class User(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        email = CharField(max_length=254)
        name = CharField(max_length=200)
        username = CharField(unique=True, max_length=80)
        timezone = CharField(max_length=64, default="UTC")
        role = CharField(max_length=16, default="member")
        created_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "user"
            indexes = ((("organization", "email"), True),)

    db.create_tables([User])

    class ApiKey(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        user = ForeignKeyField(User, on_delete="CASCADE")
        name = CharField(max_length=100)
        mode = CharField(max_length=8, default="live")
        key_hash = CharField(unique=True, max_length=64)
        last_four = CharField(max_length=4)
        scopes = TextField(null=True)
        expires_at = DateTimeField(null=True)
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)
        created_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "api_key"

    db.create_tables([ApiKey])

    class Schedule(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        owner = ForeignKeyField(User, on_delete="CASCADE")
        name = CharField(max_length=200)
        timezone = CharField(max_length=64)
        rules = TextField(default="[]")
        overrides = TextField(default="[]")
        is_default = BooleanField(default=False)
        created_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "schedule"

    db.create_tables([Schedule])


def down(migrator, db):
    migrator.migrate(migrator.drop_table("schedule"))
    migrator.migrate(migrator.drop_table("api_key"))
    migrator.migrate(migrator.drop_table("user"))
    migrator.migrate(migrator.drop_table("organization"))
