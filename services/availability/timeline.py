"""Instants as integer microseconds, and a schedule's working time per local date.

The engine computes on integers: an instant is microseconds since the Unix epoch, so
comparisons and arithmetic stay exact and cheap, and datetimes are built only for output.
"""

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from .values import Hours, SlotRules

SECOND = 1_000_000
MINUTE = 60 * SECOND
DAY = 1440 * MINUTE
ONE_DAY = timedelta(days=1)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_EPOCH_ORDINAL = EPOCH.date().toordinal()
_MICROSECOND = timedelta(microseconds=1)

Span = tuple[int, int]


def to_micros(moment: datetime) -> int:
    """Return an aware datetime as microseconds since the epoch."""
    try:
        return (moment - EPOCH) // _MICROSECOND
    except TypeError:
        raise ValueError(f"{moment!r} has no time zone; the engine needs aware ones") from None


def to_datetime(micros: int) -> datetime:
    """Return microseconds since the epoch as an aware UTC datetime."""
    if micros % SECOND == 0:
        return datetime.fromtimestamp(micros // SECOND, UTC)
    return EPOCH + timedelta(microseconds=micros)


def merge(spans: Iterable[Span]) -> list[Span]:
    """Merge spans that overlap or touch; drop empty ones; return them sorted."""
    merged: list[Span] = []
    for start, end in sorted(span for span in spans if span[0] < span[1]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return merged


def _check_minutes(start: int, end: int, where: str) -> None:
    if not 0 <= start <= end <= 1440:
        raise ValueError(f"{where}: minutes {start} to {end} are not an interval within 0..1440")


def check_rules(rules: SlotRules) -> None:
    """Refuse rules the engine cannot compute with (a programming error upstream)."""
    if rules.duration <= 0 or rules.interval <= 0:
        raise ValueError("duration and interval must be positive minutes")
    if min(rules.buffer_before, rules.buffer_after, rules.minimum_notice) < 0:
        raise ValueError("buffers and minimum notice must not be negative")
    if rules.booking_window_days is not None and rules.booking_window_days < 0:
        raise ValueError("booking_window_days must not be negative")
    if rules.max_per_day is not None and rules.max_per_day < 0:
        raise ValueError("max_per_day must not be negative")
    if rules.seats < 1:
        raise ValueError("seats must be at least 1")


class Schedule:
    """Hours compiled for one computation: local intervals per date, converted to UTC.

    A local (date, minute) becomes an instant with ``fold=0``: a time skipped by a change lands
    after the gap, a repeated time means its first occurrence. A date's working time is then
    cut to its *day*, the instants from its midnight to the next one (both converted the same
    way), and merged again, so no instant is ever worked twice. A date the zone skipped
    entirely (Pacific/Apia, 30 December 2011) has an empty day and so no working time.
    """

    def __init__(self, hours: Hours):
        try:
            self.zone = ZoneInfo(hours.timezone)
        except (KeyError, ValueError):
            raise ValueError(f"{hours.timezone!r} is not an IANA time zone") from None
        self.name = hours.timezone
        weekly: list[list[Span]] = [[] for _ in range(7)]
        for weekday, start, end in hours.weekly:
            if weekday not in range(7):
                raise ValueError(f"weekly rule: weekday {weekday} is not within 0..6")
            _check_minutes(start, end, "weekly rule")
            weekly[weekday].append((start, end))
        self._weekly = [merge(spans) for spans in weekly]
        self._overrides: dict[date, list[Span]] = {}
        for day, intervals in hours.overrides.items():
            for start, end in intervals:
                _check_minutes(start, end, f"override of {day}")
            self._overrides[day] = merge(intervals)
        self._midnights: dict[date, int] = {}

    def local_intervals(self, day: date) -> list[Span]:
        """The merged (start_minute, end_minute) intervals the host works on a local date."""
        found = self._overrides.get(day)
        return self._weekly[day.weekday()] if found is None else found

    def to_utc(self, day: date, minute: int) -> int:
        """Convert a local date and minute (1440 = next midnight) with fold=0."""
        if minute == 1440:
            day, minute = day + ONE_DAY, 0
        hour, minute = divmod(minute, 60)
        offset = datetime(day.year, day.month, day.day, hour, minute, tzinfo=self.zone).utcoffset()
        local = (day.toordinal() - _EPOCH_ORDINAL) * DAY + (hour * 60 + minute) * MINUTE
        return local - (offset.days * 86400 + offset.seconds) * SECOND - offset.microseconds

    def midnight(self, day: date) -> int:
        """The instant a local date begins: its 00:00 converted with fold=0."""
        found = self._midnights.get(day)
        if found is None:
            found = self._midnights[day] = self.to_utc(day, 0)
        return found

    def date_of(self, instant: int) -> date:
        """The local date whose day holds an instant."""
        day = to_datetime(instant).astimezone(self.zone).date()
        # Agrees with the wall clock except where a change jumps over midnight; then the day
        # boundaries above decide, so find_slots and explain always agree.
        while instant < self.midnight(day):
            day -= ONE_DAY
        while instant >= self.midnight(day + ONE_DAY):
            day += ONE_DAY
        return day

    def working(self, day: date) -> list[Span]:
        """The disjoint, sorted UTC spans the host works on a local date."""
        local = self.local_intervals(day)
        if not local:
            return []
        first, last = self.midnight(day), self.midnight(day + ONE_DAY)
        return merge(
            (max(self.to_utc(day, start), first), min(self.to_utc(day, end), last))
            for start, end in local
        )

    def stamp(self, instant: int) -> str:
        """An instant as a date and wall-clock time in the schedule's zone."""
        local = to_datetime(instant).astimezone(self.zone)
        return local.strftime("%Y-%m-%d %H:%M" if local.second == 0 else "%Y-%m-%d %H:%M:%S")

    def clock(self, instant: int, day: date) -> str:
        """An instant as the schedule's wall clock reads it: "09:00" on ``day``, else dated."""
        local = to_datetime(instant).astimezone(self.zone)
        text = local.strftime("%H:%M" if local.second == 0 else "%H:%M:%S")
        if local.date() == day:
            return text
        if local.date() == day + ONE_DAY and text == "00:00":
            return "24:00"
        return f"{local.date().isoformat()} {text}"
