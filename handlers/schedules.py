"""Schedules: working hours in a time zone, with date overrides."""

from services import schedules
from services.schemas.base import page_of
from services.schemas.scheduling import ScheduleSchema

from .context import principal

SCHEDULE_SCHEMA = ScheduleSchema()


def list_schedules(page: int = 1, limit: int = 20):
    """List the organization's schedules, oldest first."""
    return page_of(
        schedules.list_schedules(principal(), page=page, limit=limit), SCHEDULE_SCHEMA
    ), 200


def create_schedule(body: dict):
    """Create working hours for the calling key's user."""
    schedule = schedules.create_schedule(
        principal(),
        name=body["name"],
        timezone=body["timezone"],
        rules=body.get("rules"),
        overrides=body.get("overrides"),
        is_default=body.get("isDefault", False),
    )
    return SCHEDULE_SCHEMA.dump(schedule), 201


def get_schedule(schedule_id: str):
    """Return one schedule of the organization."""
    return SCHEDULE_SCHEMA.dump(schedules.get_schedule(principal(), schedule_id)), 200


def update_schedule(schedule_id: str, body: dict):
    """Change the given fields of a schedule."""
    schedule = schedules.update_schedule(
        principal(),
        schedule_id,
        name=body.get("name"),
        timezone=body.get("timezone"),
        rules=body.get("rules"),
        overrides=body.get("overrides"),
        is_default=body.get("isDefault"),
    )
    return SCHEDULE_SCHEMA.dump(schedule), 200


def delete_schedule(schedule_id: str):
    """Delete a schedule that no event type uses and that is not a default."""
    schedules.delete_schedule(principal(), schedule_id)
    return None, 204


def replace_overrides(schedule_id: str, body: dict):
    """Replace every date override of a schedule."""
    schedule = schedules.replace_overrides(principal(), schedule_id, body["overrides"])
    return SCHEDULE_SCHEMA.dump(schedule), 200
