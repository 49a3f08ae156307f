"""Daylight-saving time: working hours stay on the wall clock across every kind of change.

Documented behaviour (templates/docs/scheduling.html): local times convert with ``fold=0``.
A skipped time lands after the gap, a repeated time means its first occurrence, and an
interval covers all real time between its two converted ends.

The zones, and the years their changes are taken from (found by scanning the installed
tzdata, not written down by hand):

- Europe/Berlin, America/New_York: one hour at 02:00 / 03:00 local, 2026.
- America/Sao_Paulo: abolished DST in 2019, so 2018, when it changed at midnight.
- Australia/Lord_Howe: a 30-minute change, 2026.
- Pacific/Apia: abolished DST in 2021, so 2020; and 30 December 2011, a whole date skipped
  when Samoa crossed the date line.
- Asia/Kathmandu: +05:45 all year, no change.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.availability import Hours, Slot, SlotRules, explain, find_slots

CHANGES = [
    ("Europe/Berlin", 2026),
    ("America/New_York", 2026),
    ("America/Sao_Paulo", 2018),
    ("Australia/Lord_Howe", 2026),
    ("Pacific/Apia", 2020),
]
RULES = SlotRules(event_type_id="evt_call", duration=30, interval=30)
EVERY_DAY_NINE_TO_FIVE = tuple((weekday, 9 * 60, 17 * 60) for weekday in range(7))
LONG_AGO = datetime(2000, 1, 1, tzinfo=UTC)


def offset(zone: str, instant: datetime) -> timedelta:
    return instant.astimezone(ZoneInfo(zone)).utcoffset()


def transitions(zone: str, year: int) -> list[datetime]:
    """The instants (UTC) at which the zone's offset changes during a year.

    Scan day by day, then bisect the minutes of a day whose two ends differ.
    """
    found = []
    day = datetime(year, 1, 1, tzinfo=UTC)
    while day.year == year:
        before = offset(zone, day)
        if before != offset(zone, day + timedelta(days=1)):
            low, high = 0, 1440
            while high - low > 1:
                middle = (low + high) // 2
                if offset(zone, day + timedelta(minutes=middle)) == before:
                    low = middle
                else:
                    high = middle
            found.append(day + timedelta(minutes=high))
        day += timedelta(days=1)
    return found


def change_days(zone: str, year: int) -> list[date]:
    """The local dates on which the zone's clocks change during a year."""
    return [instant.astimezone(ZoneInfo(zone)).date() for instant in transitions(zone, year)]


def slots_by_date(zone: str, weekly, first: date, last: date, overrides=None) -> dict:
    """find_slots around a range of local dates, grouped by the slots' local date."""
    found = find_slots(
        Hours(timezone=zone, weekly=weekly, overrides=overrides or {}),
        RULES,
        [],
        start=datetime(first.year, first.month, first.day, tzinfo=UTC) - timedelta(days=1),
        end=datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=2),
        now=LONG_AGO,
    )
    grouped: dict[date, list[Slot]] = {}
    for slot in found:
        grouped.setdefault(slot.start.astimezone(ZoneInfo(zone)).date(), []).append(slot)
    return grouped


def wall(zone: str, slots: list[Slot]) -> list[str]:
    """Slot starts as the zone's wall clock shows them, with the offset."""
    return [slot.start.astimezone(ZoneInfo(zone)).strftime("%H:%M%z") for slot in slots]


def clocks(zone: str, slots: list[Slot]) -> list[str]:
    return [slot.start.astimezone(ZoneInfo(zone)).strftime("%H:%M") for slot in slots]


def utc_clocks(slots: list[Slot]) -> list[str]:
    return [slot.start.strftime("%d %H:%M") for slot in slots]


NINE_TO_FOUR_THIRTY = [f"{hour:02}:{minute:02}" for hour in range(9, 17) for minute in (0, 30)]
MATRIX = [
    pytest.param(zone, change + timedelta(days=shift), id=f"{zone}-{change}{shift:+d}d")
    for zone, year in CHANGES
    for change in change_days(zone, year)
    for shift in (-1, 0, 1)
]


@pytest.mark.parametrize(("zone", "year"), CHANGES)
def test_each_zone_of_the_matrix_changes_its_clocks_twice_in_its_year(zone, year):
    assert len(transitions(zone, year)) == 2


@pytest.mark.parametrize(("zone", "year"), [("America/Sao_Paulo", 2026), ("Pacific/Apia", 2026)])
def test_zones_that_abolished_dst_no_longer_change_so_the_matrix_uses_a_past_year(zone, year):
    assert transitions(zone, year) == []


@pytest.mark.parametrize(("zone", "day"), MATRIX)
def test_nine_to_five_stays_nine_to_five_on_the_wall_clock_around_every_change(zone, day):
    slots = slots_by_date(zone, EVERY_DAY_NINE_TO_FIVE, day, day)[day]
    local_end = slots[-1].end.astimezone(ZoneInfo(zone))

    assert clocks(zone, slots) == NINE_TO_FOUR_THIRTY
    assert (local_end.date(), local_end.strftime("%H:%M")) == (day, "17:00")
    assert all(slot.end - slot.start == timedelta(minutes=30) for slot in slots)


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        pytest.param(zone, change, id=f"{zone}-{change}")
        for zone, year in CHANGES
        for change in change_days(zone, year)
    ],
)
def test_a_whole_day_rule_covers_the_real_length_of_a_change_day(zone, day):
    tz = ZoneInfo(zone)
    midnight = datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)
    following = day + timedelta(days=1)
    next_midnight = datetime(following.year, following.month, following.day, tzinfo=tz)
    real_minutes = (next_midnight.astimezone(UTC) - midnight) // timedelta(minutes=1)

    slots = slots_by_date(zone, ((day.weekday(), 0, 1440),), day, day)[day]

    assert real_minutes != 1440
    assert len(slots) * 30 == real_minutes
    assert slots[0].start == midnight


