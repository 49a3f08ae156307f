"""Marshmallow schemas for availability and bookings."""

from zoneinfo import ZoneInfo

from marshmallow import Schema, fields

from .base import Timestamp


class AvailabilitySchema(Schema):
    """Dumps a ``services.calendar.Availability``, slots in its time zone."""

    event_type_id = fields.String(data_key="eventTypeId")
    timezone = fields.String()
    start_date = fields.Date(data_key="startDate")
    end_date = fields.Date(data_key="endDate")
    slots = fields.Method("local_slots")

    def local_slots(self, found) -> list[dict]:
        zone = ZoneInfo(found.timezone)
        slots = []
        end = end_text = None
        for slot in found.slots:
            # Back to back, a slot starts at the previous one's end (the engine hands out
            # the same datetime for both): format it once.
            start_text = end_text if slot.start is end else slot.start.astimezone(zone).isoformat()
            end, end_text = slot.end, slot.end.astimezone(zone).isoformat()
            slots.append(
                {"start": start_text, "end": end_text, "seatsAvailable": slot.seats_available}
            )
        return slots


class ReasonSchema(Schema):
    code = fields.String()
    detail = fields.String()


class ExplanationSchema(Schema):
    event_type_id = fields.String(data_key="eventTypeId")
    time = Timestamp()
    bookable = fields.Boolean(attribute="explanation.bookable")
    reasons = fields.List(fields.Nested(ReasonSchema), attribute="explanation.reasons")


class BookingSchema(Schema):
    id = fields.String()
    status = fields.String()
    start_at = Timestamp(data_key="startTime")
    end_at = Timestamp(data_key="endTime")
    event_type_id = fields.String(data_key="eventTypeId")
    contact_id = fields.String(data_key="contactId")
    invitee_name = fields.String(data_key="inviteeName")
    invitee_email = fields.String(data_key="inviteeEmail")
    invitee_timezone = fields.String(data_key="inviteeTimezone")
    notes = fields.String()
    answers = fields.Dict(keys=fields.String(), values=fields.String())
    # The copy taken when it was booked: {"name", "type", "address"?, "url"?, "phone"?}.
    location = fields.Raw(allow_none=True)
    series_id = fields.String(data_key="seriesId", allow_none=True)
    host_ids = fields.List(fields.String(), data_key="hostIds")
    created_at = Timestamp(data_key="createdAt")
    updated_at = Timestamp(data_key="updatedAt")


class EventTypeRefSchema(Schema):
    id = fields.String()
    title = fields.String()
    slug = fields.String()
    duration_minutes = fields.Integer(data_key="durationMinutes")


class ContactRefSchema(Schema):
    id = fields.String()
    name = fields.String()
    email = fields.String()


class PublicBookingSchema(Schema):
    """What the invitee sees: no internal ids besides the booking's and the event type's."""

    id = fields.String()
    status = fields.String()
    start_at = Timestamp(data_key="startTime")
    end_at = Timestamp(data_key="endTime")
    invitee_name = fields.String(data_key="inviteeName")
    invitee_email = fields.String(data_key="inviteeEmail")
    invitee_timezone = fields.String(data_key="inviteeTimezone")
    notes = fields.String()
    location = fields.Raw(allow_none=True)
    event_type = fields.Nested(EventTypeRefSchema, data_key="eventType")


class HistorySchema(Schema):
    type = fields.String()
    actor = fields.String()
    reason = fields.String()
    previous_start_at = Timestamp(data_key="previousStartTime")
    previous_end_at = Timestamp(data_key="previousEndTime")
    created_at = Timestamp(data_key="createdAt")


class EmailLogSchema(Schema):
    """An e-mail about a booking, without its message."""

    id = fields.String()
    to = fields.String()
    subject = fields.String()
    template = fields.String()
    status = fields.String()
    sent_at = Timestamp(data_key="sentAt")
    error = fields.String()
    created_at = Timestamp(data_key="createdAt")


_BOOKING = BookingSchema()


def created_booking(booking, token: str, url: str) -> dict:
    """A new booking with the invitee's manage token and link, shown this once."""
    return {**_BOOKING.dump(booking), "manageToken": token, "manageUrl": url}


def booking_detail(booking, history, emails) -> dict:
    return {
        **_BOOKING.dump(booking),
        "eventType": EventTypeRefSchema().dump(booking.event_type),
        "contact": ContactRefSchema().dump(booking.contact),
        "emailLogs": EmailLogSchema(many=True).dump(emails),
        "history": HistorySchema(many=True).dump(history),
    }
