"""Bookings: the only way a slot becomes taken, and every later change of a booking.

A booking is written only if its slot is still free at commit time: the check and the
insert run in one transaction that serializes the bookings of every host involved (SQLite's
write lock, or row locks on the hosts in PostgreSQL, taken in the order of their ids, where
an exclusion constraint on ``booking_host`` backs it up).

Which hosts attend follows the event type's assignment: its one host (single), all of them
(collective), or one free host (round robin): the host with the fewest active bookings of
the event type starting from 30 days before the slot to the end of the booking window (or
the slot's end, if later), ties going to the lowest host id. A recurring series goes to one
host free at every occurrence.
"""

import base64
import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import DAILY, MONTHLY, WEEKLY, rrule
from peewee import SQL, IntegrityError, fn

from models import (
    ACTIVE_STATUSES,
    Booking,
    BookingEvent,
    BookingHost,
    Contact,
    EventType,
    Organization,
    Prepared,
    Schedule,
    new_id,
    write_transaction,
)

from . import calendar, events, locations
from .billing import invoices
from .contacts import normalize_email
from .errors import Conflict, NotFound, RuleViolation
from .lookup import owned
from .pagination import Page, page_of_items, paginate
from .timeutil import (
    format_timestamp,
    parse_timestamp,
    require_supported,
    require_supported_day,
)

INVITEE = "invitee"
# Reasons that mean "someone else got there first": the slot was offered a moment ago.
TAKEN = frozenset({"busy", "buffer", "full", "daily_limit"})
# What even a forced booking must respect: other meetings and the seats of a group slot.
NEVER_OVERRIDDEN = frozenset({"busy", "full"})
MAX_OCCURRENCES = 52
# Round robin weighs each free host's bookings from this long before the slot.
ROUND_ROBIN_LOOKBACK = timedelta(days=30)
FREQUENCIES = {"daily": DAILY, "weekly": WEEKLY, "monthly": MONTHLY}


@dataclass(frozen=True)
class Invitee:
    name: str
    email: str
    timezone: str
    notes: str = ""
    answers: dict = field(default_factory=dict)


def manage_token(booking_id: str, secret: str) -> str:
    """The invitee's token for one booking: derived, so every e-mail can carry the link.

    Nothing about it is stored; it proves knowledge of the server secret for this id.
    """
    digest = hmac.new(secret.encode(), f"manage:{booking_id}".encode(), hashlib.sha256).digest()
    return "mt_" + base64.urlsafe_b64encode(digest).decode().rstrip("=")[:32]


def manage_url(base_url: str, booking_id: str, secret: str) -> str:
    """The hosted page where the invitee sees, cancels and reschedules the booking."""
    return f"{base_url}/manage/{booking_id}?token={manage_token(booking_id, secret)}"


# Creating


def book(
    event_type_id,
    invitee: Invitee,
    start: datetime,
    *,
    actor: str,
    now: datetime,
    secret: str,
    organization_id=None,
    only=None,
    force=False,
    recurrence=None,
):
    """Book ``start`` (and a series' further occurrences); return (first booking, manage token).

    Public bookings pass no ``organization_id``; the host's API and widget keys pass
    theirs, so other organizations' event types are not found; ``only`` limits the event
    types further (a widget key's list).
    """
    event_type = _bookable(event_type_id, organization_id, only)
    _check_answers(event_type.questions, invitee.answers)
    starts = _occurrences(event_type, start, recurrence) if recurrence else [start]
    series_id = new_id("ser") if recurrence else None
    # Invitees wait for the host's confirmation where the event type asks for it; a host
    # booking on someone's behalf has confirmed it by doing so.
    status = "PENDING" if event_type.requires_confirmation and actor == INVITEE else "CONFIRMED"
    # Read before the locks: the hosts locked are the only ones a booking may go to.
    hosts = event_type.host_ids
    place = locations.snapshot_of(event_type)
    try:
        with write_transaction():
            Booking.lock_hosts(hosts)
            contact = _contact_for(event_type.organization_id, invitee)
            attending = _attending(event_type, hosts, starts, now=now, force=force)
            bookings = []
            for at in starts:
                _require_free(event_type, at, attending, now=now, force=force)
                bookings.append(
                    _insert(
                        event_type, contact, invitee, at, status, series_id, actor, attending, place
                    )
                )
            for number, booking in enumerate(bookings):
                # One e-mail for a new series, not one per occurrence; every webhook still.
                events.booking_event("booking.created", booking, email=number == 0)
                invoices.invoice_booking(event_type, booking, now=now)
    except IntegrityError:
        raise _taken(start, ["busy"]) from None
    return bookings[0], manage_token(bookings[0].id, secret)


