"""Workflows: create, change and delete them, checked whole before they are saved.

Saving a workflow re-plans its runs for the bookings still ahead in the same transaction
(see planning.sync_workflow), so a reminder added today covers tomorrow's meetings too.
"""

from datetime import datetime

from models import Workflow, db, write_transaction

from ..errors import RuleViolation
from ..lookup import oldest_first, owned, require_event_types
from ..pagination import Page, paginate
from ..text import clean_name
from . import planning, templates


def list_workflows(principal, *, page: int, limit: int) -> Page:
    """The organization's workflows, oldest first."""
    return paginate(oldest_first(Workflow, principal.organization_id), page, limit)


def get_workflow(principal, workflow_id: str) -> Workflow:
    """A workflow of the caller's organization; NotFound for any other id."""
    return owned(Workflow, workflow_id, principal.organization_id, "workflow")


def create_workflow(principal, body: dict, *, now: datetime) -> Workflow:
    """Save a new workflow and plan its runs for the matching bookings ahead."""
    fields = _checked(
        principal.organization_id, body, offset_given=body.get("offsetMinutes") is not None
    )
    with write_transaction():
        workflow = Workflow.create(
            organization=principal.organization_id, created_at=now, updated_at=now, **fields
        )
        planning.sync_workflow(workflow, now=now)
    return workflow


def update_workflow(principal, workflow_id: str, body: dict, *, now: datetime) -> Workflow:
    """Change the fields given; the planned runs follow the new trigger, offset and filter.

    Switching to a ``booking.*`` trigger drops the offset unless the body sends one (a 422);
    switching to a timed trigger needs one, sent now or kept from before.
    """
    with write_transaction():
        workflow = get_workflow(principal, workflow_id)
        current = {
            "name": workflow.name,
            "active": workflow.active,
            "trigger": workflow.trigger,
            "offsetMinutes": workflow.offset_minutes,
            "eventTypeIds": workflow.event_type_ids,
            "actions": workflow.actions,
        }
        merged = {**current, **body}
        if "offsetMinutes" not in body and merged["trigger"] not in planning.TIMED:
            merged["offsetMinutes"] = None
        fields = _checked(
            principal.organization_id,
            merged,
            offset_given=body.get("offsetMinutes") is not None,
            known_event_types=set(current["eventTypeIds"]),
        )
        Workflow.update(updated_at=now, **fields).where(Workflow.id == workflow.id).execute()
        workflow = Workflow.get_by_id(workflow.id)
        planning.sync_workflow(workflow, now=now)
    return workflow


def delete_workflow(principal, workflow_id: str) -> None:
    """Delete the workflow with its runs; the planned ones never happen."""
    workflow = get_workflow(principal, workflow_id)
    with db.atomic():
        workflow.delete_instance()


def _checked(
    organization_id: str, body: dict, *, offset_given: bool, known_event_types=frozenset()
) -> dict:
    """The columns to store, once every rule the schema cannot say holds (else a 422)."""
    trigger = body["trigger"]
    offset = body.get("offsetMinutes")
    if trigger in planning.TIMED and offset is None:
        raise _invalid(
            "invalid_offset",
            "offsetMinutes",
            "is required for before_start and after_end",
            f"offsetMinutes is required for the trigger {trigger}.",
        )
    if trigger not in planning.TIMED and offset_given:
        raise _invalid(
            "invalid_offset",
            "offsetMinutes",
            "is only for before_start and after_end",
            f"The trigger {trigger} takes no offsetMinutes.",
        )
    event_type_ids = list(dict.fromkeys(body.get("eventTypeIds") or []))
    _check_event_types(organization_id, event_type_ids, known_event_types)
    actions = [_action(index, action) for index, action in enumerate(body["actions"])]
    _check_templates(actions)
    return {
        "name": clean_name(body["name"], "name"),
        "active": body.get("active", True),
        "trigger": trigger,
        "offset_minutes": offset,
        "event_type_ids": event_type_ids,
        "actions": actions,
    }


def _check_event_types(organization_id: str, event_type_ids: list[str], known) -> None:
    """Refuse ids that are no event type of the organization's (as widget keys do).

    Ids the workflow already had stay accepted after their event type is deleted, so an
    unrelated change does not fail on them.
    """
    require_event_types(
        organization_id,
        [event_type_id for event_type_id in event_type_ids if event_type_id not in known],
    )


def _action(index: int, action: dict) -> dict:
    template = action.get("template")
    if action["type"] == "webhook" and template is not None:
        raise _invalid(
            "invalid_action",
            f"actions[{index}].template",
            "only e-mail actions have a template",
            f"actions[{index}]: a webhook action sends the workflow.triggered event, "
            "not a template.",
        )
    if template is not None:
        template = {"subject": template["subject"], "body": template["body"]}
    return {"type": action["type"], "template": template}


def _check_templates(actions: list[dict]) -> None:
    """Refuse every template that could not be sent, naming each field and its problem."""
    problems = {
        f"actions[{index}].template.{part}": found
        for index, action in enumerate(actions)
        if action["template"] is not None
        for part in ("subject", "body")
        if (found := templates.problem(action["template"][part]))
    }
    if problems:
        summary = "; ".join(f"{field}: {message}" for field, message in problems.items())
        raise RuleViolation(
            f"Invalid template: {summary}", code="invalid_template", details=problems
        )


def _invalid(code: str, field: str, detail: str, message: str) -> RuleViolation:
    return RuleViolation(message, code=code, details={field: detail})
