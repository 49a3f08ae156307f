"""What the booking widget reads with a public widget key."""

from models import utcnow
from services import catalog
from services.schemas.base import page_of
from services.schemas.bookings import AvailabilitySchema
from services.schemas.scheduling import PublicEventTypeSchema

from .availability import day
from .context import widget

AVAILABILITY_SCHEMA = AvailabilitySchema()
PUBLIC_EVENT_TYPE_SCHEMA = PublicEventTypeSchema()


def list_event_types(page: int = 1, limit: int = 20):
    """List the event types the widget key shows."""
    return page_of(
        catalog.event_types(widget(), page=page, limit=limit), PUBLIC_EVENT_TYPE_SCHEMA
    ), 200


def get_event_type(slug: str):
    """Return what the booking form needs to know about an event type."""
    return PUBLIC_EVENT_TYPE_SCHEMA.dump(catalog.event_type(widget(), slug)), 200


def get_availability(slug: str, timezone: str, start_date=None, end_date=None):
    """List the bookable slots of an event type the widget key shows."""
    found = catalog.availability(
        widget(), slug, timezone, day(start_date), day(end_date), now=utcnow()
    )
    return AVAILABILITY_SCHEMA.dump(found), 200
