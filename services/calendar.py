"""A host's calendar as the availability engine sees it, loaded in a bounded number of queries.

``find_slots`` and ``explain`` (services.availability) compute; this module feeds them:
the schedule as :class:`Hours`, the event type as :class:`SlotRules`, and the host's
confirmed and pending bookings as :class:`Busy` entries. Listing slots or explaining an
instant costs two queries: the event type with its schedule, and the host's bookings.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models import Booking, EventType, Schedule

from .availability import Busy, Explanation, Hours, Slot, SlotRules, explain, find_slots
from .errors import InvalidRequest, NotFound
from .timeutil import require_supported

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_RANGE_DAYS = 62
# Bookings this far around a window can still matter: through their buffers (at most a
# day each) and through the daily cap of a local day the window only partly covers.
_MARGIN = timedelta(days=3)


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def hours_of(schedule: Schedule) -> Hours:
    weekly = tuple(
        (WEEKDAYS.index(day), _minutes(rule["start"]), _minutes(rule["end"]))
        for rule in schedule.rules
        for day in rule["days"]
    )
    overrides = {
        date.fromisoformat(override["date"]): tuple(
            (_minutes(interval["start"]), _minutes(interval["end"]))
            for interval in override["intervals"]
        )
        for override in schedule.overrides
    }
    return Hours(timezone=schedule.timezone, weekly=weekly, overrides=overrides)


def rules_of(event_type: EventType) -> SlotRules:
    return SlotRules(
        event_type_id=event_type.id,
        duration=event_type.duration_minutes,
        interval=event_type.interval,
        buffer_before=event_type.buffer_before_minutes,
        buffer_after=event_type.buffer_after_minutes,
        minimum_notice=event_type.minimum_notice_minutes,
        booking_window_days=event_type.booking_window_days,
        max_per_day=event_type.max_bookings_per_day,
        seats=event_type.seats_per_slot,
    )


def busy_around(host_id: str, start: datetime, end: datetime, exclude: str | None = None):
    """The host's confirmed and pending bookings that can affect slots in [start, end)."""
    query = Booking.blocking(host_id, start - _MARGIN, end + _MARGIN).select(
        Booking.start_at,
        Booking.end_at,
        Booking.buffer_before_minutes,
        Booking.buffer_after_minutes,
        Booking.event_type,
    )
    if exclude is not None:
        query = query.where(Booking.id != exclude)
    # Plain tuples: a busy week holds hundreds of bookings, and models cost far more.
    return [
        Busy(
            start=start_at,
            end=end_at,
            buffer_before=before,
            buffer_after=after,
            event_type_id=event_type_id,
        )
        for start_at, end_at, before, after, event_type_id in query.tuples()
    ]


def bookable_event_type(slug: str, organization_id: str) -> EventType:
    """The organization's active, not deleted event type with this slug, with its schedule."""
    event_type = (
        EventType.live(organization_id)
        .select(EventType, Schedule)
        .join(Schedule)
        .where((EventType.slug == slug) & EventType.active)
        .first()
    )
    if event_type is None:
        raise NotFound(f"No active event type with slug '{slug}'.", details={"slug": slug})
    return event_type


def day_range(timezone: str, start_date: date | None, end_date: date | None, now: datetime):
    """Resolve the requested dates (inclusive, in ``timezone``) to a UTC window."""
    zone = ZoneInfo(timezone)
    start_date = start_date or now.astimezone(zone).date()
    end_date = end_date or start_date + timedelta(days=6)
    if end_date < start_date:
        raise InvalidRequest(
            "endDate lies before startDate.", details={"endDate": "must not be before startDate"}
        )
    if (end_date - start_date).days >= MAX_RANGE_DAYS:
        raise InvalidRequest(
            f"The date range may span at most {MAX_RANGE_DAYS} days.",
            details={"endDate": f"at most {MAX_RANGE_DAYS - 1} days after startDate"},
        )
    start = datetime.combine(start_date, time(), zone)
    end = datetime.combine(end_date + timedelta(days=1), time(), zone)
    require_supported(start, "startDate")
    require_supported(end, "endDate")
    return start_date, end_date, start, end


@dataclass(frozen=True)
class Availability:
    event_type_id: str
    timezone: str
    start_date: date
    end_date: date
    slots: list[Slot]


def availability(organization_id, slug, timezone, start_date, end_date, *, now) -> Availability:
    """The bookable slots of an event type between two dates of ``timezone``."""
    event_type = bookable_event_type(slug, organization_id)
    return availability_of(event_type, timezone, start_date, end_date, now=now)


def availability_of(event_type: EventType, timezone, start_date, end_date, *, now) -> Availability:
    start_date, end_date, start, end = day_range(timezone, start_date, end_date, now)
    busy = busy_around(event_type.owner_id, start, end)
    slots = find_slots(
        hours_of(event_type.schedule), rules_of(event_type), busy, start=start, end=end, now=now
    )
    return Availability(event_type.id, timezone, start_date, end_date, slots)


def explain_slot(
    event_type: EventType, at: datetime, *, now, exclude=None, field="startTime"
) -> Explanation:
    """Why a slot of ``event_type`` starting at ``at`` is or is not bookable now."""
    require_supported(at, field)
    end = at + timedelta(minutes=event_type.duration_minutes)
    busy = busy_around(event_type.owner_id, at, end, exclude)
    return explain(hours_of(event_type.schedule), rules_of(event_type), busy, at=at, now=now)
