"""Time zones and timestamps as the API writes them."""

from datetime import UTC, datetime
from functools import cache
from zoneinfo import available_timezones


@cache
def known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_timezone(name: str) -> bool:
    return name in known_timezones()


def parse_timestamp(text: str) -> datetime:
    """Parse an ISO 8601 timestamp with an offset into an aware UTC datetime.

    Raise ValueError for anything else, including a missing offset (the moment would be
    ambiguous) and moments that do not fit in the supported range once in UTC.
    """
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError(f"{text!r} has no UTC offset")
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{text!r} is out of range") from None