def test_kathmandu_slots_show_its_quarter_hour_offset():
    day = date(2026, 6, 1)

    slots = slots_by_date("Asia/Kathmandu", EVERY_DAY_NINE_TO_FIVE, day, day)[day]

    assert slots[0].start == datetime(2026, 6, 1, 3, 15, tzinfo=UTC)
    assert slots[0].start.astimezone(ZoneInfo("Asia/Kathmandu")).isoformat() == (
        "2026-06-01T09:00:00+05:45"
    )
    assert clocks("Asia/Kathmandu", slots) == NINE_TO_FOUR_THIRTY


BERLIN_SPRING = date(2026, 3, 29)  # 02:00 CET jumps to 03:00 CEST
BERLIN_AUTUMN = date(2026, 10, 25)  # 03:00 CEST falls back to 02:00 CET


def berlin_slots(day: date, start: int, end: int) -> list[Slot]:
    return slots_by_date("Europe/Berlin", (), day, day, {day: ((start, end),)}).get(day, [])


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (60, 240, ["01:00+0100", "01:30+0100", "03:00+0200", "03:30+0200"]),
        (150, 300, ["03:30+0200", "04:00+0200", "04:30+0200"]),
        (0, 150, ["00:00+0100", "00:30+0100", "01:00+0100", "01:30+0100", "03:00+0200"]),
    ],
    ids=["across-the-gap", "starting-in-the-gap", "ending-in-the-gap"],
)
def test_a_skipped_local_time_lands_after_the_gap(start, end, expected):
    assert wall("Europe/Berlin", berlin_slots(BERLIN_SPRING, start, end)) == expected


def test_a_rule_across_the_skipped_hour_spans_one_real_hour_less():
    slots = berlin_slots(BERLIN_SPRING, 60, 180)

    assert utc_clocks(slots) == ["29 00:00", "29 00:30"]
    assert wall("Europe/Berlin", slots) == ["01:00+0100", "01:30+0100"]


def test_a_rule_inside_the_skipped_hour_gives_no_slots_and_explains_a_day_off():
    schedule = Hours("Europe/Berlin", (), {BERLIN_SPRING: ((120, 180),)})
    at = datetime(2026, 3, 29, 1, 0, tzinfo=UTC)

    explanation = explain(schedule, RULES, [], at=at, now=LONG_AGO)

    assert berlin_slots(BERLIN_SPRING, 120, 180) == []
    assert [reason.code for reason in explanation.reasons] == ["day_off"]


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (
            60,
            180,
            [
                "01:00+0200",
                "01:30+0200",
                "02:00+0200",
                "02:30+0200",
                "02:00+0100",
                "02:30+0100",
            ],
        ),
        (150, 240, ["02:30+0200", "02:00+0100", "02:30+0100", "03:00+0100", "03:30+0100"]),
        (0, 150, ["00:00+0200", "00:30+0200", "01:00+0200", "01:30+0200", "02:00+0200"]),
    ],
    ids=["across-the-repeat", "starting-in-the-repeat", "ending-in-the-repeat"],
)
def test_a_repeated_local_time_means_its_first_occurrence(start, end, expected):
    assert wall("Europe/Berlin", berlin_slots(BERLIN_AUTUMN, start, end)) == expected


def test_a_rule_across_the_repeated_hour_spans_one_real_hour_more():
    slots = berlin_slots(BERLIN_AUTUMN, 60, 180)

    assert slots[-1].end - slots[0].start == timedelta(hours=3)
    assert utc_clocks(slots) == [
        "24 23:00",
        "24 23:30",
        "25 00:00",
        "25 00:30",
        "25 01:00",
        "25 01:30",
    ]


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 4, 5), ["01:00+1100", "01:30+1100", "01:30+1030", "02:00+1030", "02:30+1030"]),
        (date(2026, 10, 4), ["01:00+1030", "01:30+1030", "02:30+1100"]),
    ],
    ids=["back-half-an-hour", "forward-half-an-hour"],
)
def test_lord_howe_half_hour_changes_stretch_and_shrink_a_rule(day, expected):
    slots = slots_by_date("Australia/Lord_Howe", (), day, day, {day: ((60, 180),)})[day]

    assert wall("Australia/Lord_Howe", slots) == expected


def test_sao_paulo_day_without_a_midnight_starts_at_one():
    day = date(2018, 11, 4)  # 00:00 jumped to 01:00

    slots = slots_by_date("America/Sao_Paulo", (), day, day, {day: ((0, 120),)})[day]

    assert wall("America/Sao_Paulo", slots) == ["01:00-0200", "01:30-0200"]


def test_a_date_the_zone_skipped_entirely_has_no_slots():
    first, skipped, last = date(2011, 12, 29), date(2011, 12, 30), date(2011, 12, 31)

    grouped = slots_by_date(
        "Pacific/Apia", EVERY_DAY_NINE_TO_FIVE, first, last, {skipped: ((0, 1440),)}
    )

    assert [day for day in sorted(grouped) if first <= day <= last] == [first, last]
    assert wall("Pacific/Apia", grouped[first])[0] == "09:00-1000"
    assert wall("Pacific/Apia", grouped[last])[0] == "09:00+1400"
    assert clocks("Pacific/Apia", grouped[last]) == NINE_TO_FOUR_THIRTY
