"""Free text as people type it."""

from .errors import RuleViolation


def clean_name(value: str, field: str) -> str:
    """Trim surrounding whitespace; refuse a name with nothing visible in it."""
    cleaned = value.strip()
    if not cleaned:
        raise RuleViolation(
            f"{field} must contain a visible character.",
            code="blank_name",
            details={field: "must contain a visible character"},
        )
    return cleaned
