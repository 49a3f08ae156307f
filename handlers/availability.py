"""Bookable slots, and why an instant is or is not one."""

from datetime import date

from models import utcnow
from services import calendar
from services.schemas.bookings import AvailabilitySchema, ExplanationSchema
from services.timeutil import parse_timestamp

from .context import principal

AVAILABILITY_SCHEMA = AvailabilitySchema()
EXPLANATION_SCHEMA = ExplanationSchema()


def day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def get_availability(slug: str, timezone: str, start_date=None, end_date=None):
    """List the bookable slots of an event type between two dates."""
    found = calendar.availability(
        principal().organization_id,
        slug,
        timezone,
        day(start_date),
        day(end_date),
        now=utcnow(),
    )
    return AVAILABILITY_SCHEMA.dump(found), 200


def explain_availability(slug: str, time: str):
    """Explain whether a slot could start at an instant, and why not."""
    event_type = calendar.bookable_event_type(slug, principal().organization_id)
    at = parse_timestamp(time, "time")
    explanation = calendar.explain_slot(event_type, at, now=utcnow(), field="time")
    return EXPLANATION_SCHEMA.dump(
        {"event_type_id": event_type.id, "time": at, "explanation": explanation}
    ), 200
