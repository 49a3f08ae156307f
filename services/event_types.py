"""Event types: what can be booked and who hosts it, with unique slugs and short codes, soft
deletion and restore.

An event type has 1 to 20 hosts, members of its organization, and an assignment: ``single``
(exactly one host), ``round_robin`` (any free host takes a booking) or ``collective`` (every
host attends). Seats beyond one need a single host: group slots are not split across hosts.
"""

from datetime import datetime

from peewee import IntegrityError, fn

from models import EventType, EventTypeHost, Location, Schedule, User, db

from .billing.money import require_currency
from .billing.taxes import referenced_tax
from .errors import Conflict, NotFound, RuleViolation
from .lookup import owned
from .organizations import slugify
from .pagination import Page, paginate
from .schedules import default_schedule_of
from .text import clean_name

# API field name -> EventType column, for the fields a client may set.
COLUMNS = {
    "title": "title",
    "slug": "slug",
    "description": "description",
    "durationMinutes": "duration_minutes",
    "location": "location",
    "locationId": "saved_location",
    "shortCode": "short_code",
    "scheduleId": "schedule",
    "bufferBeforeMinutes": "buffer_before_minutes",
    "bufferAfterMinutes": "buffer_after_minutes",
    "minimumNoticeMinutes": "minimum_notice_minutes",
    "bookingWindowDays": "booking_window_days",
    "slotIntervalMinutes": "slot_interval_minutes",
    "maxBookingsPerDay": "max_bookings_per_day",
    "seatsPerSlot": "seats_per_slot",
    "requiresConfirmation": "requires_confirmation",
    "active": "active",
    "questions": "questions",
    "taxId": "tax",
    "assignment": "assignment",
}

ACTIVE_FILTERS = {"true": True, "false": False, "all": None}


def _invalid_question(field: str, message: str, detail: str) -> RuleViolation:
    return RuleViolation(f"{field}: {message}", code="invalid_question", details={field: detail})


def check_questions(questions: list[dict]) -> list[dict]:
    """Refuse options where they make no sense and reused ids; return them as stored."""
    seen: dict[str, int] = {}
    stored = []
    for index, question in enumerate(questions):
        path, has_options = f"questions[{index}]", "options" in question
        if question["type"] == "select" and not has_options:
            raise _invalid_question(
                f"{path}.options",
                "a select question needs options.",
                "required for select questions",
            )
        if question["type"] != "select" and has_options:
            raise _invalid_question(
                f"{path}.options",
                "only select questions have options.",
                "allowed only for select questions",
            )
        if question["id"] in seen:
            first = f"questions[{seen[question['id']]}]"
            raise _invalid_question(
                f"{path}.id",
                f"'{question['id']}' is already the id of {first}.",
                f"duplicates {first}.id",
            )
        seen[question["id"]] = index
        stored.append({**question, "required": question.get("required", False)})
    return stored


def _price_columns(price: dict | None) -> dict:
    if price is None:
        return {"price_amount": None, "price_currency": None}
    currency = require_currency(price["currency"], "price.currency")
    return {"price_amount": price["amount"], "price_currency": currency}


def _columns(principal, fields: dict) -> dict:
    """Turn API fields (camelCase) into column values, checking what the schema cannot."""
    values = {COLUMNS[name]: value for name, value in fields.items() if name in COLUMNS}
    if "price" in fields:
        values.update(_price_columns(fields["price"]))
    if "title" in values:
        values["title"] = clean_name(values["title"], "title")
    if "questions" in values:
        values["questions"] = check_questions(values["questions"])
    if values.get("location") is not None and values.get("saved_location") is not None:
        raise RuleViolation(
            "Give either location or locationId, not both.",
            code="conflicting_locations",
            details={"locationId": "cannot be given with location"},
        )
    # An event type has one location at most: setting either kind clears the other.
    if values.get("location") is not None:
        values["saved_location"] = None
    elif values.get("saved_location") is not None:
        values["saved_location"] = _location_of(principal, values["saved_location"])
        values["location"] = None
    return values


def _location_of(principal, location_id: str) -> Location:
    location = Location.get_or_none(
        (Location.id == location_id) & (Location.organization == principal.organization_id)
    )
    if location is None:
        raise _unknown_location(location_id)
    return location


def _unknown_location(location_id: str) -> RuleViolation:
    return RuleViolation(
        f"No location with id '{location_id}' in this organization.",
        code="unknown_location",
        details={"locationId": "no such location"},
    )


