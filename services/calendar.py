"""The hosts' calendars as the availability engine sees them, loaded in a bounded number of queries.

``find_slots``, ``find_team_slots`` and ``explain_team`` (services.availability) compute;
this module feeds them: the schedule as :class:`Hours`, the event type as :class:`SlotRules`,
and each host's confirmed and pending bookings (every booking the host attends, of any event
type, from ``booking_host``) as :class:`Busy` entries. Listing slots or explaining an instant
costs three queries whatever the number of hosts: the event type with its schedule, its
hosts, and the hosts' bookings.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from models import BookingHost, EventType, Prepared, Schedule
from models.booking import LONGEST_BOOKING

from .availability import (
    Busy,
    Explanation,
    Hours,
    Slot,
    SlotRules,
    TeamExplanation,
    explain_team,
    find_slots,
    find_team_slots,
)
from .errors import InvalidRequest, NotFound
from .timeutil import require_supported, require_supported_day

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_RANGE_DAYS = 62
# Bookings this far around a window can still matter: through their buffers (at most a
# day each) and through the daily cap of a local day the window only partly covers.
_MARGIN = timedelta(days=3)
# Around one slot of an event type without a daily cap, only buffers reach (openapi.yaml
# caps both the event type's and so the bookings' at 1440 minutes).
_BUFFER_MARGIN = timedelta(minutes=1440)


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


def _busy_query(value, hosts: int, excluding: bool):
    query = BookingHost.blocking(
        value.many("host_ids", hosts, BookingHost.host),
        value("start", BookingHost.start_at),
        value("end", BookingHost.end_at),
        value("earliest_start", BookingHost.start_at),
    ).select(
        BookingHost.host,
        BookingHost.start_at,
        BookingHost.end_at,
        BookingHost.buffer_before_minutes,
        BookingHost.buffer_after_minutes,
        BookingHost.event_type,
    )
    if excluding:
        query = query.where(BookingHost.booking != value("exclude", BookingHost.booking))
    # Plain tuples: a busy week holds hundreds of bookings, and models cost far more.
    return query.tuples()


_BUSY = Prepared(_busy_query)


def busy_around(
    host_ids, start: datetime, end: datetime, exclude: str | None = None, margin=_MARGIN
) -> dict[str, list[Busy]]:
    """Each host's confirmed and pending bookings within ``margin`` of [start, end).

    The default margin holds every booking that can affect slots in [start, end). One
    query for all hosts; the result has a (possibly empty) list for every host given, in
    the order given.
    """
    busy: dict[str, list[Busy]] = {host_id: [] for host_id in host_ids}
    start, end = start - margin, end + margin
    rows = _BUSY.rows(
        len(busy),
        exclude is not None,
        host_ids=list(busy),
        start=start,
        end=end,
        earliest_start=start - LONGEST_BOOKING,
        exclude=exclude,
    )
    for host_id, start_at, end_at, before, after, event_type_id in rows:
        busy[host_id].append(
            Busy(
                start=start_at,
                end=end_at,
                buffer_before=before,
                buffer_after=after,
                event_type_id=event_type_id,
            )
        )
    return busy


_BOOKABLE_BY_SLUG = Prepared(
    lambda value: (
        EventType.live(value("organization_id", EventType.organization))
        .select(EventType, Schedule)
        .join(Schedule)
        .where((EventType.slug == value("slug", EventType.slug)) & EventType.active)
        .limit(1)
    )
)


def bookable_event_type(slug: str, organization_id: str) -> EventType:
    """The organization's active, not deleted event type with this slug, with its schedule."""
    event_type = _BOOKABLE_BY_SLUG.first(organization_id=organization_id, slug=slug)
    if event_type is None:
        raise NotFound(f"No active event type with slug '{slug}'.", details={"slug": slug})
    return event_type


def day_range(timezone: str, start_date: date | None, end_date: date | None, now: datetime):
    """Resolve the requested dates (inclusive, in ``timezone``) to a UTC window."""
    zone = ZoneInfo(timezone)
    start_date = start_date or now.astimezone(zone).date()
    require_supported_day(start_date, "startDate")
    if end_date is not None:
        require_supported_day(end_date, "endDate")
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
    """The slots of ``event_type``: one host's, or its hosts' combined by its assignment.

    Round robin offers a slot when any host is free, collective only when all are.
    """
    start_date, end_date, start, end = day_range(timezone, start_date, end_date, now)
    hosts = sorted(event_type.host_ids)
    busy = busy_around(hosts, start, end)
    hours, rules = hours_of(event_type.schedule), rules_of(event_type)
    if len(hosts) == 1:
        slots = find_slots(hours, rules, busy[hosts[0]], start=start, end=end, now=now)
    else:
        every = event_type.assignment == "collective"
        slots = find_team_slots(hours, rules, busy, every=every, start=start, end=end, now=now)
    return Availability(event_type.id, timezone, start_date, end_date, slots)


def explain_hosts(
    event_type: EventType, at: datetime, *, host_ids, now, exclude=None, field="startTime"
) -> TeamExplanation:
    """Host by host, why a slot of ``event_type`` starting at ``at`` is or is not bookable.

    ``host_ids`` are examined in the order given; ``exclude`` leaves one booking out of
    the busy time (the booking being moved or confirmed).
    """
    require_supported(at, field)
    end = at + timedelta(minutes=event_type.duration_minutes)
    # A busy day of a host is hundreds of bookings: read the whole local day around the
    # slot only when a daily cap counts them.
    capped = event_type.max_bookings_per_day is not None
    busy = busy_around(host_ids, at, end, exclude, _MARGIN if capped else _BUFFER_MARGIN)
    return explain_team(hours_of(event_type.schedule), rules_of(event_type), busy, at=at, now=now)


def explain_slot(event_type: EventType, at: datetime, *, now, field="startTime") -> Explanation:
    """Why a slot of ``event_type`` starting at ``at`` is or is not bookable now.

    Round robin: bookable when any host is free; single and collective: when all are.
    """
    team = explain_hosts(event_type, at, host_ids=sorted(event_type.host_ids), now=now, field=field)
    return team.combined(every=event_type.assignment != "round_robin")
