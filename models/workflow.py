"""Workflows (what to do when) and their runs (each planned, then done once, logged)."""

from peewee import BooleanField, CharField, ForeignKeyField, IntegerField

from .base import BaseModel, JSONField, UTCDateTimeField, new_id, utcnow
from .booking import Booking
from .organization import Organization


class Workflow(BaseModel):
    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("wfl"))
    organization = ForeignKeyField(Organization, backref="workflows", on_delete="CASCADE")
    name = CharField(max_length=200)
    active = BooleanField(default=True)
    # booking.created, booking.cancelled, booking.rescheduled, before_start, after_end
    trigger = CharField(max_length=32)
    # Minutes before the start or after the end; None for the booking.* triggers.
    offset_minutes = IntegerField(null=True)
    # Empty: every event type of the organization.
    event_type_ids = JSONField(default=list)
    # [{"type": "email_invitee", "template": {"subject": …, "body": …} or None}, …]
    actions = JSONField()
    created_at = UTCDateTimeField(default=utcnow)
    updated_at = UTCDateTimeField(default=utcnow)

    def applies_to(self, event_type_id: str) -> bool:
        return not self.event_type_ids or event_type_id in self.event_type_ids


class WorkflowRun(BaseModel):
    """One workflow for one booking at one instant: the durable record of what is to be done.

    A job queue only makes it happen on time; a sweep finds the planned runs it lost.
    """

    id = CharField(primary_key=True, max_length=32, default=lambda: new_id("wfr"))
    workflow = ForeignKeyField(Workflow, backref="runs", on_delete="CASCADE")
    booking = ForeignKeyField(Booking, backref="workflow_runs", on_delete="CASCADE")
    trigger = CharField(max_length=32)
    due_at = UTCDateTimeField()
    # planned, done, failed, skipped, cancelled
    status = CharField(max_length=16, default="planned")
    # Why a run was skipped, cancelled or failed: a stable code such as booking_rescheduled.
    reason = CharField(max_length=64, default="")
    ran_at = UTCDateTimeField(null=True)
    # What each action did: [{"type", "emailId", "eventId", "error"}, …]
    actions = JSONField(default=list)
    created_at = UTCDateTimeField(default=utcnow)

    class Meta:
        indexes = ((("status", "due_at"), False),)


# One live run per workflow, booking, trigger and instant: planning twice (a booking event
# and a workflow change at once) cannot send twice; a cancelled run may be planned again.
WorkflowRun.add_index(
    WorkflowRun.index(
        WorkflowRun.workflow,
        WorkflowRun.booking,
        WorkflowRun.trigger,
        WorkflowRun.due_at,
        unique=True,
        where=WorkflowRun.status != "cancelled",
    )
)
