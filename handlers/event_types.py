"""Event types: what can be booked, for how long, under which rules."""

from models import utcnow
from services import event_types
from services.schemas.base import page_of
from services.schemas.scheduling import EventTypeSchema

from .context import principal

EVENT_TYPE_SCHEMA = EventTypeSchema()


def list_event_types(active: str = "true", page: int = 1, limit: int = 20):
    """List the organization's event types that are not deleted, oldest first."""
    found = event_types.list_event_types(principal(), active=active, page=page, limit=limit)
    return page_of(found, EVENT_TYPE_SCHEMA), 200


def create_event_type(body: dict):
    """Create an event type hosted by the calling key's user."""
    return EVENT_TYPE_SCHEMA.dump(event_types.create_event_type(principal(), body)), 201


def get_event_type(event_type_id: str):
    """Return an event type, deleted or not."""
    return EVENT_TYPE_SCHEMA.dump(event_types.get_event_type(principal(), event_type_id)), 200


def update_event_type(event_type_id: str, body: dict):
    """Change the given fields of an event type."""
    event_type = event_types.update_event_type(principal(), event_type_id, body, now=utcnow())
    return EVENT_TYPE_SCHEMA.dump(event_type), 200


def delete_event_type(event_type_id: str):
    """Soft-delete an event type, freeing its slug."""
    event_types.delete_event_type(principal(), event_type_id, now=utcnow())
    return None, 204


def restore_event_type(event_type_id: str):
    """Bring a deleted event type back."""
    event_type = event_types.restore_event_type(principal(), event_type_id, now=utcnow())
    return EVENT_TYPE_SCHEMA.dump(event_type), 200
