"""The values the availability engine takes and returns."""

from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True)
class Hours:
    """A schedule: when the host works, in the schedule's own time zone.

    ``weekly`` holds ``(weekday, start_minute, end_minute)`` with Monday = 0 and minutes since
    local midnight from 0 to 1440 (1440 is 24:00). ``overrides[d]`` replaces the weekly hours
    of date ``d`` with its own ``(start_minute, end_minute)`` intervals; ``()`` is a day off.
    """

    timezone: str
    weekly: tuple[tuple[int, int, int], ...]
    overrides: dict[date, tuple[tuple[int, int], ...]]


@dataclass(frozen=True)
class SlotRules:
    """What the event type asks of a slot; durations and buffers are in minutes."""

    event_type_id: str
    duration: int
    interval: int
    buffer_before: int = 0
    buffer_after: int = 0
    minimum_notice: int = 0
    booking_window_days: int | None = None
    max_per_day: int | None = None
    seats: int = 1


@dataclass(frozen=True)
class Busy:
    """A CONFIRMED or PENDING booking the host attends, with its own buffers in minutes."""

    start: datetime
    end: datetime
    buffer_before: int = 0
    buffer_after: int = 0
    event_type_id: str | None = None


@dataclass(frozen=True)
class Slot:
    """A bookable slot, in UTC; for several hosts, also those free to take it."""

    start: datetime
    end: datetime
    seats_available: int
    host_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Reason:
    """One reason a slot is not bookable: a stable ``code`` and a sentence for a human."""

    code: str
    detail: str


@dataclass(frozen=True)
class Explanation:
    """Whether a slot is bookable, and every reason it is not."""

    bookable: bool
    reasons: tuple[Reason, ...]
