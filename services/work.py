"""Work that follows a commit: webhook deliveries, e-mails, dispatching events, workflow runs.

The database is the record of what is to be done; a job queue only makes it happen
soon. Services ask for work with :func:`after_commit`, which the app binds to its queue;
without a queue, or if the queue loses a job (a worker killed mid-task), :func:`due`
finds the work again and the sweeper enqueues it. Every unit of work is claimed before it
runs, with a lease (``locked_until``) or, for a workflow run, by a conditional update in the
transaction that does it, so running one twice is harmless.
"""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from models import DomainEvent, EmailMessage, WebhookDelivery, WorkflowRun, db

logger = logging.getLogger("slotwise.work")

# Kinds of work, each named after the job that does it.
DISPATCH_EVENT = "dispatch_event"
DELIVER_WEBHOOK = "deliver_webhook"
SEND_EMAIL = "send_email"
RUN_WORKFLOW = "run_workflow"

_submit: Callable[[str, str, datetime | None], None] | None = None


def bind(submit: Callable[[str, str, datetime | None], None] | None) -> None:
    """Route work to a queue: ``submit(kind, object_id, eta)``; None to stop."""
    global _submit
    _submit = submit


def after_commit(kind: str, object_id: str, eta: datetime | None = None) -> None:
    """Submit the work once the current transaction commits (at once outside one)."""

    def submit():
        if _submit is None:
            return
        try:
            _submit(kind, object_id, eta)
        except Exception:
            # The commit stands; the sweeper will find this work and submit it again.
            logger.exception("Could not enqueue %s %s", kind, object_id)

    db.after_commit(submit)


def claim(model, object_id: str, now: datetime, lease: timedelta):
    """Take the lease on a pending, due row; None if another worker holds it or it is done."""
    taken = (
        model.update(locked_until=now + lease)
        .where(
            (model.id == object_id)
            & (model.status == "pending")
            & (model.next_attempt_at <= now)
            & (model.locked_until.is_null() | (model.locked_until <= now))
        )
        .execute()
    )
    return model.get_by_id(object_id) if taken else None


def due(now: datetime, *, stale_after: timedelta) -> list[tuple[str, str]]:
    """Work that should have run by now and is not held by a live worker."""
    events = DomainEvent.select(DomainEvent.id).where(
        DomainEvent.dispatched_at.is_null() & (DomainEvent.created_at <= now - stale_after)
    )
    found = [(DISPATCH_EVENT, event.id) for event in events]
    for kind, model in ((DELIVER_WEBHOOK, WebhookDelivery), (SEND_EMAIL, EmailMessage)):
        rows = model.select(model.id).where(
            (model.status == "pending")
            & (model.next_attempt_at <= now - stale_after)
            & (model.locked_until.is_null() | (model.locked_until <= now))
        )
        found += [(kind, row.id) for row in rows]
    # A run holds no lease: it is claimed and finished in one transaction. Any planned run
    # that is due was either lost by the queue or is about to run; running it twice is a
    # no-op, so no grace period is needed and a lost reminder is late by a sweep at most.
    runs = WorkflowRun.select(WorkflowRun.id).where(
        (WorkflowRun.status == "planned") & (WorkflowRun.due_at <= now)
    )
    found += [(RUN_WORKFLOW, run.id) for run in runs]
    return found
