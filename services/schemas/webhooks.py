"""Marshmallow schemas for webhook endpoints and their deliveries, as openapi.yaml shapes them."""

from marshmallow import Schema, fields

from .base import Timestamp


class WebhookSchema(Schema):
    """An endpoint without its secret, which only creation and rotation show."""

    id = fields.String()
    url = fields.String()
    events = fields.List(fields.String())
    description = fields.String()
    active = fields.Boolean()
    disabled_reason = fields.String(data_key="disabledReason")
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")


class WebhookDeliverySchema(Schema):
    id = fields.String()
    event_id = fields.String(data_key="eventId")
    event_type = fields.Function(lambda delivery: delivery.event.type, data_key="eventType")
    status = fields.String()
    attempts = fields.Integer()
    last_response_status = fields.Integer(data_key="lastResponseStatus", allow_none=True)
    last_error = fields.String(data_key="lastError")
    last_duration_ms = fields.Integer(data_key="lastDurationMs", allow_none=True)
    next_attempt_at = Timestamp(data_key="nextAttemptAt")
    delivered_at = Timestamp(data_key="deliveredAt")
    created_at = Timestamp(data_key="createdAt")


class WebhookAttemptSchema(Schema):
    started_at = Timestamp(data_key="startedAt")
    duration_ms = fields.Integer(data_key="durationMs")
    response_status = fields.Integer(data_key="responseStatus", allow_none=True)
    error = fields.String()


def with_secret(endpoint, secret: str) -> dict:
    return {**WebhookSchema().dump(endpoint), "secret": secret}


def delivery_detail(delivery, attempts) -> dict:
    return {
        **WebhookDeliverySchema().dump(delivery),
        "attemptLog": WebhookAttemptSchema(many=True).dump(attempts),
    }
