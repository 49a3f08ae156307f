"""What every representation shares: timestamps and the list envelope."""

from marshmallow import Schema, fields

from services.timeutil import format_timestamp


class Timestamp(fields.Field):
    """ISO 8601 in UTC with milliseconds and ``Z``: ``2026-02-14T10:00:00.000Z``."""

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else format_timestamp(value)


def page_of(page, schema: Schema) -> dict:
    """The list envelope: ``{"data": [...], "pagination": {...}}``."""
    return {
        "data": schema.dump(page.items, many=True),
        "pagination": {
            "page": page.page,
            "limit": page.limit,
            "total": page.total,
            "totalPages": page.total_pages,
        },
    }
