"""The availability engine: bookable slots from working hours, rules and busy time.

A pure computation: everything comes in as arguments (``now`` included), nothing is read from
a database or the clock, nothing is written. Callers load the schedule, the event type's rules
and the host's CONFIRMED and PENDING bookings in a bounded number of queries, then call
:func:`find_slots` or :func:`explain`.

How a slot is found, in order:

1. Working hours per *local* date of the schedule's zone: the date's override if there is
   one, else its weekday's rules, merged where they overlap or touch. Each local time becomes
   an instant with ``fold=0``: a skipped time lands after the gap, a repeated time means its
   first occurrence, and an interval covers all real time between its two instants.
2. Candidate starts step from each interval's start by ``interval`` real minutes while the
   slot's ``duration`` still fits.
3. A candidate is dropped when it starts before ``now + minimum_notice``, on a date past the
   booking window, on a date whose daily limit is reached, when its core overlaps a booking
   widened by that booking's buffers, or when the candidate widened by the rules' buffers
   overlaps a booking's core. Bookings of the same event type with exactly the slot's start
   and end are seats taken, not conflicts, when the event type has several seats.

Complexity, with B bookings, D local dates in the window, R rule intervals per date and S
candidate starts: :func:`find_slots` is O(B log B + D·R + S log B) time and O(B + D + S)
memory: bookings are sorted once into four lists and every candidate is checked with
bisection; time zones are consulted only at each date's midnight and rule boundaries (R + 1
conversions per date), and datetimes are built only for the slots returned. :func:`explain`
checks one start against each booking in turn: O(B + R).

Several hosts sharing one schedule (a team event type): :func:`find_team_slots` runs the
single-host search once per host on that host's own bookings and combines the open starts,
intersecting them when every host must attend (collective) and uniting them when any host
may take the slot (round robin): O(H·(D·R) + Σ_h (B_h log B_h + S log B_h)) for H hosts, the
hours compiled once. :func:`explain_team` gives the shared reasons (hours, notice, window)
once and each host's own (bookings, buffers, daily limit, seats): O(R + Σ_h B_h).
"""

from .explain import TeamExplanation, explain, explain_team
from .slots import find_slots, find_team_slots
from .values import Busy, Explanation, Hours, Reason, Slot, SlotRules

__all__ = [
    "Busy",
    "Explanation",
    "Hours",
    "Reason",
    "Slot",
    "SlotRules",
    "TeamExplanation",
    "explain",
    "explain_team",
    "find_slots",
    "find_team_slots",
]
