"""Properties of the availability engine over random schedules, rules, bookings and windows.

The checks restate the rules independently of the engine (working time converted with plain
zoneinfo, conflicts as overlap arithmetic on datetimes) rather than reusing its helpers.
"""

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from services.availability import Busy, Hours, Slot, SlotRules, explain, find_slots

ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Sao_Paulo",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Apia",
]
# Days on which one of the zones changes its clocks, so that examples often straddle one.
CHANGE_DAYS = [
    ("Europe/Berlin", date(2026, 3, 29)),
    ("Europe/Berlin", date(2026, 10, 25)),
    ("America/New_York", date(2026, 3, 8)),
    ("America/New_York", date(2026, 11, 1)),
    ("America/Sao_Paulo", date(2018, 2, 17)),
    ("America/Sao_Paulo", date(2018, 11, 4)),
    ("Australia/Lord_Howe", date(2026, 4, 5)),
    ("Australia/Lord_Howe", date(2026, 10, 4)),
    ("Pacific/Apia", date(2011, 12, 30)),
    ("Pacific/Apia", date(2020, 9, 27)),
]
OTHER_ZONES = [
    UTC,
    ZoneInfo("Asia/Tokyo"),
    ZoneInfo("America/Los_Angeles"),
    timezone(timedelta(hours=-9, minutes=-30)),
]
EVENT_TYPE = "evt_a"
FAST = settings(max_examples=150, deadline=None)


@dataclass(frozen=True)
class Scenario:
    hours: Hours
    rules: SlotRules
    busy: tuple[Busy, ...]
    start: datetime
    end: datetime
    now: datetime

    def slots(self, **changes) -> list[Slot]:
        window = {"start": self.start, "end": self.end, "now": self.now, **changes}
        return find_slots(self.hours, self.rules, list(self.busy), **window)

    def explain(self, at: datetime):
        return explain(self.hours, self.rules, list(self.busy), at=at, now=self.now)

    def local_date(self, instant: datetime) -> date:
        return instant.astimezone(ZoneInfo(self.hours.timezone)).date()


@st.composite
def intervals(draw) -> tuple[int, int]:
    start = draw(st.integers(0, 287)) * 5
    length = draw(
        st.sampled_from([60, 120, 240, 480, 1440]) | st.integers(1, 144).map(lambda n: n * 5)
    )
    return start, min(1440, start + length)


@st.composite
def scenarios(draw) -> Scenario:
    zone, day = draw(
        st.one_of(
            st.sampled_from(CHANGE_DAYS),
            st.tuples(st.sampled_from(ZONES), st.dates(date(2012, 1, 1), date(2030, 12, 31))),
        )
    )
    working_days = draw(st.sets(st.integers(0, 6), min_size=4))
    weekly = tuple(
        (weekday, start, end)
        for weekday in sorted(working_days)
        for start, end in draw(st.lists(intervals(), min_size=1, max_size=3))
    )
    nearby_days = [day + timedelta(days=n) for n in range(-1, 4)]
    overrides = draw(
        st.dictionaries(
            st.sampled_from(nearby_days),
            st.lists(intervals(), max_size=3).map(tuple),
            max_size=3,
        )
    )
    duration = draw(st.sampled_from([15, 20, 30, 45, 60, 90]))
    rules = SlotRules(
        event_type_id=EVENT_TYPE,
        duration=duration,
        interval=draw(st.sampled_from([10, 15, 20, 30, 60])),
        buffer_before=draw(st.sampled_from([0, 5, 10, 30])),
        buffer_after=draw(st.sampled_from([0, 5, 10, 30])),
        minimum_notice=draw(st.sampled_from([0, 0, 15, 60, 600])),
        booking_window_days=draw(st.none() | st.integers(0, 4)),
        max_per_day=draw(st.one_of(st.none(), st.none(), st.integers(0, 3))),
        seats=draw(st.integers(1, 3)),
    )
    hours = Hours(timezone=zone, weekly=weekly, overrides=overrides)
    midnight = datetime.combine(day, time(), tzinfo=ZoneInfo(zone)).astimezone(UTC)
    start = midnight + timedelta(minutes=draw(st.integers(-600, 600)))
    end = start + timedelta(
        minutes=draw(st.sampled_from([1440, 2 * 1440, 3 * 1440]) | st.integers(60, 3 * 1440))
    )
    now = start + timedelta(
        minutes=draw(st.integers(-2 * 1440, 180)), seconds=draw(st.sampled_from([0, 0, 30]))
    )

    # Bookings at free slots become seat-takers or exact conflicts; the rest fall anywhere.
    free = find_slots(hours, replace(rules, max_per_day=None), [], start=start, end=end, now=now)
    busy = []
    if free:
        for slot in draw(st.lists(st.sampled_from(free), max_size=6)):
            busy.append(
                Busy(
                    start=slot.start,
                    end=slot.end,
                    buffer_before=draw(st.sampled_from([0, 0, 10])),
                    buffer_after=draw(st.sampled_from([0, 0, 10])),
                    event_type_id=draw(st.sampled_from([EVENT_TYPE, EVENT_TYPE, "evt_b"])),
                )
            )
    for _ in range(draw(st.integers(0, 6))):
        booked = start + timedelta(minutes=5 * draw(st.integers(-150, 3 * 288)))
        busy.append(
            Busy(
                start=booked,
                end=booked + timedelta(minutes=draw(st.sampled_from([0, 15, 30, 60, 240]))),
                buffer_before=draw(st.sampled_from([0, 5, 30])),
                buffer_after=draw(st.sampled_from([0, 5, 30])),
                event_type_id=draw(st.sampled_from([EVENT_TYPE, "evt_b", None])),
            )
        )
    return Scenario(hours, rules, tuple(busy), start, end, now)


