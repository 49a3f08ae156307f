"""Time zones and timestamps as the API writes them."""

from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import available_timezones

from .errors import RuleViolation

# The calendar arithmetic (days around a moment, local midnights in any zone) stays
# well inside what Python's datetime can hold for moments in this range.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
LATEST = datetime(3000, 1, 1, tzinfo=UTC)


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_timezone(name: str) -> bool:
    return name in known_timezones()


def read_timestamp(text: str) -> datetime:
    """Read an ISO 8601 timestamp that carries a UTC offset; ValueError for anything else.

    Without an offset the moment would be ambiguous.
    """
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    return value


def parse_timestamp(text: str, field: str) -> datetime:
    """The moment ``text`` names, in UTC; 422 naming ``field`` if it cannot be held in UTC."""
    try:
        return read_timestamp(text).astimezone(UTC)
    except OverflowError:
        # 0001-01-01T00:00:00+01:00 is a valid timestamp whose UTC date is before year 1.
        raise _out_of_range(field) from None


def require_supported(moment: datetime, field: str) -> None:
    """Refuse a moment outside the years 1900 to 2999 with a 422 naming ``field``."""
    if not EARLIEST <= moment < LATEST:
        raise _out_of_range(field)


def require_supported_day(day: date, field: str) -> None:
    """Refuse a date outside the years 1900 to 2999 with a 422 naming ``field``.

    Checked before any arithmetic on it: a day after 9999-12-31 cannot be computed.
    """
    if not EARLIEST.date() <= day < LATEST.date():
        raise _out_of_range(field)


def _out_of_range(field: str) -> RuleViolation:
    return RuleViolation(
        f"{field} must lie between the years 1900 and 2999.",
        code="out_of_range",
        details={field: "must lie between 1900-01-01 and 2999-12-31"},
    )


def format_timestamp(moment: datetime) -> str:
    """ISO 8601 in UTC with milliseconds and ``Z``: ``2026-02-14T10:00:00.000Z``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
