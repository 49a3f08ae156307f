"""Workflows and their planned runs."""

from peewee import *


def up(migrator, db):
    class Organization(Model):
        id = CharField(primary_key=True, max_length=32)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "organization"

    class Booking(Model):
        id = CharField(primary_key=True, max_length=32)

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "booking"

    class Workflow(Model):
        id = CharField(primary_key=True, max_length=32)
        organization = ForeignKeyField(Organization, on_delete="CASCADE")
        name = CharField(max_length=200)
        active = BooleanField(default=True)
        trigger = CharField(max_length=32)
        offset_minutes = IntegerField(null=True)
        event_type_ids = TextField(default="[]")
        actions = TextField()
        created_at = DateTimeField()
        updated_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "workflow"

    db.create_tables([Workflow])

    class WorkflowRun(Model):
        id = CharField(primary_key=True, max_length=32)
        workflow = ForeignKeyField(Workflow, on_delete="CASCADE")
        booking = ForeignKeyField(Booking, on_delete="CASCADE")
        trigger = CharField(max_length=32)
        due_at = DateTimeField()
        status = CharField(max_length=16, default="planned")
        reason = CharField(max_length=64, default="")
        ran_at = DateTimeField(null=True)
        actions = TextField(default="[]")
        created_at = DateTimeField()

        class Meta:
            database = db
            legacy_table_names = False
            table_name = "workflow_run"
            indexes = ((("status", "due_at"), False),)

    db.create_tables([WorkflowRun])

    # Cancelled runs leave room for the same run to be planned again.
    db.execute_sql(
        'CREATE UNIQUE INDEX "workflow_run_workflow_id_booking_id_trigger_due_at" '
        'ON "workflow_run" ("workflow_id", "booking_id", "trigger", "due_at") '
        "WHERE (\"status\" != 'cancelled')"
    )


def down(migrator, db):
    migrator.migrate(migrator.drop_table("workflow_run"))
    migrator.migrate(migrator.drop_table("workflow"))
