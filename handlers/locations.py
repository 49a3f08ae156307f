"""Saved locations: where meetings happen, shared by event types."""

from models import utcnow
from services import locations
from services.schemas.base import page_of
from services.schemas.locations import LocationSchema

from .context import principal

LOCATION_SCHEMA = LocationSchema()


def list_locations(page: int = 1, limit: int = 20):
    """List the organization's locations by name."""
    found = locations.list_locations(principal().organization_id, page=page, limit=limit)
    return page_of(found, LOCATION_SCHEMA), 200


def create_location(body: dict):
    """Save a location for event types to use."""
    location = locations.create_location(principal().organization_id, body, now=utcnow())
    return LOCATION_SCHEMA.dump(location), 201


def get_location(location_id: str):
    """Return a location."""
    location = locations.get_location(principal().organization_id, location_id)
    return LOCATION_SCHEMA.dump(location), 200


def update_location(location_id: str, body: dict):
    """Change the given fields of a location."""
    location = locations.update_location(
        principal().organization_id, location_id, body, now=utcnow()
    )
    return LOCATION_SCHEMA.dump(location), 200


def delete_location(location_id: str):
    """Delete a location that no event type uses."""
    locations.delete_location(principal().organization_id, location_id)
    return None, 204