def _bookable_query(value, of_organization: bool):
    query = (
        EventType.select(EventType, Schedule)
        .join(Schedule)
        .where(
            (EventType.id == value("id", EventType.id))
            & EventType.deleted_at.is_null()
            & EventType.active
        )
    )
    if of_organization:
        query = query.where(
            EventType.organization == value("organization_id", EventType.organization)
        )
    return query.limit(1)


_BOOKABLE = Prepared(_bookable_query)


def _bookable(event_type_id, organization_id, only=None) -> EventType:
    event_type = _BOOKABLE.first(
        organization_id is not None, id=event_type_id, organization_id=organization_id
    )
    if event_type is None or (only is not None and event_type.id not in only):
        raise NotFound(
            f"No bookable event type with id '{event_type_id}'.",
            details={"eventTypeId": event_type_id},
        )
    return event_type


def _check_answers(questions: list[dict], answers: dict) -> None:
    known = {question["id"]: question for question in questions}
    problems = {
        f"answers.{key}": "is not a question of this event type"
        for key in answers
        if key not in known
    }
    for question in questions:
        value = answers.get(question["id"])
        where = f"answers.{question['id']}"
        if question.get("required") and not (value or "").strip():
            problems[where] = "is required"
        elif (
            value is not None and question["type"] == "select" and value not in question["options"]
        ):
            problems[where] = "must be one of: " + ", ".join(question["options"])
    if problems:
        summary = "; ".join(f"{name}: {message}" for name, message in problems.items())
        # Schema-valid, but not what this event type asks: a rule, not a malformed request.
        raise RuleViolation(f"Invalid answers: {summary}", code="invalid_answers", details=problems)


def _occurrences(event_type: EventType, start: datetime, recurrence: dict) -> list[datetime]:
    """The series' starts, repeating the local time in the schedule's zone."""
    zone = ZoneInfo(event_type.schedule.timezone)
    local_start = start.astimezone(zone).replace(tzinfo=None)
    until = None
    if "until" in recurrence:
        last_day = date.fromisoformat(recurrence["until"])
        if last_day < local_start.date():
            raise RuleViolation(
                "recurrence.until lies before startTime.",
                code="invalid_recurrence",
                details={"recurrence.until": "must not be before startTime"},
            )
        if last_day > local_start.date() + timedelta(days=366):
            raise RuleViolation(
                "A series may reach at most a year ahead.",
                code="invalid_recurrence",
                details={"recurrence.until": "at most a year after startTime"},
            )
        until = datetime.combine(last_day, time.max)
    rule = rrule(
        FREQUENCIES[recurrence["frequency"]],
        dtstart=local_start,
        interval=recurrence.get("interval", 1),
        count=recurrence.get("count"),
        until=until,
    )
    local_starts = list(islice(rule, MAX_OCCURRENCES + 1))
    if len(local_starts) > MAX_OCCURRENCES:
        raise RuleViolation(
            f"A series may have at most {MAX_OCCURRENCES} occurrences.",
            code="invalid_recurrence",
            details={"recurrence": f"more than {MAX_OCCURRENCES} occurrences"},
        )
    # A local time that a daylight-saving change skips moves past the gap, as in the engine.
    return [moment.replace(tzinfo=zone).astimezone(UTC) for moment in local_starts]


def _refusal(at: datetime, codes) -> Conflict | RuleViolation:
    if codes <= TAKEN:
        return _taken(at, sorted(codes))
    return RuleViolation(
        f"{format_timestamp(at)} is not a bookable slot: {', '.join(sorted(codes))}.",
        code="slot_unavailable",
        details={"startTime": format_timestamp(at), "reasons": sorted(codes)},
    )


def _require_free(event_type, at: datetime, host_ids, *, now, force=False, exclude=None) -> None:
    """Refuse ``at`` unless every one of ``host_ids`` may take it."""
    only = NEVER_OVERRIDDEN if force else None
    team = calendar.explain_hosts(event_type, at, host_ids=host_ids, now=now, exclude=exclude)
    codes = {reason.code for reason in team.combined(every=True, only=only).reasons}
    if codes:
        raise _refusal(at, codes)


