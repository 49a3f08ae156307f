"""What a widget key shows invitees: the bookable event types and their slots."""

from models import EventType, Schedule

from . import calendar
from .errors import NotFound
from .pagination import Page, paginate
from .widget_keys import WidgetPrincipal


def _shown(widget: WidgetPrincipal):
    query = EventType.live(widget.organization_id).where(EventType.active)
    if widget.event_type_ids is not None:
        query = query.where(EventType.id.in_(widget.event_type_ids))
    return query


def event_types(widget: WidgetPrincipal, *, page: int, limit: int) -> Page:
    return paginate(_shown(widget).order_by(EventType.title, EventType.id), page, limit)


def event_type(widget: WidgetPrincipal, slug: str) -> EventType:
    """The key's active event type with this slug, with its schedule."""
    found = (
        _shown(widget)
        .select(EventType, Schedule)
        .join(Schedule)
        .where(EventType.slug == slug)
        .first()
    )
    if found is None:
        raise NotFound(f"No bookable event type with slug '{slug}'.", details={"slug": slug})
    return found


def availability(widget: WidgetPrincipal, slug, timezone, start_date, end_date, *, now):
    return calendar.availability_of(
        event_type(widget, slug), timezone, start_date, end_date, now=now
    )
