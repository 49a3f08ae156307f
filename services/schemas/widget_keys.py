"""Widget keys as the API shows them (the key included: it is public)."""

from marshmallow import Schema, fields

from .base import Timestamp


class WidgetKeySchema(Schema):
    id = fields.String()
    name = fields.String()
    key = fields.String()
    allowed_origins = fields.List(fields.String(), data_key="allowedOrigins")
    event_type_ids = fields.List(fields.String(), data_key="eventTypeIds", allow_none=True)
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")