def _attending(event_type, hosts, starts, *, now, force=False, exclude=None, prefer=None):
    """The hosts a booking at ``starts`` goes to, the primary host first.

    Single and collective: the event type's hosts. Round robin: one host free at every
    start, ``prefer`` if it is among them, else the least booked.
    """
    if event_type.assignment != "round_robin":
        return tuple(hosts)
    only = NEVER_OVERRIDDEN if force else None
    common = sorted(hosts)
    for at in starts:
        team = calendar.explain_hosts(event_type, at, host_ids=common, now=now, exclude=exclude)
        codes = {reason.code for reason in team.combined(every=False, only=only).reasons}
        if codes:
            raise _refusal(at, codes)
        common = list(team.free_hosts(only))
    if prefer in common:
        return (prefer,)
    return (_least_booked(event_type, common, starts[0], now=now, exclude=exclude),)


def _least_booked(event_type, host_ids, at: datetime, *, now, exclude=None) -> str:
    """The host with the fewest active bookings of the event type around ``at``.

    Counted: bookings starting from 30 days before ``at`` to the end of the booking
    window's last date in the schedule's zone (or the slot's end, if later). Ties go to the
    lowest host id.
    """
    zone = ZoneInfo(event_type.schedule.timezone)
    last_day = now.astimezone(zone).date() + timedelta(days=event_type.booking_window_days)
    window_end = datetime.combine(last_day + timedelta(days=1), time(), zone)
    until = max(window_end, at + timedelta(minutes=event_type.duration_minutes))
    query = (
        BookingHost.select(BookingHost.host, fn.COUNT(BookingHost.booking))
        .where(
            (BookingHost.event_type == event_type.id)
            & BookingHost.active
            & BookingHost.host.in_(list(host_ids))
            & (BookingHost.start_at >= at - ROUND_ROBIN_LOOKBACK)
            & (BookingHost.start_at < until)
        )
        .group_by(BookingHost.host)
    )
    if exclude is not None:
        query = query.where(BookingHost.booking != exclude)
    counts = dict(query.tuples())
    return min(host_ids, key=lambda host_id: (counts.get(host_id, 0), host_id))


def _taken(at: datetime, reasons: list[str]) -> Conflict:
    return Conflict(
        "This slot has just been taken.",
        code="slot_taken",
        details={"startTime": format_timestamp(at), "reasons": reasons},
    )


def _contact_for(organization_id: str, invitee: Invitee) -> Contact:
    """The organization's contact with the invitee's e-mail address, created if new."""
    email = normalize_email(invitee.email)
    new = Contact(organization=organization_id, email=email, name=invitee.name.strip())
    # Insert-or-ignore, so two first bookings of one person with two hosts cannot collide.
    if not new.insert_new():
        return Contact.get(
            (Contact.organization == organization_id)
            & (Contact.email == email)
            & Contact.deleted_at.is_null()
        )
    events.contact_event("contact.created", new)
    return new


def _seat_key(event_type: EventType, at: datetime, booking_id: str) -> str:
    if event_type.seats_per_slot == 1:
        return booking_id
    return f"{event_type.id}@{format_timestamp(at)}"


def _insert(
    event_type, contact, invitee, at, status, series_id, actor, attending, place
) -> Booking:
    booking_id = new_id("bkg")
    booking = Booking.create(
        id=booking_id,
        organization=event_type.organization_id,
        event_type=event_type,
        host=attending[0],
        contact=contact,
        status=status,
        start_at=at,
        end_at=at + timedelta(minutes=event_type.duration_minutes),
        buffer_before_minutes=event_type.buffer_before_minutes,
        buffer_after_minutes=event_type.buffer_after_minutes,
        seat_key=_seat_key(event_type, at, booking_id),
        invitee_name=invitee.name.strip(),
        invitee_email=normalize_email(invitee.email),
        invitee_timezone=invitee.timezone,
        notes=invitee.notes,
        answers=invitee.answers,
        location=place,
        series_id=series_id,
    )
    BookingHost.add(booking, attending)
    BookingEvent.create(booking=booking, type="created", actor=actor)
    return booking


# Finding


