"""explain: every reason one slot start is or is not bookable, for humans and for support."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .timeline import MINUTE, Schedule, Span, check_rules, to_micros
from .values import Busy, Explanation, Hours, Reason, SlotRules

# Time ranges in details are joined with an en dash, as in print: 09:00 to 17:00.
DASH = "\u2013"


def _hours_text(schedule: Schedule, day: date, spans: list[Span]) -> str:
    return ", ".join(
        f"{schedule.clock(start, day)}{DASH}{schedule.clock(end, day)}" for start, end in spans
    )


def _hours_reasons(schedule: Schedule, rules: SlotRules, day: date, at: int) -> list[Reason]:
    zone = schedule.name
    spans = schedule.working(day)
    if not spans:
        return [Reason("day_off", f"{day.isoformat()} is a day off ({zone}).")]
    duration, step = rules.duration * MINUTE, rules.interval * MINUTE
    for start, end in spans:
        if start <= at and at + duration <= end:
            if (at - start) % step == 0:
                return []
            return [
                Reason(
                    "not_a_slot_start",
                    f"Slots on {day.isoformat()} start every {rules.interval} minutes from "
                    f"{schedule.clock(start, day)} ({zone}); "
                    f"{schedule.clock(at, day)} is not one of them.",
                )
            ]
    return [
        Reason(
            "outside_hours",
            f"Working hours on {day.isoformat()} are {_hours_text(schedule, day, spans)} "
            f"({zone}); a {rules.duration}-minute slot from {schedule.clock(at, day)} "
            "does not fit.",
        )
    ]


def _booking_reasons(
    schedule: Schedule, rules: SlotRules, busy: Sequence[Busy], day: date, at: int
) -> list[Reason]:
    """Conflicts with other bookings, the daily limit and the seats, checked one by one."""
    end = at + rules.duration * MINUTE
    before, after = rules.buffer_before * MINUTE, rules.buffer_after * MINUTE
    seated = rules.seats > 1
    taken = same_day = 0
    on_core = on_buffer = None
    for booking in busy:
        if booking.buffer_before < 0 or booking.buffer_after < 0:
            raise ValueError(f"{booking!r} has a negative buffer")
        start, stop = to_micros(booking.start), to_micros(booking.end)
        ours = booking.event_type_id == rules.event_type_id
        if ours and rules.max_per_day is not None and schedule.date_of(start) == day:
            same_day += 1
        if seated and ours and (start, stop) == (at, end):
            taken += 1
            continue
        wide_start = start - booking.buffer_before * MINUTE
        wide_stop = stop + booking.buffer_after * MINUTE
        cores_meet = start < stop and start < end and at < stop
        buffers_meet = (wide_start < wide_stop and wide_start < end and at < wide_stop) or (
            start < stop and start < end + after and at - before < stop
        )
        if cores_meet:
            on_core = on_core or (start, stop)
        elif buffers_meet:
            on_buffer = on_buffer or (start, stop)
    zone = schedule.name
    reasons = []
    if on_core:
        reasons.append(
            Reason("busy", f"Another booking takes {_when(schedule, on_core)} ({zone}).")
        )
    if on_buffer:
        reasons.append(
            Reason(
                "buffer",
                f"The buffer time around the booking at {_when(schedule, on_buffer)} "
                f"({zone}) overlaps this slot.",
            )
        )
    if rules.max_per_day is not None and same_day >= rules.max_per_day:
        reasons.append(
            Reason(
                "daily_limit",
                f"The daily limit of {_bookings(rules.max_per_day)} is reached on "
                f"{day.isoformat()} ({zone}).",
            )
        )
    if seated and taken >= rules.seats:
        reasons.append(Reason("full", f"All {rules.seats} seats of this slot are taken."))
    return reasons


def _bookings(count: int) -> str:
    return f"{count} booking" if count == 1 else f"{count} bookings"


def _when(schedule: Schedule, span: Span) -> str:
    start, end = span
    day = schedule.date_of(start)
    return f"{schedule.clock(start, day)}{DASH}{schedule.clock(end, day)} on {day.isoformat()}"


def _shared_reasons(schedule: Schedule, rules: SlotRules, at: int, now: int) -> list[Reason]:
    """What holds for every host alike: working hours, notice, booking window."""
    day = schedule.date_of(at)
    zone = schedule.name
    reasons = _hours_reasons(schedule, rules, day, at)
    earliest = now + rules.minimum_notice * MINUTE
    if at < earliest:
        if rules.minimum_notice:
            detail = (
                f"Bookings need {rules.minimum_notice} minutes' notice; the earliest start is "
                f"{schedule.stamp(earliest)} ({zone})."
            )
        else:
            detail = f"This start has passed; it is now {schedule.stamp(now)} ({zone})."
        reasons.append(Reason("minimum_notice", detail))
    if rules.booking_window_days is not None:
        last = schedule.date_of(now) + timedelta(days=rules.booking_window_days)
        if day > last:
            reasons.append(
                Reason(
                    "beyond_window",
                    f"Bookings open {rules.booking_window_days} days ahead; the last bookable "
                    f"date is {last.isoformat()} ({zone}).",
                )
            )
    return reasons


def explain(
    hours: Hours,
    rules: SlotRules,
    busy: Sequence[Busy],
    *,
    at: datetime,
    now: datetime,
) -> Explanation:
    """Why a slot of one host starting at `at` is or is not bookable; agrees with find_slots."""
    return explain_team(hours, rules, {"": busy}, at=at, now=now).combined(every=True)


def _keep(reasons, only) -> tuple[Reason, ...]:
    return tuple(reason for reason in reasons if only is None or reason.code in only)


@dataclass(frozen=True)
class TeamExplanation:
    """Why a slot start is or is not bookable, for each of several hosts sharing hours.

    ``shared`` holds what applies to every host alike (hours, notice, window); ``hosts``
    each host's own reasons (other bookings, buffers, its daily limit, seats), in the order
    the hosts were given. ``only`` restricts every question to some reason codes (a forced
    booking minds only "busy" and "full").
    """

    shared: tuple[Reason, ...]
    hosts: tuple[tuple[str, tuple[Reason, ...]], ...]

    def free_hosts(self, only: frozenset[str] | None = None) -> tuple[str, ...]:
        """The hosts nothing stops from taking the slot."""
        if _keep(self.shared, only):
            return ()
        return tuple(host for host, reasons in self.hosts if not _keep(reasons, only))

    def combined(self, *, every: bool, only: frozenset[str] | None = None) -> Explanation:
        """One verdict: every host must be free (``every``), or any one host.

        The reasons are the shared ones and those of each host that is not free; with
        several hosts, a host's reasons name it.
        """
        shared = _keep(self.shared, only)
        blocked = [(host, _keep(reasons, only)) for host, reasons in self.hosts]
        blocked = [(host, reasons) for host, reasons in blocked if reasons]
        if not every and len(blocked) < len(self.hosts):
            blocked = []
        named = len(self.hosts) > 1
        reasons = shared + tuple(
            Reason(reason.code, f"Host {host}: {reason.detail}") if named else reason
            for host, host_reasons in blocked
            for reason in host_reasons
        )
        return Explanation(bookable=not reasons, reasons=reasons)


def explain_team(
    hours: Hours,
    rules: SlotRules,
    busy_by_host: Mapping[str, Sequence[Busy]],
    *,
    at: datetime,
    now: datetime,
) -> TeamExplanation:
    """Every reason a slot starting at `at` is or is not bookable, host by host.

    Agrees with find_team_slots: a start is among its slots exactly when the combined
    verdict for the same ``every`` is bookable.
    """
    check_rules(rules)
    if not busy_by_host:
        raise ValueError("a team needs at least one host")
    schedule = Schedule(hours)
    at_micros, now_micros = to_micros(at), to_micros(now)
    day = schedule.date_of(at_micros)
    return TeamExplanation(
        shared=tuple(_shared_reasons(schedule, rules, at_micros, now_micros)),
        hosts=tuple(
            (host, tuple(_booking_reasons(schedule, rules, busy, day, at_micros)))
            for host, busy in busy_by_host.items()
        ),
    )
