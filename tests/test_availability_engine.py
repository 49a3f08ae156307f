"""The availability engine, rule by rule, on examples in Europe/Berlin (UTC+1 in December)."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.availability import (
    Busy,
    Explanation,
    Hours,
    Reason,
    Slot,
    SlotRules,
    explain,
    find_slots,
)

ZONE = "Europe/Berlin"
BERLIN = ZoneInfo(ZONE)
MONDAY = date(2026, 11, 30)
TUESDAY = date(2026, 12, 1)
SUNDAY = date(2026, 12, 6)
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
DASH = "\u2013"  # details join times with an en dash: 09:00 to 17:00
WORKWEEK = tuple((weekday, 9 * 60, 17 * 60) for weekday in range(5))


def local(day: date, clock: str) -> datetime:
    """A Berlin wall-clock time as an aware UTC datetime."""
    hour, minute = map(int, clock.split(":"))
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=BERLIN).astimezone(UTC)


def hours(weekly=WORKWEEK, overrides=None) -> Hours:
    return Hours(timezone=ZONE, weekly=weekly, overrides=overrides or {})


def rules(**changes) -> SlotRules:
    return SlotRules(**{"event_type_id": "evt_call", "duration": 30, "interval": 30, **changes})


def booking(day: date, start: str, end: str, **changes) -> Busy:
    return Busy(start=local(day, start), end=local(day, end), **changes)


def slots_on(day: date, schedule=None, slot_rules=None, busy=(), now=NOW) -> list[Slot]:
    return find_slots(
        schedule or hours(),
        slot_rules or rules(),
        list(busy),
        start=local(day, "00:00"),
        end=local(day + timedelta(days=1), "00:00"),
        now=now,
    )


def clocks(slots: list[Slot]) -> list[str]:
    """Slot starts as Berlin wall-clock times."""
    return [slot.start.astimezone(BERLIN).strftime("%H:%M") for slot in slots]


def half_hours(first: str, last: str) -> list[str]:
    """Every half hour from ``first`` to ``last`` inclusive, as HH:MM."""
    start = datetime.strptime(first, "%H:%M")
    count = (datetime.strptime(last, "%H:%M") - start) // timedelta(minutes=30) + 1
    return [(start + timedelta(minutes=30 * n)).strftime("%H:%M") for n in range(count)]


def codes(explanation: Explanation) -> set[str]:
    return {reason.code for reason in explanation.reasons}


def test_weekly_hours_give_slots_from_opening_until_the_last_one_that_fits():
    found = slots_on(MONDAY)

    assert clocks(found) == half_hours("09:00", "16:30")
    assert found[0] == Slot(
        start=datetime(2026, 11, 30, 8, 0, tzinfo=UTC),
        end=datetime(2026, 11, 30, 8, 30, tzinfo=UTC),
        seats_available=1,
    )
    assert found[-1].end == local(MONDAY, "17:00")
    assert all(slot.start.tzinfo is UTC and slot.end.tzinfo is UTC for slot in found)


def test_a_day_without_weekly_rules_has_no_slots():
    assert slots_on(SUNDAY) == []


def test_an_override_replaces_the_weekly_hours_of_its_date_only():
    schedule = hours(overrides={MONDAY: ((13 * 60, 15 * 60),)})

    assert clocks(slots_on(MONDAY, schedule)) == ["13:00", "13:30", "14:00", "14:30"]
    assert clocks(slots_on(TUESDAY, schedule)) == half_hours("09:00", "16:30")


def test_an_override_gives_hours_on_a_day_without_weekly_rules():
    schedule = hours(overrides={SUNDAY: ((10 * 60, 11 * 60),)})

    assert clocks(slots_on(SUNDAY, schedule)) == ["10:00", "10:30"]


def test_an_empty_override_makes_the_date_a_day_off():
    schedule = hours(overrides={MONDAY: ()})

    assert slots_on(MONDAY, schedule) == []
    assert slots_on(TUESDAY, schedule) != []


def test_overlapping_and_touching_rules_merge_into_one_interval():
    # Apart, the three rules would give 09:00, 10:00, 10:30 and 11:15; merged into 09:00-12:00
    # the 45-minute grid runs on from 09:00.
    schedule = hours(weekly=((0, 540, 600), (0, 600, 660), (0, 630, 720)))

    found = slots_on(MONDAY, schedule, rules(duration=45, interval=45))

    assert clocks(found) == ["09:00", "09:45", "10:30", "11:15"]


def test_separate_intervals_each_start_their_own_grid():
    schedule = hours(weekly=((0, 540, 600), (0, 610, 680)))

    found = slots_on(MONDAY, schedule)

    assert clocks(found) == ["09:00", "09:30", "10:10", "10:40"]


def test_a_rule_ending_at_2400_offers_slots_up_to_midnight():
    schedule = hours(weekly=((0, 22 * 60, 1440),))

    found = slots_on(MONDAY, schedule)

    assert clocks(found) == ["22:00", "22:30", "23:00", "23:30"]
    assert found[-1].end == local(TUESDAY, "00:00")


def test_a_booking_blocks_the_slots_its_core_overlaps():
    busy = [booking(MONDAY, "10:15", "10:45")]

    found = clocks(slots_on(MONDAY, busy=busy))

    assert "10:00" not in found
    assert "10:30" not in found
    assert {"09:30", "11:00"} <= set(found)


@pytest.mark.parametrize(
    ("slot_rules", "busy", "blocked"),
    [
        (rules(buffer_before=15), booking(MONDAY, "10:00", "10:30"), "10:30"),
        (rules(buffer_after=15), booking(MONDAY, "10:00", "10:30"), "09:30"),
        (rules(), booking(MONDAY, "10:00", "10:30", buffer_after=15), "10:30"),
        (rules(), booking(MONDAY, "10:00", "10:30", buffer_before=15), "09:30"),
    ],
    ids=[
        "slot-buffer-before",
        "slot-buffer-after",
        "booking-buffer-after",
        "booking-buffer-before",
    ],
)
def test_buffers_keep_slots_away_from_bookings_in_both_directions(slot_rules, busy, blocked):
    found = clocks(slots_on(MONDAY, slot_rules=slot_rules, busy=[busy]))
    unbuffered = clocks(slots_on(MONDAY, busy=[replace(busy, buffer_before=0, buffer_after=0)]))

    assert blocked in unbuffered
    assert blocked not in found
    assert {"09:00", "11:00"} <= set(found)


def test_buffers_may_overlap_each_other_but_never_a_meeting():
    busy = [booking(MONDAY, "10:00", "10:30", buffer_after=15)]
    slot_rules = rules(interval=15, buffer_before=15)

    found = clocks(slots_on(MONDAY, slot_rules=slot_rules, busy=busy))

    # 10:45 puts the slot's buffer before on the booking's buffer after: allowed.
    assert "10:45" in found
    assert "10:30" not in found
    assert "10:15" not in found


def test_a_slot_exactly_at_the_minimum_notice_is_offered_and_one_minute_more_is_not():
    now = local(MONDAY, "08:00")

    at_boundary = clocks(slots_on(MONDAY, slot_rules=rules(minimum_notice=60), now=now))
    past_boundary = clocks(slots_on(MONDAY, slot_rules=rules(minimum_notice=61), now=now))

    assert at_boundary[0] == "09:00"
    assert past_boundary[0] == "09:30"


def test_slots_in_the_past_are_never_offered():
    now = local(MONDAY, "12:10")

    assert clocks(slots_on(MONDAY, now=now)) == half_hours("12:30", "16:30")


def test_the_booking_window_includes_its_last_day_and_excludes_the_next():
    now = local(MONDAY, "23:30")
    slot_rules = rules(booking_window_days=3)

    found = find_slots(
        hours(),
        slot_rules,
        [],
        start=now,
        end=local(MONDAY + timedelta(days=7), "00:00"),
        now=now,
    )

    days = sorted({slot.start.astimezone(BERLIN).date() for slot in found})
    assert days == [MONDAY + timedelta(days=n) for n in (1, 2, 3)]


def test_the_window_arguments_bound_slot_starts_half_open():
    found = find_slots(
        hours(), rules(), [], start=local(MONDAY, "10:00"), end=local(MONDAY, "11:00"), now=NOW
    )

    assert clocks(found) == ["10:00", "10:30"]


def test_an_interval_shorter_than_the_duration_gives_overlapping_slots():
    schedule = hours(weekly=((0, 540, 660),))

    found = slots_on(MONDAY, schedule, rules(duration=60, interval=15))

    assert clocks(found) == ["09:00", "09:15", "09:30", "09:45", "10:00"]


def test_an_interval_longer_than_the_duration_leaves_gaps():
    schedule = hours(weekly=((0, 540, 720),))

    found = slots_on(MONDAY, schedule, rules(duration=30, interval=60))

    assert clocks(found) == ["09:00", "10:00", "11:00"]
    assert found[0].end == local(MONDAY, "09:30")


def test_the_daily_limit_closes_a_day_once_reached():
    busy = [
        booking(MONDAY, "09:00", "09:30", event_type_id="evt_call"),
        booking(MONDAY, "16:00", "16:30", event_type_id="evt_call"),
        booking(TUESDAY, "09:00", "09:30", event_type_id="evt_call"),
    ]
    slot_rules = rules(max_per_day=2)

    assert slots_on(MONDAY, slot_rules=slot_rules, busy=busy) == []
    assert clocks(slots_on(TUESDAY, slot_rules=slot_rules, busy=busy)) == half_hours(
        "09:30", "16:30"
    )


def test_the_daily_limit_counts_only_bookings_of_the_same_event_type():
    busy = [
        booking(MONDAY, "09:00", "09:30", event_type_id="evt_other"),
        booking(MONDAY, "16:00", "16:30", event_type_id="evt_other"),
    ]

    found = clocks(slots_on(MONDAY, slot_rules=rules(max_per_day=1), busy=busy))

    assert found == [*half_hours("09:30", "15:30"), "16:30"]


def test_seats_count_down_with_bookings_of_the_same_slot():
    busy = [booking(MONDAY, "10:00", "10:30", event_type_id="evt_call")] * 2

    found = slots_on(MONDAY, slot_rules=rules(seats=3), busy=busy)

    seats = dict(zip(clocks(found), [slot.seats_available for slot in found], strict=True))
    assert seats["10:00"] == 1
    assert seats["09:30"] == 3
    assert seats["10:30"] == 3


def test_a_slot_whose_seats_are_all_taken_is_not_offered():
    busy = [booking(MONDAY, "10:00", "10:30", event_type_id="evt_call")] * 3

    found = clocks(slots_on(MONDAY, slot_rules=rules(seats=3), busy=busy))

    assert "10:00" not in found
    assert {"09:30", "10:30"} <= set(found)


def test_a_single_seat_slot_is_blocked_by_a_booking_of_its_own_event_type():
    busy = [booking(MONDAY, "10:00", "10:30", event_type_id="evt_call")]

    found = slots_on(MONDAY, busy=busy)

    assert "10:00" not in clocks(found)
    assert {slot.seats_available for slot in found} == {1}


@pytest.mark.parametrize(
    "busy",
    [
        booking(MONDAY, "10:00", "10:30", event_type_id="evt_other"),
        booking(MONDAY, "10:00", "10:30"),
        booking(MONDAY, "10:15", "10:45", event_type_id="evt_call"),
    ],
    ids=["other-event-type", "no-event-type", "same-type-other-times"],
)
def test_a_booking_that_is_not_a_seat_of_the_slot_blocks_a_seated_slot(busy):
    found = clocks(slots_on(MONDAY, slot_rules=rules(seats=5), busy=[busy]))

    assert "10:00" not in found


def test_seat_takers_still_respect_the_buffers_of_other_bookings():
    busy = [
        booking(MONDAY, "10:00", "10:30", event_type_id="evt_call"),
        booking(MONDAY, "10:30", "11:00", event_type_id="evt_other", buffer_before=10),
    ]

    found = clocks(slots_on(MONDAY, slot_rules=rules(seats=3), busy=busy))

    assert "10:00" not in found


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="no time zone"):
        find_slots(
            hours(), rules(), [], start=datetime(2026, 11, 30), end=local(TUESDAY, "00:00"), now=NOW
        )


@pytest.mark.parametrize(
    "changes",
    [{"duration": 0}, {"interval": -5}, {"seats": 0}, {"buffer_before": -1}],
    ids=["duration", "interval", "seats", "buffer"],
)
def test_rules_the_engine_cannot_compute_with_are_refused(changes):
    with pytest.raises(ValueError, match="must"):
        slots_on(MONDAY, slot_rules=rules(**changes))


def test_hours_outside_the_day_are_refused():
    with pytest.raises(ValueError, match=r"0\.\.1440"):
        slots_on(MONDAY, hours(weekly=((0, 600, 1500),)))


def why(at: datetime, slot_rules=None, busy=(), schedule=None, now=NOW) -> Explanation:
    return explain(schedule or hours(), slot_rules or rules(), list(busy), at=at, now=now)


def test_explain_finds_nothing_wrong_with_a_bookable_slot():
    assert why(local(MONDAY, "10:00")) == Explanation(bookable=True, reasons=())


def test_explain_names_a_day_off():
    explanation = why(local(SUNDAY, "10:00"))

    assert explanation == Explanation(
        bookable=False,
        reasons=(Reason("day_off", "2026-12-06 is a day off (Europe/Berlin)."),),
    )


def test_explain_names_the_working_hours_a_slot_falls_outside():
    explanation = why(local(TUESDAY, "16:45"), rules(interval=15))

    assert explanation.reasons == (
        Reason(
            "outside_hours",
            f"Working hours on 2026-12-01 are 09:00{DASH}17:00 (Europe/Berlin); "
            "a 30-minute slot from 16:45 does not fit.",
        ),
    )


def test_explain_names_a_start_off_the_slot_grid():
    explanation = why(local(TUESDAY, "10:10"))

    assert codes(explanation) == {"not_a_slot_start"}
    assert "every 30 minutes from 09:00" in explanation.reasons[0].detail


def test_explain_names_the_minimum_notice_with_the_earliest_start():
    explanation = why(local(MONDAY, "09:00"), rules(minimum_notice=120), now=local(MONDAY, "08:00"))

    assert explanation.reasons == (
        Reason(
            "minimum_notice",
            "Bookings need 120 minutes' notice; the earliest start is 2026-11-30 10:00 "
            "(Europe/Berlin).",
        ),
    )


def test_explain_treats_a_past_start_as_too_short_notice():
    explanation = why(local(MONDAY, "09:00"), now=local(MONDAY, "09:00") + timedelta(seconds=1))

    assert codes(explanation) == {"minimum_notice"}


def test_explain_names_the_last_day_of_the_booking_window():
    explanation = why(local(MONDAY, "10:00"), rules(booking_window_days=3))

    assert explanation.reasons == (
        Reason(
            "beyond_window",
            "Bookings open 3 days ahead; the last bookable date is 2026-11-26 (Europe/Berlin).",
        ),
    )


def test_explain_names_a_booking_that_takes_the_time():
    explanation = why(local(MONDAY, "10:00"), busy=[booking(MONDAY, "10:15", "10:45")])

    assert explanation.reasons == (
        Reason("busy", f"Another booking takes 10:15{DASH}10:45 on 2026-11-30 (Europe/Berlin)."),
    )


@pytest.mark.parametrize(
    ("slot_rules", "busy"),
    [
        (rules(buffer_before=15), booking(MONDAY, "09:30", "10:00")),
        (rules(), booking(MONDAY, "09:30", "10:00", buffer_after=5)),
    ],
    ids=["slot-buffer", "booking-buffer"],
)
def test_explain_names_a_conflict_made_only_by_buffers(slot_rules, busy):
    explanation = why(local(MONDAY, "10:00"), slot_rules, busy=[busy])

    assert codes(explanation) == {"buffer"}
    assert f"09:30{DASH}10:00 on 2026-11-30" in explanation.reasons[0].detail


def test_explain_names_the_daily_limit():
    busy = [booking(MONDAY, "15:00", "15:30", event_type_id="evt_call")]

    explanation = why(local(MONDAY, "10:00"), rules(max_per_day=1), busy=busy)

    assert explanation.reasons == (
        Reason(
            "daily_limit",
            "The daily limit of 1 booking is reached on 2026-11-30 (Europe/Berlin).",
        ),
    )


def test_explain_names_a_full_slot():
    busy = [booking(MONDAY, "10:00", "10:30", event_type_id="evt_call")] * 2

    explanation = why(local(MONDAY, "10:00"), rules(seats=2), busy=busy)

    assert explanation.reasons == (Reason("full", "All 2 seats of this slot are taken."),)


def test_explain_calls_a_booking_of_another_event_type_at_the_same_time_busy_not_a_seat():
    busy = [booking(MONDAY, "10:00", "10:30", event_type_id="evt_other")]

    explanation = why(local(MONDAY, "10:00"), rules(seats=3), busy=busy)

    assert codes(explanation) == {"busy"}


def test_explain_returns_every_reason_that_applies():
    busy = [
        booking(SUNDAY, "09:30", "10:30", event_type_id="evt_call"),
        booking(SUNDAY, "10:40", "10:45"),
    ]
    slot_rules = rules(minimum_notice=60, booking_window_days=1, max_per_day=1, buffer_after=5)

    explanation = why(local(SUNDAY, "10:10"), slot_rules, busy=busy, now=local(SUNDAY, "10:00"))

    assert codes(explanation) == {
        "day_off",
        "minimum_notice",
        "busy",
        "buffer",
        "daily_limit",
    }
    assert not explanation.bookable


def test_explain_agrees_with_find_slots_at_every_five_minutes_of_a_busy_day():
    schedule = hours(weekly=((0, 540, 720), (0, 780, 1020)), overrides={})
    slot_rules = rules(
        duration=45,
        interval=15,
        buffer_before=10,
        buffer_after=5,
        minimum_notice=30,
        max_per_day=4,
        seats=2,
    )
    busy = [
        booking(MONDAY, "09:45", "10:30", event_type_id="evt_call"),
        booking(MONDAY, "11:00", "11:30", buffer_after=20),
        booking(MONDAY, "14:00", "14:45", event_type_id="evt_call"),
        booking(MONDAY, "14:00", "14:45", event_type_id="evt_call"),
    ]
    now = local(MONDAY, "09:05")
    offered = {slot.start for slot in slots_on(MONDAY, schedule, slot_rules, busy, now)}
    instants = [local(MONDAY, "00:00") + timedelta(minutes=5 * n) for n in range(288)]

    bookable = {at for at in instants if why(at, slot_rules, busy, schedule, now).bookable}

    assert bookable == offered
    assert len(offered) > 5