def for_invitee(booking_id: str, token: str, secret: str) -> Booking:
    """The booking whose manage token this is; a wrong token looks like an unknown booking.

    The token is checked whether or not the booking exists, so the time taken does not
    tell; as bytes, since a token typed in an address may hold any character.
    """
    genuine = hmac.compare_digest(manage_token(booking_id, secret).encode(), token.encode())
    booking = Booking.get_or_none(Booking.id == booking_id)
    if booking is None or not genuine:
        raise NotFound(f"No booking with id '{booking_id}'.", details={"id": booking_id})
    return booking


def for_organization(booking_id: str, organization_id: str) -> Booking:
    return owned(Booking, booking_id, organization_id, "booking")


def history(booking: Booking) -> list[BookingEvent]:
    return list(booking.events.order_by(BookingEvent.created_at, BookingEvent.id))


def occurrences(booking: Booking, *, page: int, limit: int) -> Page:
    """The bookings of the series ``booking`` belongs to (just itself outside a series)."""
    query = Booking.select().where(
        (Booking.series_id == booking.series_id) & (Booking.organization == booking.organization_id)
        if booking.series_id
        else Booking.id == booking.id
    )
    return _with_hosts(paginate(query.order_by(Booking.start_at, Booking.id), page, limit))


def _with_hosts(page: Page) -> Page:
    Booking.with_hosts(page.items)
    return page


def _bound(value: str | None, organization_id: str, *, field: str, end: bool):
    """A ``from``/``to`` filter: a date is a whole day in the organization's zone."""
    if value is None:
        return None
    if len(value) == 10:
        day = date.fromisoformat(value)
        require_supported_day(day, field)
        day += timedelta(days=1 if end else 0)
        zone = ZoneInfo(Organization.get_by_id(organization_id).timezone)
        moment = datetime.combine(day, time(), zone)
    else:
        moment = parse_timestamp(value, field) + timedelta(microseconds=1 if end else 0)
    require_supported(moment, field)
    return moment


def search(
    organization_id,
    *,
    page,
    limit,
    status="all",
    start=None,
    end=None,
    event_type_id=None,
    contact_id=None,
) -> Page:
    """The organization's bookings matching the filters, sorted by start."""
    values = {
        "organization_id": organization_id,
        "status": None if status == "all" else status,
        "lower": _bound(start, organization_id, field="from", end=False),
        "upper": _bound(end, organization_id, field="to", end=True),
        "event_type_id": event_type_id,
        "contact_id": contact_id,
    }
    # Which filters apply: the shape of the queries.
    shape = tuple(values[name] is not None for name in _FILTERS)
    items = _SEARCH_PAGE.rows(*shape, **values, limit=limit, offset=(page - 1) * limit)
    found = page_of_items(items, page, limit, lambda: _SEARCH_COUNT.scalar(*shape, **values))
    return _with_hosts(found)


_FILTERS = ("status", "lower", "upper", "event_type_id", "contact_id")


def _search_query(value, *applied: bool):
    """The organization's bookings, filtered as ``applied`` (a flag for each of _FILTERS)."""
    query = Booking.select().where(
        Booking.organization == value("organization_id", Booking.organization)
    )
    status, lower, upper, event_type, contact = applied
    if status:
        query = query.where(Booking.status == value("status", Booking.status))
    if lower:
        query = query.where(Booking.start_at >= value("lower", Booking.start_at))
    if upper:
        query = query.where(Booking.start_at < value("upper", Booking.start_at))
    if event_type:
        query = query.where(Booking.event_type == value("event_type_id", Booking.event_type))
    if contact:
        query = query.where(Booking.contact == value("contact_id", Booking.contact))
    return query


_SEARCH_PAGE = Prepared(
    lambda value, *applied: (
        _search_query(value, *applied)
        .order_by(Booking.start_at, Booking.id)
        .limit(value("limit"))
        .offset(value("offset"))
    )
)
_SEARCH_COUNT = Prepared(
    lambda value, *applied: _search_query(value, *applied).select(fn.COUNT(SQL("1")))
)


# Changing


def cancel(booking: Booking, *, actor: str, reason: str = "") -> Booking:
    """Cancel a confirmed or pending booking; its slot is free at once."""
    _transition(booking, ACTIVE_STATUSES, "CANCELLED", "cancelled", actor=actor, reason=reason)
    return Booking.get_by_id(booking.id)


