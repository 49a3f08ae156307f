"""Saved locations, and where a booking happens: the copy it keeps and how it reads.

A location's type names the detail it cannot do without: an address in person, a URL for
a video call, a number for a phone call; a custom location is its name alone. Event types
point at a location, or carry one inline ({"type", "value"}); either way, a booking keeps a
copy taken when it is made, so editing or deleting the location later rewrites no booking.
"""

from datetime import datetime

from peewee import IntegrityError, fn

from models import EventType, Location, db

from .errors import Conflict, RuleViolation
from .lookup import owned
from .pagination import Page, paginate
from .text import clean_name

# The detail each type needs; custom needs none.
DETAIL_OF = {"in_person": "address", "video": "url", "phone": "phone"}
DETAILS = ("address", "url", "phone")
KIND_LABELS = {"video": "Video call", "phone": "Phone", "in_person": "In person", "custom": ""}
# The name of an inline custom location that has no text.
CUSTOM_NAME = "Custom location"


def _check_detail(location: Location) -> None:
    needed = DETAIL_OF.get(location.type)
    if needed is not None and not getattr(location, needed):
        raise RuleViolation(
            f"Locations of type {location.type} need {'an' if needed == 'address' else 'a'} "
            f"{needed}.",
            code="location_detail_required",
            details={needed: f"required for {location.type} locations"},
        )


def _apply(location: Location, fields: dict) -> None:
    for name, value in fields.items():
        if name == "name":
            value = clean_name(value, "name")
        elif name in DETAILS:
            # Blank is the same as absent.
            value = (value or "").strip() or None
        setattr(location, name, value)
    _check_detail(location)


def list_locations(organization_id: str, *, page: int, limit: int) -> Page:
    """The organization's locations by name (ignoring case), then id."""
    query = (
        Location.select()
        .where(Location.organization == organization_id)
        .order_by(fn.LOWER(Location.name), Location.id)
    )
    return paginate(query, page, limit)


def get_location(organization_id: str, location_id: str) -> Location:
    return owned(Location, location_id, organization_id, "location")


def create_location(organization_id: str, fields: dict, *, now: datetime) -> Location:
    """Save a location from API ``fields``; its type's detail is required."""
    location = Location(organization=organization_id, created_at=now, updated_at=now)
    _apply(location, fields)
    location.save(force_insert=True)
    return location


def update_location(organization_id: str, location_id: str, fields: dict, *, now) -> Location:
    """Change the fields given (``null`` clears a detail); the result must still be complete.

    Event types that use the location show the change at once; bookings keep their copy.
    """
    location = get_location(organization_id, location_id)
    _apply(location, fields)
    location.updated_at = now
    location.save()
    return location


def _in_use(location: Location) -> Conflict:
    users = [
        event_type.id
        for event_type in EventType.live(location.organization_id)
        .select(EventType.id)
        .where(EventType.saved_location == location.id)
        .order_by(EventType.created_at, EventType.id)
    ]
    return Conflict(
        f"Location '{location.id}' is used by {len(users)} event type(s); give them another "
        "location first.",
        code="location_in_use",
        details={"eventTypeIds": users},
    )


def delete_location(organization_id: str, location_id: str) -> None:
    """Delete a location no live event type uses; deleted event types let go of it.

    Bookings keep their copy of it.
    """
    location = get_location(organization_id, location_id)
    try:
        with db.atomic():
            EventType.update(saved_location=None).where(
                (EventType.saved_location == location.id) & EventType.deleted_at.is_null(False)
            ).execute()
            # The foreign key refuses while a live event type points here, even one that
            # a concurrent request has just pointed here.
            location.delete_instance()
    except IntegrityError:
        raise _in_use(location) from None


# What a booking keeps


def _from_saved(location: Location) -> dict:
    snapshot = {"name": location.name, "type": location.type}
    for detail in DETAILS:
        if getattr(location, detail):
            snapshot[detail] = getattr(location, detail)
    return snapshot


def _from_inline(inline: dict) -> dict:
    kind, value = inline["type"], inline.get("value") or ""
    if kind == "custom":
        return {"name": value or CUSTOM_NAME, "type": kind}
    snapshot = {"name": KIND_LABELS[kind], "type": kind}
    if value:
        snapshot[DETAIL_OF[kind]] = value
    return snapshot


def snapshot_of(event_type: EventType) -> dict | None:
    """Where a booking of this event type happens, as the booking keeps it; None: nowhere."""
    if event_type.saved_location_id is not None:
        return _from_saved(event_type.saved_location)
    if event_type.location:
        return _from_inline(event_type.location)
    return None


def type_of(event_type: EventType) -> str | None:
    """The kind of place an event type's bookings happen in, for those who have not booked."""
    if event_type.saved_location_id is not None:
        return event_type.saved_location.type
    return (event_type.location or {}).get("type")


def kind_label(kind: str | None) -> str:
    """``Video call``, ``Phone``, ``In person``; nothing for custom locations."""
    return KIND_LABELS.get(kind or "", "")


def _named(snapshot: dict) -> list[str]:
    # A name that only repeats the kind ("Video call") tells nothing more.
    name = snapshot["name"]
    return [name] if name != kind_label(snapshot["type"]) else []


def details_text(snapshot: dict | None) -> str:
    """The name and details after the kind: ``Acme HQ, Main St 1, Berlin``."""
    if not snapshot:
        return ""
    return ", ".join(_named(snapshot) + [snapshot[d] for d in DETAILS if snapshot.get(d)])


def describe(snapshot: dict | None) -> str:
    """``In person: Acme HQ, Main St 1, Berlin``, for pages and e-mails."""
    if not snapshot:
        return ""
    return ": ".join(
        part for part in (kind_label(snapshot["type"]), details_text(snapshot)) if part
    )


def calendar_text(snapshot: dict | None) -> str:
    """A calendar event's LOCATION: the address, the link or the number calendars act on."""
    if not snapshot:
        return ""
    kind = snapshot["type"]
    if kind == "in_person":
        return ", ".join(
            _named(snapshot) + ([snapshot["address"]] if "address" in snapshot else [])
        )
    detail = snapshot.get(DETAIL_OF.get(kind, ""))
    return detail or ", ".join(_named(snapshot))