def _schedule_of(principal, schedule_id: str | None) -> Schedule:
    if schedule_id is None:
        schedule = default_schedule_of(principal.user_id)
        if schedule is None:
            raise RuleViolation(
                "The calling key's user has no default schedule: pass scheduleId, "
                "or create a schedule first.",
                code="unknown_schedule",
                details={"scheduleId": "required: the host has no default schedule"},
            )
        return schedule
    schedule = Schedule.get_or_none(
        (Schedule.id == schedule_id) & (Schedule.organization == principal.organization_id)
    )
    if schedule is None:
        raise RuleViolation(
            f"No schedule with id '{schedule_id}' in this organization.",
            code="unknown_schedule",
            details={"scheduleId": "no such schedule"},
        )
    return schedule


def _hosts(principal, host_ids: list[str]) -> tuple[str, ...]:
    """The given hosts, each a member of the caller's organization."""
    members = {
        user.id
        for user in User.select(User.id).where(
            User.id.in_(host_ids) & (User.organization == principal.organization_id)
        )
    }
    unknown = {
        f"hostIds[{index}]": "no such member"
        for index, host_id in enumerate(host_ids)
        if host_id not in members
    }
    if unknown:
        missing = ", ".join(host_id for host_id in host_ids if host_id not in members)
        raise RuleViolation(
            f"No member with id {missing} in this organization.",
            code="unknown_host",
            details=unknown,
        )
    return tuple(host_ids)


def _check_hosting(assignment: str, host_ids: tuple[str, ...], seats: int) -> None:
    """Refuse a host list the assignment cannot use, and seats split across hosts."""
    if assignment == "single" and len(host_ids) != 1:
        raise RuleViolation(
            f"A single-host event type needs exactly one host, not {len(host_ids)}; "
            "choose round_robin or collective for several.",
            code="invalid_hosts",
            details={"hostIds": "exactly one host for assignment single"},
        )
    if seats > 1 and len(host_ids) > 1:
        raise RuleViolation(
            "Group slots (seatsPerSlot above 1) need a single host.",
            code="invalid_hosts",
            details={"seatsPerSlot": "must be 1 when there are several hosts"},
        )


def _slug_taken(organization_id: str, slug: str, *, besides: str | None = None) -> bool:
    query = EventType.live(organization_id).where(EventType.slug == slug)
    if besides is not None:
        query = query.where(EventType.id != besides)
    return query.exists()


def _slug_conflict(slug: str, hint: str = "") -> Conflict:
    return Conflict(
        f"Another event type already uses the slug '{slug}'{hint}.",
        code="slug_taken",
        details={"slug": "already used"},
    )


def _derived_slug(organization_id: str, title: str) -> str:
    """A slug from the title, suffixed -2, -3… past the slugs live event types use."""
    # slugify cuts at 60 characters, which can leave a trailing hyphen.
    base = slugify(title, "event").rstrip("-")
    taken = {
        event_type.slug
        for event_type in EventType.live(organization_id)
        .select(EventType.slug)
        .where(EventType.slug.startswith(base))
    }
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def _short_code_taken(short_code: str | None, *, besides: str | None = None) -> bool:
    """Whether any event type of the installation, deleted ones too, has this code in any case."""
    if short_code is None:
        return False
    query = EventType.select().where(fn.LOWER(EventType.short_code) == short_code.lower())
    if besides is not None:
        query = query.where(EventType.id != besides)
    return query.exists()


def _short_code_conflict(short_code: str) -> Conflict:
    return Conflict(
        f"The short code '{short_code}' is taken (short codes ignore case).",
        code="short_code_taken",
        details={"shortCode": "already used"},
    )


def _save(event_type: EventType, host_ids=None, **options) -> EventType:
    """Write the row (and a new host list); a slug or short code a concurrent request took
    first is a 409, and a location deleted meanwhile a 422."""
    try:
        with db.atomic():
            event_type.save(**options)
            if host_ids is not None:
                EventTypeHost.replace(event_type.id, host_ids)
                event_type._host_ids = tuple(host_ids)
    except IntegrityError:
        # Outside the rolled-back transaction: the row that won, or the deletion, is visible.
        if _slug_taken(event_type.organization_id, event_type.slug, besides=event_type.id):
            raise _slug_conflict(event_type.slug) from None
        if _short_code_taken(event_type.short_code, besides=event_type.id):
            raise _short_code_conflict(event_type.short_code) from None
        location_id = event_type.saved_location_id
        if (
            location_id is not None
            and not Location.select().where(Location.id == location_id).exists()
        ):
            raise _unknown_location(location_id) from None
        raise
    return event_type