def decline(booking: Booking, *, actor: str, reason: str = "") -> Booking:
    _transition(booking, ("PENDING",), "DECLINED", "declined", actor=actor, reason=reason)
    return Booking.get_by_id(booking.id)


def confirm(booking: Booking, *, actor: str, now: datetime) -> Booking:
    """Confirm a pending booking, if no other booking has come to overlap it meanwhile."""
    try:
        with write_transaction():
            Booking.lock(booking.id)
            current = Booking.get_by_id(booking.id)
            Booking.lock_hosts(current.host_ids)
            if current.status == "PENDING":
                team = calendar.explain_hosts(
                    current.event_type,
                    current.start_at,
                    host_ids=current.host_ids,
                    now=now,
                    exclude=booking.id,
                )
                verdict = team.combined(every=True, only=NEVER_OVERRIDDEN)
                if verdict.reasons:
                    raise _taken(current.start_at, sorted({r.code for r in verdict.reasons}))
            _transition(booking, ("PENDING",), "CONFIRMED", "confirmed", actor=actor)
    except IntegrityError:
        raise _taken(booking.start_at, ["busy"]) from None
    return Booking.get_by_id(booking.id)


def reschedule(
    booking: Booking, start: datetime, *, actor: str, now: datetime, reason: str = "", force=False
) -> Booking:
    """Move a booking to another start, checked like a new booking; it keeps its id.

    The hosts are chosen again by the event type's current hosts and assignment; round
    robin keeps the booking's host when that host is free at the new time.
    """
    event_type = booking.event_type
    if event_type.deleted_at is not None or not event_type.active:
        raise Conflict(
            "The event type of this booking can no longer be booked.",
            code="event_type_unavailable",
            details={"eventTypeId": event_type.id},
        )
    hosts = event_type.host_ids
    try:
        with write_transaction():
            Booking.lock(booking.id)
            Booking.lock_hosts(hosts)
            current = Booking.get_by_id(booking.id)
            _require_status(current, ACTIVE_STATUSES)
            attending = _attending(
                event_type,
                hosts,
                [start],
                now=now,
                force=force,
                exclude=booking.id,
                prefer=current.host_id,
            )
            _require_free(event_type, start, attending, now=now, force=force, exclude=booking.id)
            Booking.update(
                host=attending[0],
                start_at=start,
                end_at=start + timedelta(minutes=event_type.duration_minutes),
                seat_key=_seat_key(event_type, start, booking.id),
                sequence=Booking.sequence + 1,
                updated_at=now,
            ).where(Booking.id == booking.id).execute()
            moved = Booking.get_by_id(booking.id)
            BookingHost.write(moved, attending)
            BookingEvent.create(
                booking=booking.id,
                type="rescheduled",
                actor=actor,
                reason=reason,
                previous_start_at=current.start_at,
                previous_end_at=current.end_at,
            )
            events.booking_event("booking.rescheduled", moved)
    except IntegrityError:
        raise _taken(start, ["busy"]) from None
    return moved


def _require_status(booking: Booking, allowed) -> None:
    if booking.status in allowed:
        return
    if booking.status == "CANCELLED":
        raise Conflict(
            "The booking is already cancelled.",
            code="already_cancelled",
            details={"status": "CANCELLED"},
        )
    raise Conflict(
        f"The booking is {booking.status}, not {' or '.join(allowed)}.",
        code="invalid_status",
        details={"status": booking.status},
    )


def _transition(
    booking: Booking, allowed, status: str, event: str, *, actor: str, reason: str = ""
) -> None:
    with write_transaction():
        # Conditional, so two concurrent cancellations cannot both succeed.
        changed = (
            Booking.update(
                status=status, sequence=Booking.sequence + 1, updated_at=datetime.now(UTC)
            )
            .where((Booking.id == booking.id) & Booking.status.in_(allowed))
            .execute()
        )
        if not changed:
            _require_status(Booking.get_by_id(booking.id), allowed)
        BookingHost.update(active=status in ACTIVE_STATUSES).where(
            BookingHost.booking == booking.id
        ).execute()
        BookingEvent.create(booking=booking.id, type=event, actor=actor, reason=reason)
        if status in ("CANCELLED", "DECLINED"):
            invoices.void_unpaid_of_booking(booking.id, now=datetime.now(UTC))
        events.booking_event(f"booking.{event}", Booking.get_by_id(booking.id))
