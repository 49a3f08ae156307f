"""Marshmallow schemas for schedules and event types, in the shapes openapi.yaml gives them."""

from marshmallow import Schema, fields

from services.locations import type_of

from .base import Timestamp


class ScheduleSchema(Schema):
    id = fields.String()
    name = fields.String()
    timezone = fields.String()
    # Stored as the validated request gave them (overrides sorted by date).
    rules = fields.Raw()
    overrides = fields.Raw()
    is_default = fields.Boolean(data_key="isDefault")
    owner_id = fields.String(data_key="ownerId")
    created_at = Timestamp(data_key="createdAt")


class EventTypeSchema(Schema):
    id = fields.String()
    title = fields.String()
    slug = fields.String()
    description = fields.String()
    duration_minutes = fields.Integer(data_key="durationMinutes")
    location = fields.Raw(allow_none=True)
    saved_location_id = fields.String(data_key="locationId", allow_none=True)
    short_code = fields.String(data_key="shortCode", allow_none=True)
    schedule_id = fields.String(data_key="scheduleId")
    owner_id = fields.String(data_key="ownerId")
    host_ids = fields.List(fields.String(), data_key="hostIds")
    assignment = fields.String()
    buffer_before_minutes = fields.Integer(data_key="bufferBeforeMinutes")
    buffer_after_minutes = fields.Integer(data_key="bufferAfterMinutes")
    minimum_notice_minutes = fields.Integer(data_key="minimumNoticeMinutes")
    booking_window_days = fields.Integer(data_key="bookingWindowDays")
    slot_interval_minutes = fields.Integer(data_key="slotIntervalMinutes", allow_none=True)
    max_bookings_per_day = fields.Integer(data_key="maxBookingsPerDay", allow_none=True)
    seats_per_slot = fields.Integer(data_key="seatsPerSlot")
    requires_confirmation = fields.Boolean(data_key="requiresConfirmation")
    active = fields.Boolean()
    questions = fields.Raw()
    price = fields.Function(
        lambda event_type: (
            None
            if event_type.price_amount is None
            else {"amount": event_type.price_amount, "currency": event_type.price_currency}
        )
    )
    tax_id = fields.String(data_key="taxId", allow_none=True)
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")
    deleted_at = Timestamp(data_key="deletedAt")


class PublicEventTypeSchema(Schema):
    """What an invitee may see of an event type: nothing about schedules or owners."""

    id = fields.String()
    slug = fields.String()
    title = fields.String()
    description = fields.String()
    duration_minutes = fields.Integer(data_key="durationMinutes")
    location_type = fields.Function(type_of, data_key="locationType")
    requires_confirmation = fields.Boolean(data_key="requiresConfirmation")
    seats_per_slot = fields.Integer(data_key="seatsPerSlot")
    questions = fields.List(fields.Dict())
