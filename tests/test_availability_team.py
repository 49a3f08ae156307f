"""The availability engine for several hosts sharing one schedule: any of them, or all."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_availability_properties import scenarios

from services.availability import (
    Busy,
    Hours,
    Reason,
    SlotRules,
    explain,
    explain_team,
    find_slots,
    find_team_slots,
)

DAY_START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
HOURS = Hours(timezone="UTC", weekly=((1, 9 * 60, 12 * 60),), overrides={})
RULES = SlotRules(event_type_id="evt_team", duration=60, interval=60)


def hour(n: int) -> datetime:
    return DAY_START + timedelta(hours=n)


def meeting(n: int, event_type_id: str = "evt_other", **changes) -> Busy:
    return Busy(start=hour(n), end=hour(n + 1), event_type_id=event_type_id, **changes)


def team_slots(busy_by_host, every: bool, rules=RULES):
    found = find_team_slots(
        HOURS, rules, busy_by_host, every=every, start=hour(0), end=hour(3), now=NOW
    )
    return [(slot.start.hour, slot.seats_available, slot.host_ids) for slot in found]


def test_collective_slots_are_the_hours_every_host_has_free():
    busy = {"usr_a": [meeting(0)], "usr_b": [meeting(1)], "usr_c": []}

    assert team_slots(busy, every=True) == [(11, 1, ("usr_a", "usr_b", "usr_c"))]


def test_round_robin_slots_are_the_hours_any_host_has_free_with_a_seat_per_free_host():
    busy = {"usr_a": [meeting(0)], "usr_b": [meeting(0), meeting(1)]}

    assert team_slots(busy, every=False) == [
        (10, 1, ("usr_a",)),
        (11, 2, ("usr_a", "usr_b")),
    ]


def test_a_host_busy_only_through_a_buffer_is_not_free():
    busy = {"usr_a": [meeting(1, buffer_before=15)], "usr_b": []}

    assert team_slots(busy, every=True) == [(11, 1, ("usr_a", "usr_b"))]
    assert [hour_ for hour_, _, _ in team_slots(busy, every=False)] == [9, 10, 11]


def test_each_host_has_their_own_daily_limit():
    rules = replace(RULES, max_per_day=1)
    busy = {"usr_a": [meeting(0, "evt_team")], "usr_b": []}

    # usr_a's one booking of the day is their limit; usr_b has none yet.
    assert team_slots(busy, every=False, rules=rules) == [
        (9, 1, ("usr_b",)),
        (10, 1, ("usr_b",)),
        (11, 1, ("usr_b",)),
    ]
    assert team_slots(busy, every=True, rules=rules) == []


def test_one_host_gives_the_single_host_slots():
    busy = [meeting(1)]

    single = find_slots(HOURS, RULES, busy, start=hour(0), end=hour(3), now=NOW)
    for every in (True, False):
        team = find_team_slots(
            HOURS, RULES, {"usr_a": busy}, every=every, start=hour(0), end=hour(3), now=NOW
        )
        assert [(s.start, s.end, s.seats_available) for s in team] == [
            (s.start, s.end, s.seats_available) for s in single
        ]


def test_a_team_without_hosts_is_refused():
    with pytest.raises(ValueError, match="at least one host"):
        find_team_slots(HOURS, RULES, {}, every=True, start=hour(0), end=hour(3), now=NOW)
    with pytest.raises(ValueError, match="at least one host"):
        explain_team(HOURS, RULES, {}, at=hour(0), now=NOW)


def test_explain_team_keeps_shared_reasons_apart_from_each_hosts_own():
    team = explain_team(HOURS, RULES, {"usr_a": [meeting(0)], "usr_b": []}, at=hour(0), now=hour(0))

    assert [reason.code for reason in team.shared] == []
    assert [(host, [r.code for r in reasons]) for host, reasons in team.hosts] == [
        ("usr_a", ["busy"]),
        ("usr_b", []),
    ]
    assert team.free_hosts() == ("usr_b",)
    assert team.combined(every=False).bookable
    collective = team.combined(every=True)
    assert not collective.bookable
    assert collective.reasons == (
        Reason("busy", "Host usr_a: Another booking takes 09:00\u201310:00 on 2026-12-01 (UTC)."),
    )


def test_explain_team_frees_no_host_when_a_shared_reason_applies():
    team = explain_team(HOURS, RULES, {"usr_a": [], "usr_b": []}, at=hour(5), now=NOW)

    assert [reason.code for reason in team.shared] == ["outside_hours"]
    assert team.free_hosts() == ()
    assert [r.code for r in team.combined(every=False).reasons] == ["outside_hours"]
    # A forced booking minds only other meetings and seats.
    assert team.free_hosts(only=frozenset({"busy", "full"})) == ("usr_a", "usr_b")


def test_explain_for_one_host_names_no_host():
    busy = [meeting(0)]

    assert explain(HOURS, RULES, busy, at=hour(0), now=NOW) == explain_team(
        HOURS, RULES, {"usr_a": busy}, at=hour(0), now=NOW
    ).combined(every=True)
    assert "Host" not in explain(HOURS, RULES, busy, at=hour(0), now=NOW).reasons[0].detail


@st.composite
def teams(draw):
    """A scenario of the single-host properties, its bookings dealt out to two or three hosts."""
    scenario = draw(scenarios())
    hosts = [f"usr_{n}" for n in range(draw(st.integers(2, 3)))]
    busy_by_host = {host: [] for host in hosts}
    for booking in scenario.busy:
        for host in draw(st.sets(st.sampled_from(hosts), min_size=1)):
            busy_by_host[host].append(booking)
    return scenario, busy_by_host


@settings(max_examples=150, deadline=None)
@given(teams(), st.booleans())
def test_team_slots_agree_with_explain_team_and_with_each_host_alone(team, every):
    scenario, busy_by_host = team
    window = {"start": scenario.start, "end": scenario.end, "now": scenario.now}

    found = find_team_slots(scenario.hours, scenario.rules, busy_by_host, every=every, **window)

    alone = {
        host: {
            slot.start: slot.seats_available
            for slot in find_slots(scenario.hours, scenario.rules, busy, **window)
        }
        for host, busy in busy_by_host.items()
    }
    starts = set().union(*alone.values())
    expected = sorted(
        start
        for start in starts
        if (all if every else any)(start in seats for seats in alone.values())
    )
    assert [slot.start for slot in found] == expected
    for slot in found:
        free = tuple(host for host, seats in alone.items() if slot.start in seats)
        assert slot.host_ids == free
        counts = [alone[host][slot.start] for host in free]
        assert slot.seats_available == (min(counts) if every else sum(counts))
        explanation = explain_team(
            scenario.hours, scenario.rules, busy_by_host, at=slot.start, now=scenario.now
        )
        assert explanation.combined(every=every).bookable
        assert explanation.free_hosts() == free
    # Every five minutes of the window that is not a slot is explained as not bookable.
    offered = {slot.start for slot in found}
    moment = scenario.start
    while moment < min(scenario.end, scenario.start + timedelta(hours=12)):
        if moment not in offered:
            verdict = explain_team(
                scenario.hours, scenario.rules, busy_by_host, at=moment, now=scenario.now
            ).combined(every=every)
            assert not verdict.bookable, moment
        moment += timedelta(minutes=5)