def list_event_types(principal, *, active: str, page: int, limit: int) -> Page:
    """Live event types of the organization, oldest first: active ones, inactive ones or all."""
    query = EventType.live(principal.organization_id).order_by(EventType.created_at, EventType.id)
    wanted = ACTIVE_FILTERS[active]
    if wanted is not None:
        query = query.where(EventType.active == wanted)
    found = paginate(query, page, limit)
    EventType.with_hosts(found.items)
    return found


def get_event_type(principal, event_type_id: str) -> EventType:
    """An event type of the organization, deleted ones included; NotFound for any other id."""
    return owned(EventType, event_type_id, principal.organization_id, "event type")


def _get_live(principal, event_type_id: str) -> EventType:
    event_type = get_event_type(principal, event_type_id)
    if event_type.deleted_at is not None:
        raise NotFound(
            f"Event type '{event_type_id}' is deleted; restore it first.",
            details={"id": event_type_id},
        )
    return event_type


def create_event_type(principal, fields: dict) -> EventType:
    """Create an event type from API ``fields`` (camelCase); the caller's user owns it.

    Its hosts default to that user alone.
    """
    values = _columns(principal, fields)
    organization_id = principal.organization_id
    host_ids = _hosts(principal, fields.get("hostIds", [principal.user_id]))
    _check_hosting(values.get("assignment", "single"), host_ids, values.get("seats_per_slot", 1))
    values["schedule"] = _schedule_of(principal, values.get("schedule"))
    if values.get("tax") is not None:
        values["tax"] = referenced_tax(organization_id, values["tax"])
    if "slug" not in values:
        values["slug"] = _derived_slug(organization_id, values["title"])
    elif _slug_taken(organization_id, values["slug"]):
        raise _slug_conflict(values["slug"])
    if _short_code_taken(values.get("short_code")):
        raise _short_code_conflict(values["short_code"])
    event_type = EventType(organization=organization_id, owner=principal.user_id, **values)
    return _save(event_type, host_ids, force_insert=True)


def update_event_type(principal, event_type_id: str, fields: dict, *, now: datetime) -> EventType:
    """Change the API ``fields`` given; ``null`` clears the nullable ones."""
    event_type = _get_live(principal, event_type_id)
    values = _columns(principal, fields)
    host_ids = _hosts(principal, fields["hostIds"]) if "hostIds" in fields else None
    _check_hosting(
        values.get("assignment", event_type.assignment),
        host_ids or event_type.host_ids,
        values.get("seats_per_slot", event_type.seats_per_slot),
    )
    if "schedule" in values:
        values["schedule"] = _schedule_of(principal, values["schedule"])
    if values.get("tax") is not None:
        values["tax"] = referenced_tax(principal.organization_id, values["tax"])
    if "slug" in values and _slug_taken(
        principal.organization_id, values["slug"], besides=event_type.id
    ):
        raise _slug_conflict(values["slug"])
    if _short_code_taken(values.get("short_code"), besides=event_type.id):
        raise _short_code_conflict(values["short_code"])
    for column, value in values.items():
        setattr(event_type, column, value)
    event_type.updated_at = now
    return _save(event_type, host_ids)


def delete_event_type(principal, event_type_id: str, *, now: datetime) -> None:
    """Soft-delete: the event type leaves every list and frees its slug; bookings keep it.

    Its short code stays reserved, so a link already shared can never lead elsewhere.
    """
    event_type = _get_live(principal, event_type_id)
    event_type.deleted_at = event_type.updated_at = now
    _save(event_type)


def restore_event_type(principal, event_type_id: str, *, now: datetime) -> EventType:
    """Undo a deletion, unless a live event type took the slug meanwhile."""
    event_type = get_event_type(principal, event_type_id)
    if event_type.deleted_at is None:
        return event_type
    if _slug_taken(principal.organization_id, event_type.slug):
        raise _slug_conflict(event_type.slug, "; change that one's slug first")
    event_type.deleted_at = None
    event_type.updated_at = now
    return _save(event_type)
