"""Time find_slots for one busy host over 60 and 365 days; print median, p95 and their ratio.

The host works Mon-Fri 09:00-17:00 in Europe/Berlin and has 2,000 bookings spread over the
next year; the event type has 30-minute slots and 10/5-minute buffers. Targets: the 60-day
median at most 5 ms, the 365-day median at most 6 times the 60-day one.

For information (no target): find_team_slots over 60 days for three such hosts, round robin
and collective, which costs about three single-host searches.
"""

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from services.availability import Busy, Hours, SlotRules, find_slots, find_team_slots

ZONE = "Europe/Berlin"
NOW = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
BOOKINGS = 2000
TARGET_60_DAYS_MS = 5.0
TARGET_RATIO = 6.0

HOURS = Hours(timezone=ZONE, weekly=tuple((day, 9 * 60, 17 * 60) for day in range(5)), overrides={})
RULES = SlotRules(
    event_type_id="evt_bench", duration=30, interval=30, buffer_before=10, buffer_after=5
)


def bookings(count: int, seed: int = 2026) -> list[Busy]:
    """Bookings at random working half-hours of the next year, in random order."""
    generator = random.Random(seed)  # noqa: S311 - repeatable test data, not secrets
    zone = ZoneInfo(ZONE)
    first = NOW.astimezone(zone).date()
    weekdays = [first + timedelta(days=n) for n in range(365)]
    weekdays = [day for day in weekdays if day.weekday() < 5]
    busy = []
    for _ in range(count):
        day = generator.choice(weekdays)
        half_hour = generator.randrange(16)
        local = datetime(day.year, day.month, day.day, 9, tzinfo=zone)
        start = (local + timedelta(minutes=30 * half_hour)).astimezone(UTC)
        busy.append(
            Busy(
                start=start,
                end=start + timedelta(minutes=30),
                buffer_before=10,
                buffer_after=5,
                event_type_id=generator.choice(["evt_bench", "evt_other"]),
            )
        )
    return busy


def timings_ms(busy: list[Busy], days: int, repetitions: int) -> list[float]:
    end = NOW + timedelta(days=days)
    find_slots(HOURS, RULES, busy, start=NOW, end=end, now=NOW)
    samples = []
    for _ in range(repetitions):
        began = time.perf_counter()
        find_slots(HOURS, RULES, busy, start=NOW, end=end, now=NOW)
        samples.append((time.perf_counter() - began) * 1000)
    return samples


def main() -> int:
    busy = bookings(BOOKINGS)
    medians = {}
    for days, repetitions in ((60, 500), (365, 200)):
        samples = timings_ms(busy, days, repetitions)
        slots = len(
            find_slots(HOURS, RULES, busy, start=NOW, end=NOW + timedelta(days=days), now=NOW)
        )
        medians[days] = statistics.median(samples)
        p95 = statistics.quantiles(samples, n=20)[-1]
        print(
            f"{days:>3} days: median {medians[days]:6.2f} ms  p95 {p95:6.2f} ms  "
            f"({slots} slots, {repetitions} runs, {len(busy)} bookings)"
        )
    ratio = medians[365] / medians[60]
    print(f"ratio 365/60 days: {ratio:.2f}")
    team = {f"usr_{n}": bookings(BOOKINGS, seed=2026 + n) for n in range(3)}
    end = NOW + timedelta(days=60)
    for every, name in ((False, "round robin"), (True, "collective")):
        samples = []
        for _ in range(100):
            began = time.perf_counter()
            find_team_slots(HOURS, RULES, team, every=every, start=NOW, end=end, now=NOW)
            samples.append((time.perf_counter() - began) * 1000)
        print(f"60 days, 3 hosts, {name}: median {statistics.median(samples):6.2f} ms")
    met = medians[60] <= TARGET_60_DAYS_MS and ratio <= TARGET_RATIO
    print(
        f"targets (60-day median <= {TARGET_60_DAYS_MS} ms, ratio <= {TARGET_RATIO}): "
        + ("met" if met else "MISSED")
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
