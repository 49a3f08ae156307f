"""Workflows and their runs as openapi.yaml shapes them."""

from marshmallow import Schema, fields

from .base import Timestamp, page_of


class TemplateSchema(Schema):
    subject = fields.String()
    body = fields.String()


class ActionSchema(Schema):
    type = fields.String()
    template = fields.Nested(TemplateSchema, allow_none=True)


class WorkflowSchema(Schema):
    id = fields.String()
    name = fields.String()
    active = fields.Boolean()
    trigger = fields.String()
    offset_minutes = fields.Integer(data_key="offsetMinutes", allow_none=True)
    event_type_ids = fields.List(fields.String(), data_key="eventTypeIds")
    actions = fields.List(fields.Nested(ActionSchema))
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")


class WorkflowRunSchema(Schema):
    """A run; ``emails`` (id -> EmailMessage) gives each e-mail action its delivery status."""

    id = fields.String()
    workflow_id = fields.String(data_key="workflowId")
    booking_id = fields.String(data_key="bookingId")
    trigger = fields.String()
    due_at = Timestamp(data_key="dueAt")
    ran_at = Timestamp(data_key="ranAt")
    status = fields.String()
    reason = fields.String()
    actions = fields.Method("outcomes")
    created_at = Timestamp(data_key="createdAt")

    def __init__(self, emails=None, **kwargs):
        super().__init__(**kwargs)
        self.context_emails = emails or {}

    def outcomes(self, run) -> list[dict]:
        emails = self.context_emails
        shown = []
        for outcome in run.actions:
            email_id, event_id = outcome.get("emailId"), outcome.get("eventId")
            error = outcome.get("error", "")
            if outcome["type"] == "webhook":
                status = "emitted" if event_id else "failed"
            elif email_id in emails:
                status = emails[email_id].status
                error = error or emails[email_id].error
            else:
                status = "failed"
            shown.append(
                {
                    "type": outcome["type"],
                    "status": status,
                    "emailId": email_id,
                    "eventId": event_id,
                    "error": error,
                }
            )
        return shown


def runs_page(page, emails: dict) -> dict:
    return page_of(page, WorkflowRunSchema(emails))
