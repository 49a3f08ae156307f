"""Working hours: weekly rules and date overrides, checked for what a schema cannot say."""

from datetime import date

from peewee import IntegrityError

from models import EventType, Schedule, db, write_transaction

from .errors import Conflict, RuleViolation
from .lookup import oldest_first, owned
from .pagination import Page, paginate
from .text import clean_name
from .timeutil import require_supported_day

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def minutes(local_time: str) -> int:
    """Minutes since midnight of an ``HH:MM`` time; ``24:00`` is 1440."""
    hours, mins = local_time.split(":")
    return int(hours) * 60 + int(mins)


def _check_ends(intervals: list[dict], path: str) -> None:
    for index, interval in enumerate(intervals):
        if minutes(interval["end"]) <= minutes(interval["start"]):
            field = f"{path}[{index}].end"
            raise RuleViolation(
                f"{field} must be after its start.",
                code="end_before_start",
                details={field: f"must be after {interval['start']}"},
            )


def _overlap(a: dict, b: dict) -> bool:
    """Whether two intervals share a minute; touching ones (09-12, 12-17) do not."""
    return minutes(a["start"]) < minutes(b["end"]) and minutes(b["start"]) < minutes(a["end"])


def check_rules(rules: list[dict]) -> None:
    """Refuse a rule ending before it starts, and two rules overlapping on a weekday."""
    _check_ends(rules, "rules")
    for index, rule in enumerate(rules):
        for earlier in range(index):
            other = rules[earlier]
            shared = [day for day in WEEKDAYS if day in rule["days"] and day in other["days"]]
            if shared and _overlap(rule, other):
                message = f"overlaps rules[{earlier}] on {shared[0]}"
                raise RuleViolation(
                    f"rules[{index}] {message}.",
                    code="overlapping_rules",
                    details={f"rules[{index}]": message},
                )


def check_overrides(overrides: list[dict]) -> list[dict]:
    """Refuse a date overridden twice, out of range, or with bad hours; return them sorted."""
    seen: dict[str, int] = {}
    for index, override in enumerate(overrides):
        path, day = f"overrides[{index}]", override["date"]
        require_supported_day(date.fromisoformat(day), f"{path}.date")
        if day in seen:
            message = f"{day} is already overridden by overrides[{seen[day]}]"
            raise RuleViolation(
                f"{path}.date: {message}.",
                code="duplicate_override",
                details={f"{path}.date": message},
            )
        seen[day] = index
        intervals = override["intervals"]
        _check_ends(intervals, f"{path}.intervals")
        for later, interval in enumerate(intervals):
            for earlier in range(later):
                if _overlap(interval, intervals[earlier]):
                    message = f"overlaps {path}.intervals[{earlier}]"
                    raise RuleViolation(
                        f"{path}.intervals[{later}] {message} on {day}.",
                        code="overlapping_intervals",
                        details={f"{path}.intervals[{later}]": message},
                    )
    return sorted(overrides, key=lambda override: override["date"])


def list_schedules(principal, *, page: int, limit: int) -> Page:
    """The organization's schedules, oldest first."""
    return paginate(oldest_first(Schedule, principal.organization_id), page, limit)


def get_schedule(principal, schedule_id: str) -> Schedule:
    """A schedule of the caller's organization; NotFound for any other id."""
    return owned(Schedule, schedule_id, principal.organization_id, "schedule")


def default_schedule_of(user_id: str) -> Schedule | None:
    return Schedule.get_or_none((Schedule.owner == user_id) & Schedule.is_default)


def _make_default(schedule: Schedule) -> None:
    """Make ``schedule`` its owner's only default; call inside a transaction."""
    Schedule.update(is_default=False).where(
        (Schedule.owner == schedule.owner_id) & Schedule.is_default & (Schedule.id != schedule.id)
    ).execute()
    schedule.is_default = True


def create_schedule(
    principal, *, name: str, timezone: str, rules=None, overrides=None, is_default=False
) -> Schedule:
    """Create working hours for the caller's user; their first schedule becomes the default."""
    rules = rules or []
    check_rules(rules)
    overrides = check_overrides(overrides or [])
    schedule = Schedule(
        organization=principal.organization_id,
        owner=principal.user_id,
        name=clean_name(name, "name"),
        timezone=timezone,
        rules=rules,
        overrides=overrides,
    )
    try:
        with write_transaction():
            if is_default or default_schedule_of(principal.user_id) is None:
                _make_default(schedule)
            schedule.save(force_insert=True)
    except IntegrityError:
        # Only the one-default-per-owner index can object: a concurrent request won.
        raise Conflict(
            "Another request changed the default schedule at the same time; retry.",
            code="concurrent_update",
        ) from None
    return schedule


def update_schedule(
    principal,
    schedule_id: str,
    *,
    name=None,
    timezone=None,
    rules=None,
    overrides=None,
    is_default=None,
) -> Schedule:
    """Change the fields given (None: unchanged); ``rules`` and ``overrides`` replace the lists."""
    schedule = get_schedule(principal, schedule_id)
    if is_default is False and schedule.is_default:
        raise RuleViolation(
            "This schedule is its owner's default; make another schedule the default instead.",
            code="default_required",
            details={"isDefault": "cannot unset the default; set another schedule's isDefault"},
        )
    if name is not None:
        schedule.name = clean_name(name, "name")
    if timezone is not None:
        schedule.timezone = timezone
    if rules is not None:
        check_rules(rules)
        schedule.rules = rules
    if overrides is not None:
        schedule.overrides = check_overrides(overrides)
    with write_transaction():
        if is_default:
            _make_default(schedule)
        schedule.save()
    return schedule


def replace_overrides(principal, schedule_id: str, overrides: list[dict]) -> Schedule:
    """Replace every date override of a schedule at once."""
    return update_schedule(principal, schedule_id, overrides=overrides)


def _users_of(schedule: Schedule) -> list[str]:
    # Deleted event types count: their bookings still read this schedule.
    query = (
        EventType.select(EventType.id)
        .where(EventType.schedule == schedule.id)
        .order_by(EventType.created_at, EventType.id)
    )
    return [event_type.id for event_type in query]


def _refuse_in_use(event_type_ids: list[str]) -> None:
    count = len(event_type_ids)
    raise Conflict(
        f"{count} event type{'s use' if count != 1 else ' uses'} this schedule.",
        code="schedule_in_use",
        details={"eventTypeIds": event_type_ids},
    )


def delete_schedule(principal, schedule_id: str) -> None:
    """Delete a schedule that no event type uses and that is not its owner's default."""
    schedule = get_schedule(principal, schedule_id)
    used_by = _users_of(schedule)
    if used_by:
        _refuse_in_use(used_by)
    if schedule.is_default:
        raise Conflict(
            "This schedule is its owner's default; make another schedule the default first.",
            code="default_schedule",
            details={"id": schedule_id},
        )
    try:
        with db.atomic():
            schedule.delete_instance()
    except IntegrityError:
        # An event type may have started using it since the check above.
        used_by = _users_of(schedule)
        if not used_by:
            raise
        _refuse_in_use(used_by)