def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    """Whether two non-empty half-open spans share an instant."""
    return start < end and other_start < other_end and start < other_end and other_start < end


def is_seat_taker(scenario: Scenario, slot: Slot, booking: Busy) -> bool:
    return (
        scenario.rules.seats > 1
        and booking.event_type_id == scenario.rules.event_type_id
        and (booking.start, booking.end) == (slot.start, slot.end)
    )


def working_time(hours: Hours, day: date) -> list[tuple[datetime, datetime]]:
    """A date's working intervals, each end converted with zoneinfo's default fold=0."""
    zone = ZoneInfo(hours.timezone)
    if day in hours.overrides:
        local = hours.overrides[day]
    else:
        local = [(start, end) for weekday, start, end in hours.weekly if weekday == day.weekday()]
    midnight = datetime.combine(day, time())
    return [
        (
            (midnight + timedelta(minutes=start)).replace(tzinfo=zone).astimezone(UTC),
            (midnight + timedelta(minutes=end)).replace(tzinfo=zone).astimezone(UTC),
        )
        for start, end in local
    ]


def covered(spans: list[tuple[datetime, datetime]], start: datetime, end: datetime) -> bool:
    """Whether the union of spans holds all of [start, end)."""
    reached = start
    for span_start, span_end in sorted(spans):
        if span_start <= reached < span_end:
            reached = span_end
    return reached >= end


@FAST
@given(scenarios())
def test_no_slot_overlaps_a_booking_or_a_buffer(scenario):
    rules = scenario.rules
    before, after = timedelta(minutes=rules.buffer_before), timedelta(minutes=rules.buffer_after)

    for slot in scenario.slots():
        takers = 0
        for booking in scenario.busy:
            if is_seat_taker(scenario, slot, booking):
                takers += 1
                continue
            widened_start = booking.start - timedelta(minutes=booking.buffer_before)
            widened_end = booking.end + timedelta(minutes=booking.buffer_after)
            assert not overlaps(slot.start, slot.end, widened_start, widened_end)
            assert not overlaps(slot.start - before, slot.end + after, booking.start, booking.end)
        assert slot.seats_available == rules.seats - takers > 0


@FAST
@given(scenarios())
def test_every_slot_lies_inside_the_working_intervals_of_its_local_date(scenario):
    duration = timedelta(minutes=scenario.rules.duration)

    for slot in scenario.slots():
        spans = working_time(scenario.hours, scenario.local_date(slot.start))
        assert slot.end - slot.start == duration
        assert covered(spans, slot.start, slot.end)


@FAST
@given(scenarios())
def test_no_slot_starts_before_the_notice_outside_the_request_or_beyond_the_window(scenario):
    rules = scenario.rules
    earliest = scenario.now + timedelta(minutes=rules.minimum_notice)

    for slot in scenario.slots():
        assert slot.start >= earliest
        assert scenario.start <= slot.start < scenario.end
        if rules.booking_window_days is not None:
            last = scenario.local_date(scenario.now) + timedelta(days=rules.booking_window_days)
            assert scenario.local_date(slot.start) <= last


@FAST
@given(scenarios())
def test_no_day_offers_slots_once_its_daily_limit_is_reached(scenario):
    limit = scenario.rules.max_per_day
    booked_days = [
        scenario.local_date(booking.start)
        for booking in scenario.busy
        if booking.event_type_id == scenario.rules.event_type_id
    ]

    for slot in scenario.slots():
        assert limit is None or booked_days.count(scenario.local_date(slot.start)) < limit


@FAST
@given(scenarios())
def test_single_seat_slots_never_overlap_when_the_interval_is_at_least_the_duration(scenario):
    # With an interval shorter than the duration, consecutive slots do overlap by design.
    rules = replace(
        scenario.rules, seats=1, interval=max(scenario.rules.interval, scenario.rules.duration)
    )
    slots = find_slots(
        scenario.hours,
        rules,
        list(scenario.busy),
        start=scenario.start,
        end=scenario.end,
        now=scenario.now,
    )

    for earlier, later in pairwise(slots):
        assert earlier.end <= later.start


@FAST
@given(scenarios(), st.sampled_from(OTHER_ZONES))
def test_the_zone_the_window_is_written_in_changes_nothing(scenario, zone):
    expected = scenario.slots()

    found = scenario.slots(
        start=scenario.start.astimezone(zone),
        end=scenario.end.astimezone(zone),
        now=scenario.now.astimezone(zone),
    )

    assert [(slot.start, slot.end, slot.seats_available) for slot in found] == [
        (slot.start, slot.end, slot.seats_available) for slot in expected
    ]
    assert all(slot.start.tzinfo is UTC for slot in found)
    assert [slot.start for slot in found] == sorted({slot.start for slot in found})


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_explain_calls_every_offered_slot_bookable(scenario):
    for slot in scenario.slots():
        assert scenario.explain(slot.start).bookable


@FAST
@given(scenarios(), st.lists(st.integers(-12, 3 * 288), min_size=1, max_size=20))
def test_explain_calls_an_instant_bookable_exactly_when_a_slot_starts_there(scenario, steps):
    for step in steps:
        at = scenario.start + timedelta(minutes=5 * step)
        offered = scenario.slots(start=at - timedelta(days=1), end=at + timedelta(days=1))

        explanation = scenario.explain(at)

        assert explanation.bookable == (at in {slot.start for slot in offered})
        assert explanation.bookable == (explanation.reasons == ())
