"""Marshmallow schema for saved locations, in the shape openapi.yaml gives them."""

from marshmallow import Schema, fields

from .base import Timestamp


class LocationSchema(Schema):
    id = fields.String()
    name = fields.String()
    type = fields.String()
    address = fields.String(allow_none=True)
    url = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    notes = fields.String()
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")
