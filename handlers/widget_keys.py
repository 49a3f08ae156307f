"""Public widget keys."""

from models import utcnow
from services import widget_keys
from services.schemas.base import page_of
from services.schemas.widget_keys import WidgetKeySchema

from .context import principal

WIDGET_KEY_SCHEMA = WidgetKeySchema()


def list_widget_keys(page: int = 1, limit: int = 20):
    """List the organization's widget keys."""
    found = widget_keys.search(principal().organization_id, page=page, limit=limit)
    return page_of(found, WIDGET_KEY_SCHEMA), 200


def create_widget_key(body: dict):
    """Issue a public key for the booking widget."""
    key = widget_keys.create(
        principal().organization_id,
        name=body["name"],
        allowed_origins=body.get("allowedOrigins", []),
        event_type_ids=body.get("eventTypeIds"),
    )
    return WIDGET_KEY_SCHEMA.dump(key), 201


def get_widget_key(widget_key_id: str):
    """Return one widget key."""
    return WIDGET_KEY_SCHEMA.dump(widget_keys.get(principal().organization_id, widget_key_id)), 200


def update_widget_key(widget_key_id: str, body: dict):
    """Rename a widget key or change what it allows."""
    key = widget_keys.update(principal().organization_id, widget_key_id, body, now=utcnow())
    return WIDGET_KEY_SCHEMA.dump(key), 200


def revoke_widget_key(widget_key_id: str):
    """Revoke a widget key at once."""
    widget_keys.revoke(principal().organization_id, widget_key_id, now=utcnow())
    return None, 204
