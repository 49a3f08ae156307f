"""Running a planned run, once: claim it, do its actions, log what each did.

The claim (a conditional update from ``planned``) and the actions' effects (e-mail rows, a
domain event) share one transaction, so a run is done exactly once: two workers racing
for it serialize on its row and the second finds it taken, and a worker dying mid-run
leaves it planned for the sweep. Sending the e-mails and delivering the webhooks then
follows, through their own retried jobs.
"""

from datetime import datetime

from models import (
    ACTIVE_STATUSES,
    Booking,
    EmailMessage,
    EventType,
    Schedule,
    User,
    Workflow,
    WorkflowRun,
    write_transaction,
)

from .. import events, work
from ..bookings import manage_url
from ..mail import compose_text
from ..pagination import Page, paginate
from ..schemas.bookings import BookingSchema
from ..timeutil import format_timestamp
from . import templates
from .definitions import get_workflow
from .planning import BOOKING_TRIGGERS, TIMED

RECIPIENTS = {"email_invitee": "invitee", "email_host": "host"}


def execute(run_id: str, *, now: datetime, config: dict) -> None:
    """Run a planned run that is due; do nothing if it is not due yet, or already taken."""
    with write_transaction():
        # A booking.* run is due as soon as it exists; the worker's clock may lag the clock
        # of the server that planned it. A timed run must wait for its instant.
        due = (WorkflowRun.due_at <= now) | WorkflowRun.trigger.in_(BOOKING_TRIGGERS)
        claimed = (
            WorkflowRun.update(status="done", ran_at=now)
            .where((WorkflowRun.id == run_id) & (WorkflowRun.status == "planned") & due)
            .execute()
        )
        if not claimed:
            return
        run = (
            WorkflowRun.select(WorkflowRun, Workflow, Booking, EventType, Schedule, User)
            .join(Workflow)
            .switch(WorkflowRun)
            .join(Booking)
            .join(EventType)
            .join(Schedule)
            .switch(Booking)
            .join(User, on=Booking.host)
            .where(WorkflowRun.id == run_id)
            .get()
        )
        skipped = _reason_to_skip(run, now)
        if skipped:
            status, reason, outcomes = "skipped", skipped, []
        else:
            outcomes = [_act(action, run, now, config) for action in run.workflow.actions]
            failed = any(outcome["error"] for outcome in outcomes)
            status, reason = ("failed", "action_failed") if failed else ("done", "")
        WorkflowRun.update(status=status, reason=reason, actions=outcomes).where(
            WorkflowRun.id == run_id
        ).execute()


def _reason_to_skip(run: WorkflowRun, now: datetime) -> str:
    """Why a run has nothing to do any more ("" if it has)."""
    if not run.workflow.active:
        return "workflow_inactive"
    if run.trigger in TIMED:
        booking = run.booking
        if booking.status != "CONFIRMED":
            return f"booking_{booking.status.lower()}"
        # A reminder planned late (booked less than the offset ahead) still goes out until
        # the booking starts; after that it would only confuse.
        if run.trigger == "before_start" and now >= booking.start_at:
            return "booking_started"
    return ""


def _act(action: dict, run: WorkflowRun, now: datetime, config: dict) -> dict:
    outcome = {"type": action["type"], "emailId": None, "eventId": None, "error": ""}
    if action["type"] == "webhook":
        outcome["eventId"] = _emit(run).id
        return outcome
    recipient = RECIPIENTS[action["type"]]
    booking = run.booking
    template = _template_of(action, run.trigger, recipient)
    try:
        context = placeholders(booking, config)
        subject = templates.render(template.subject, context)
        body = templates.render(template.body, context)
    except Exception as exc:
        # Templates are checked when saved; whatever still fails is logged with the run.
        outcome["error"] = f"The template could not be rendered: {exc}"[:1000]
        return outcome
    person = booking.host if recipient == "host" else None
    message = compose_text(
        organization_id=booking.organization_id,
        booking_id=booking.id,
        to_name=person.name if person else booking.invitee_name,
        to_email=person.email if person else booking.invitee_email,
        subject=subject,
        body=body,
        template=f"workflow_{recipient}",
        sender=config["MAIL_FROM"],
        due=now,
    )
    outcome["emailId"] = message.id
    if message.status == "failed":
        outcome["error"] = message.error
    else:
        work.after_commit(work.SEND_EMAIL, message.id)
    return outcome


def _template_of(action: dict, trigger: str, recipient: str) -> templates.Template:
    given = action.get("template")
    if given:
        return templates.Template(given["subject"], given["body"])
    return templates.default_template(trigger, recipient)


def _emit(run: WorkflowRun):
    workflow = run.workflow
    return events.emit(
        events.WORKFLOW_TRIGGERED,
        workflow.organization_id,
        {
            "workflowId": workflow.id,
            "workflowName": workflow.name,
            "runId": run.id,
            "trigger": run.trigger,
            "dueAt": format_timestamp(run.due_at),
            "booking": BookingSchema().dump(run.booking),
        },
    )


def placeholders(booking: Booking, config: dict) -> dict:
    """What a template's placeholders stand for, for one booking."""
    event_type = booking.event_type
    host_zone = event_type.schedule.timezone
    active = booking.status in ACTIVE_STATUSES
    return {
        "inviteeName": booking.invitee_name,
        "inviteeEmail": booking.invitee_email,
        "eventTypeTitle": event_type.title,
        "startTimeLocal": templates.long_time(booking.start_at, booking.invitee_timezone),
        "startTimeHost": templates.long_time(booking.start_at, host_zone),
        "endTimeLocal": templates.long_time(booking.end_at, booking.invitee_timezone),
        "timezone": booking.invitee_timezone,
        # Nothing is left to manage once a booking is cancelled or declined.
        "manageUrl": manage_url(config["BASE_URL"], booking.id, config["SECRET_KEY"])
        if active
        else "",
        "hostName": booking.host.name,
        "location": (event_type.location or {}).get("value", ""),
    }


def list_runs(
    principal,
    workflow_id: str,
    *,
    status: str | None = None,
    booking_id: str | None = None,
    page: int,
    limit: int,
) -> tuple[Page, dict[str, EmailMessage]]:
    """The workflow's runs, latest due first, and the e-mails their actions created, by id.

    Three queries: the workflow, the page (with its count), the e-mails' states.
    """
    workflow = get_workflow(principal, workflow_id)
    query = WorkflowRun.select().where(WorkflowRun.workflow == workflow.id)
    if status is not None:
        query = query.where(WorkflowRun.status == status)
    if booking_id is not None:
        query = query.where(WorkflowRun.booking == booking_id)
    found = paginate(query.order_by(WorkflowRun.due_at.desc(), WorkflowRun.id.desc()), page, limit)
    ids = [
        outcome["emailId"]
        for run in found.items
        for outcome in run.actions
        if outcome.get("emailId")
    ]
    emails = {}
    if ids:
        emails = {
            message.id: message
            for message in EmailMessage.select(
                EmailMessage.id, EmailMessage.status, EmailMessage.error
            ).where(EmailMessage.id.in_(ids))
        }
    return found, emails
