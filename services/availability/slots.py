"""find_slots: every bookable slot of a window, from sorted busy time and bisection."""

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from .timeline import MINUTE, ONE_DAY, Schedule, check_rules, to_datetime, to_micros
from .values import Busy, Hours, Slot, SlotRules


class BusyIndex:
    """The host's bookings, sorted once, answering "how many seats are left at [s, e)?".

    Four sorted lists: starts and ends of the bookings' cores, and of the cores widened by each
    booking's own buffers. The number of intervals overlapping a query [x, y) is the number
    starting before y minus the number ending at or before x: two bisections per list.
    """

    def __init__(self, busy: Sequence[Busy], rules: SlotRules):
        self.seats = rules.seats
        self.before = rules.buffer_before * MINUTE
        self.after = rules.buffer_after * MINUTE
        core_starts, core_ends, wide_starts, wide_ends = [], [], [], []
        takers: Counter[tuple[int, int]] = Counter()
        seated = rules.seats > 1
        for booking in busy:
            if booking.buffer_before < 0 or booking.buffer_after < 0:
                raise ValueError(f"{booking!r} has a negative buffer")
            start, end = to_micros(booking.start), to_micros(booking.end)
            if start < end:
                core_starts.append(start)
                core_ends.append(end)
            wide_start = start - booking.buffer_before * MINUTE
            wide_end = end + booking.buffer_after * MINUTE
            if wide_start < wide_end:
                wide_starts.append(wide_start)
                wide_ends.append(wide_end)
            if seated and start < end and booking.event_type_id == rules.event_type_id:
                takers[start, end] += 1
        for values in (core_starts, core_ends, wide_starts, wide_ends):
            values.sort()
        self._core_starts, self._core_ends = core_starts, core_ends
        self._wide_starts, self._wide_ends = wide_starts, wide_ends
        self._takers = takers

    def seats_available(self, start: int, end: int) -> int:
        """Seats left for a slot [start, end); 0 when a booking or its buffer is in the way."""
        # A seat-taker has exactly the slot's core, so it is counted once in each overlap.
        taken = self._takers.get((start, end), 0) if self._takers else 0
        widened = bisect_left(self._wide_starts, end) - bisect_right(self._wide_ends, start)
        cores = bisect_left(self._core_starts, end + self.after) - bisect_right(
            self._core_ends, start - self.before
        )
        if widened > taken or cores > taken:
            return 0
        return max(self.seats - taken, 0)


def _bookings_per_day(busy: Sequence[Busy], event_type_id: str, midnights: list[int]) -> list[int]:
    """Count the event type's bookings starting on each day between consecutive midnights."""
    counts = [0] * (len(midnights) - 1)
    for booking in busy:
        if booking.event_type_id == event_type_id:
            index = bisect_right(midnights, to_micros(booking.start)) - 1
            if 0 <= index < len(counts):
                counts[index] += 1
    return counts


def _window(schedule: Schedule, rules: SlotRules, start: datetime, end: datetime, now: datetime):
    """The local dates to look at and the bounds of slot starts: (days, earliest, stop)."""
    now_at = to_micros(now)
    earliest = max(to_micros(start), now_at + rules.minimum_notice * MINUTE)
    stop = to_micros(end)
    if earliest >= stop:
        return [], earliest, stop
    first_day, last_day = schedule.date_of(earliest), schedule.date_of(stop - 1)
    if rules.booking_window_days is not None:
        window_end = schedule.date_of(now_at) + timedelta(days=rules.booking_window_days)
        last_day = min(last_day, window_end)
    if first_day > last_day:
        return [], earliest, stop
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    return days, earliest, stop


def _open_starts(
    schedule: Schedule, rules: SlotRules, busy: Sequence[Busy], days, earliest: int, stop: int
) -> list[tuple[int, int]]:
    """(start, seats left) of every bookable slot of one host, sorted by start."""
    full_days: set[int] = set()
    if rules.max_per_day is not None:
        midnights = [schedule.midnight(day) for day in days]
        midnights.append(schedule.midnight(days[-1] + ONE_DAY))
        counts = _bookings_per_day(busy, rules.event_type_id, midnights)
        full_days = {n for n, count in enumerate(counts) if count >= rules.max_per_day}
    index = BusyIndex(busy, rules)
    duration, step = rules.duration * MINUTE, rules.interval * MINUTE
    found = []
    for n, day in enumerate(days):
        if n in full_days:
            continue
        for work_start, work_end in schedule.working(day):
            first = work_start
            if first < earliest:
                first += -((work_start - earliest) // step) * step
            for slot_start in range(first, min(work_end - duration, stop - 1) + 1, step):
                seats = index.seats_available(slot_start, slot_start + duration)
                if seats:
                    found.append((slot_start, seats))
    return found


def find_slots(
    hours: Hours,
    rules: SlotRules,
    busy: Sequence[Busy],
    *,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[Slot]:
    """Bookable slots of one host whose start lies in [start, end), sorted by start."""
    check_rules(rules)
    schedule = Schedule(hours)
    days, earliest, stop = _window(schedule, rules, start, end, now)
    if not days:
        return []
    duration = rules.duration * MINUTE
    slots = []
    end = end_micros = None
    for slot_start, seats in _open_starts(schedule, rules, busy, days, earliest, stop):
        # Back to back, a slot starts at the previous one's end: one datetime for both.
        start = end if slot_start == end_micros else to_datetime(slot_start)
        end_micros = slot_start + duration
        end = to_datetime(end_micros)
        slots.append(Slot(start=start, end=end, seats_available=seats))
    return slots


def find_team_slots(
    hours: Hours,
    rules: SlotRules,
    busy_by_host: Mapping[str, Sequence[Busy]],
    *,
    every: bool,
    start: datetime,
    end: datetime,
    now: datetime,
) -> list[Slot]:
    """Bookable slots of several hosts sharing ``hours``, sorted by start.

    ``every=True`` (collective): a slot is open when every host is free; its seats are the
    fewest any host has left. ``every=False`` (round robin): a slot is open when any host is
    free; its seats add up over the free hosts. ``Slot.host_ids`` names the free hosts in
    the order of ``busy_by_host``.
    """
    check_rules(rules)
    if not busy_by_host:
        raise ValueError("a team needs at least one host")
    schedule = Schedule(hours)
    days, earliest, stop = _window(schedule, rules, start, end, now)
    if not days:
        return []
    open_by_host = {
        host: dict(_open_starts(schedule, rules, busy, days, earliest, stop))
        for host, busy in busy_by_host.items()
    }
    if every:
        first, *others = open_by_host.values()
        starts = [at for at in first if all(at in other for other in others)]
    else:
        starts = sorted(set().union(*open_by_host.values()))
    duration = rules.duration * MINUTE
    slots = []
    for slot_start in starts:
        free = [
            (host, seats[slot_start]) for host, seats in open_by_host.items() if slot_start in seats
        ]
        counts = [seats for _, seats in free]
        slots.append(
            Slot(
                start=to_datetime(slot_start),
                end=to_datetime(slot_start + duration),
                seats_available=min(counts) if every else sum(counts),
                host_ids=tuple(host for host, _ in free),
            )
        )
    return slots
