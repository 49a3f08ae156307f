"""Planning runs: which workflow runs for which booking, and when.

Runs are written in the transaction of the change that calls for them (a booking made,
moved, cancelled; a workflow saved), so they stand or fall with it. Each is handed to the
job queue after the commit, with its due time as the queue's ETA; the queue only makes it
timely, since the sweep finds any planned run that is due and was lost.

Offsets are absolute: ``before_start`` with 1440 minutes is due exactly 24 hours of real
time before the start, whatever daylight-saving change lies between.
"""

from datetime import UTC, datetime, timedelta

from models import ACTIVE_STATUSES, Booking, Prepared, Workflow, WorkflowRun, new_id

from .. import work

TIMED = ("before_start", "after_end")
BOOKING_TRIGGERS = ("booking.created", "booking.cancelled", "booking.rescheduled")
TRIGGERS = (*BOOKING_TRIGGERS, *TIMED)
# Booking events after which the booking's timed runs no longer hold, and the reason given.
DROPPED_BY = {
    "booking.cancelled": "booking_cancelled",
    "booking.declined": "booking_declined",
    "booking.rescheduled": "booking_rescheduled",
}


# Read for every booking event, most often to find none.
_ACTIVE_WORKFLOWS = Prepared(
    lambda value: Workflow.select().where(
        (Workflow.organization == value("organization_id", Workflow.organization)) & Workflow.active
    )
)


def due_at(workflow: Workflow, booking: Booking) -> datetime:
    """When a timed workflow runs for a booking: an instant, offset in real minutes."""
    offset = timedelta(minutes=workflow.offset_minutes)
    # In UTC: arithmetic on a zoned datetime moves its wall clock, not real time.
    if workflow.trigger == "before_start":
        return booking.start_at.astimezone(UTC) - offset
    return booking.end_at.astimezone(UTC) + offset


def on_booking_event(event_type: str, booking: Booking, *, first_of_series: bool, now) -> None:
    """Plan, move or drop the booking's runs after a booking event, in its transaction.

    A new series runs its ``booking.created`` workflows once (for its first occurrence, as
    its e-mails go once) and its reminders for every occurrence.
    """
    if event_type in DROPPED_BY:
        _cancel(
            (WorkflowRun.booking == booking.id) & WorkflowRun.trigger.in_(TIMED),
            DROPPED_BY[event_type],
        )
    if event_type not in BOOKING_TRIGGERS:
        return
    for workflow in _ACTIVE_WORKFLOWS.rows(organization_id=booking.organization_id):
        if not workflow.applies_to(booking.event_type_id):
            continue
        if workflow.trigger == event_type and (event_type != "booking.created" or first_of_series):
            _plan(workflow, booking, now)
        elif workflow.trigger in TIMED and event_type != "booking.cancelled":
            _plan(workflow, booking, due_at(workflow, booking))


def sync_workflow(workflow: Workflow, *, now: datetime) -> None:
    """Make a saved workflow's planned runs match it, for the bookings still ahead.

    Runs it no longer calls for are cancelled; missing ones are planned. A run already
    done for the same booking and instant is not planned again.
    """
    wanted = {}
    if workflow.active and workflow.trigger in TIMED:
        for booking in _upcoming(workflow, now):
            wanted[(booking.id, due_at(workflow, booking))] = booking
    planned = WorkflowRun.select().where(
        (WorkflowRun.workflow == workflow.id)
        & (WorkflowRun.status == "planned")
        & WorkflowRun.trigger.in_(TIMED)
    )
    reason = "workflow_changed" if workflow.active else "workflow_deactivated"
    stale = []
    for run in planned:
        key = (run.booking_id, run.due_at)
        if run.trigger != workflow.trigger or wanted.pop(key, None) is None:
            stale.append(run.id)
    if stale:
        _cancel(WorkflowRun.id.in_(stale), reason)
    for (_, due), booking in wanted.items():
        _plan(workflow, booking, due)


def _upcoming(workflow: Workflow, now: datetime):
    """Active bookings not yet started (before_start) or not yet over (after_end)."""
    edge = Booking.start_at if workflow.trigger == "before_start" else Booking.end_at
    query = Booking.select().where(
        (Booking.organization == workflow.organization_id)
        & Booking.status.in_(ACTIVE_STATUSES)
        & (edge > now)
    )
    if workflow.event_type_ids:
        query = query.where(Booking.event_type.in_(workflow.event_type_ids))
    return query


def _plan(workflow: Workflow, booking: Booking, due: datetime) -> None:
    run_id = new_id("wfr")
    inserted = (
        WorkflowRun.insert(
            id=run_id,
            workflow=workflow.id,
            booking=booking.id,
            trigger=workflow.trigger,
            due_at=due,
        )
        .on_conflict_ignore()
        .as_rowcount()
        .execute()
    )
    if inserted:
        # Runs due at once need no ETA; a past one is run as soon as a worker is free.
        work.after_commit(work.RUN_WORKFLOW, run_id, due if workflow.trigger in TIMED else None)


def _cancel(condition, reason: str) -> None:
    """Cancel the planned runs matching ``condition``; runs already done stay as they are."""
    WorkflowRun.update(status="cancelled", reason=reason).where(
        condition & (WorkflowRun.status == "planned")
    ).execute()
