"""Booking without a key, and the invitee's own links."""

from flask import current_app

from models import utcnow
from services import bookings
from services.schemas.bookings import PublicBookingSchema, created_booking
from services.timeutil import parse_timestamp

from .context import secret_key, widget

PUBLIC_BOOKING_SCHEMA = PublicBookingSchema()


def invitee_of(body: dict) -> bookings.Invitee:
    return bookings.Invitee(
        name=body["inviteeName"],
        email=body["inviteeEmail"],
        timezone=body["inviteeTimezone"],
        notes=body.get("notes", ""),
        answers=body.get("answers", {}),
    )


def create_booking(body: dict):
    """Book a slot for an invitee, if it is still free."""
    key = widget()
    booking, token = bookings.book(
        body["eventTypeId"],
        invitee_of(body),
        parse_timestamp(body["startTime"], "startTime"),
        actor=bookings.INVITEE,
        now=utcnow(),
        secret=secret_key(),
        organization_id=key.organization_id if key else None,
        only=key.event_type_ids if key else None,
    )
    url = bookings.manage_url(current_app.config["BASE_URL"], booking.id, secret_key())
    return created_booking(booking, token, url), 201


def get_booking(booking_id: str, token: str):
    """Show the invitee their booking."""
    return PUBLIC_BOOKING_SCHEMA.dump(bookings.for_invitee(booking_id, token, secret_key())), 200


def cancel_booking(booking_id: str, token: str, body: dict | None = None):
    """Cancel the invitee's booking."""
    booking = bookings.for_invitee(booking_id, token, secret_key())
    cancelled = bookings.cancel(
        booking, actor=bookings.INVITEE, reason=(body or {}).get("reason", "")
    )
    return PUBLIC_BOOKING_SCHEMA.dump(cancelled), 200


def reschedule_booking(booking_id: str, token: str, body: dict):
    """Move the invitee's booking to another free slot."""
    moved = bookings.reschedule(
        bookings.for_invitee(booking_id, token, secret_key()),
        parse_timestamp(body["startTime"], "startTime"),
        actor=bookings.INVITEE,
        now=utcnow(),
        reason=body.get("reason", ""),
    )
    return PUBLIC_BOOKING_SCHEMA.dump(moved), 200
