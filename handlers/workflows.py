"""Workflows: reminders, follow-ups and notifications around bookings, and their runs."""

from models import utcnow
from services.schemas.base import page_of
from services.schemas.workflows import WorkflowSchema, runs_page
from services.workflows import definitions, runs

from .context import principal

WORKFLOW_SCHEMA = WorkflowSchema()


def list_workflows(page: int = 1, limit: int = 20):
    """List the organization's workflows, oldest first."""
    found = definitions.list_workflows(principal(), page=page, limit=limit)
    return page_of(found, WORKFLOW_SCHEMA), 200


def create_workflow(body: dict):
    """Create a workflow and plan its runs for the matching bookings ahead."""
    workflow = definitions.create_workflow(principal(), body, now=utcnow())
    return WORKFLOW_SCHEMA.dump(workflow), 201


def get_workflow(workflow_id: str):
    """Return one workflow."""
    return WORKFLOW_SCHEMA.dump(definitions.get_workflow(principal(), workflow_id)), 200


def update_workflow(workflow_id: str, body: dict):
    """Change the given fields of a workflow and re-plan its runs."""
    workflow = definitions.update_workflow(principal(), workflow_id, body, now=utcnow())
    return WORKFLOW_SCHEMA.dump(workflow), 200


def delete_workflow(workflow_id: str):
    """Delete a workflow; its planned runs never happen."""
    definitions.delete_workflow(principal(), workflow_id)
    return None, 204


def list_runs(
    workflow_id: str,
    status: str | None = None,
    booking_id: str | None = None,
    page: int = 1,
    limit: int = 20,
):
    """List a workflow's runs, latest due first, with what each action did."""
    found, emails = runs.list_runs(
        principal(), workflow_id, status=status, booking_id=booking_id, page=page, limit=limit
    )
    return runs_page(found, emails), 200
