"""What a booking e-mail says: the facts of one event, worded for the invitee or the host."""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from models import Booking, BookingEvent, DomainEvent
from services import locations
from services.timeutil import read_timestamp

from .ics import Invitation, Person

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "email"

_templates = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)

# How a subject starts, by change (and by status for a new booking).
LABELS = {
    ("created", "CONFIRMED"): "Confirmed",
    ("created", "PENDING"): "Requested",
    ("confirmed", "CONFIRMED"): "Confirmed",
    ("declined", "DECLINED"): "Declined",
    ("cancelled", "CANCELLED"): "Cancelled",
    ("rescheduled", "CONFIRMED"): "Rescheduled",
    ("rescheduled", "PENDING"): "Rescheduled",
}


def one_line(text: str) -> str:
    """Text fit for a header: a name may hold line breaks, which a header must not."""
    return " ".join(text.split())


def time_range(start: datetime, end: datetime, zone_name: str) -> str:
    """``Tuesday, 1 December 2026, 09:00–09:30 (Europe/Berlin)``."""
    zone = ZoneInfo(zone_name)
    local_start, local_end = start.astimezone(zone), end.astimezone(zone)
    first_day = f"{local_start:%A}, {local_start.day} {local_start:%B %Y}"
    if local_start.date() == local_end.date():
        return f"{first_day}, {local_start:%H:%M}–{local_end:%H:%M} ({zone_name})"
    last_day = f"{local_end:%A}, {local_end.day} {local_end:%B %Y}"
    return f"{first_day}, {local_start:%H:%M} – {last_day}, {local_end:%H:%M} ({zone_name})"


def short_start(start: datetime, zone_name: str) -> str:
    """``Tue 1 Dec 09:00 (Europe/Berlin)``, for subjects."""
    local = start.astimezone(ZoneInfo(zone_name))
    return f"{local:%a} {local.day} {local:%b} {local:%H:%M} ({zone_name})"


@dataclass(frozen=True)
class Recipient:
    role: str  # "invitee" or "host"
    person: Person
    timezone: str
    # The invitee's link to see, cancel and reschedule an active booking; hosts manage
    # theirs through the API.
    manage_url: str | None = None


@dataclass(frozen=True)
class Notice:
    """A booking event as both its e-mails tell it."""

    kind: str
    booking: Booking
    status: str
    start: datetime
    end: datetime
    sequence: int
    stamp: datetime
    invitee: Person
    invitee_timezone: str
    host: Person
    notes: str
    answers: list[tuple[str, str]]
    reason: str
    previous: tuple[datetime, datetime] | None
    # The booking's copy of where it happens, as it was then.
    location: dict | None

    @classmethod
    def of(cls, event: DomainEvent, booking: Booking) -> "Notice":
        """Read from the event's data, which holds the booking as it was when it happened."""
        data = event.data
        answers = data.get("answers", {})
        kind = event.type.removeprefix("booking.")
        step = _step(booking.id, kind, event.created_at)
        previous = None
        if kind == "rescheduled" and step is not None and step.previous_start_at is not None:
            previous = (step.previous_start_at, step.previous_end_at)
        return cls(
            kind=kind,
            booking=booking,
            status=data["status"],
            start=read_timestamp(data["startTime"]).astimezone(UTC),
            end=read_timestamp(data["endTime"]).astimezone(UTC),
            # Older event data carries no sequence; the row's is the best known then.
            sequence=data.get("sequence", booking.sequence),
            stamp=event.created_at,
            invitee=Person(data["inviteeName"], data["inviteeEmail"]),
            invitee_timezone=data["inviteeTimezone"],
            host=Person(booking.host.name, booking.host.email),
            notes=data.get("notes", ""),
            answers=[
                (question["label"], answers[question["id"]])
                for question in booking.event_type.questions
                if answers.get(question["id"])
            ],
            reason=step.reason if step is not None else "",
            previous=previous,
            # Events recorded before bookings kept a location carry none of their own.
            location=data.get("location", booking.location),
        )

    @property
    def title(self) -> str:
        return self.booking.event_type.title

    def invitation(self, recipient: Recipient) -> Invitation:
        description = ""
        if recipient.manage_url:
            description = f"View, reschedule or cancel: {recipient.manage_url}"
        return Invitation(
            booking_id=self.booking.id,
            sequence=self.sequence,
            booking_status=self.status,
            start=self.start,
            end=self.end,
            stamp=self.stamp,
            summary=self.title,
            organizer=self.host,
            attendee=self.invitee,
            location=locations.calendar_text(self.location),
            description=description,
        )

    def subject(self, recipient: Recipient) -> str:
        """``Confirmed: Intro call with Ada Lovelace on Tue 1 Dec 09:00 (Europe/Berlin)``."""
        other = self.host if recipient.role == "invitee" else self.invitee
        label = LABELS.get((self.kind, self.status), self.kind.capitalize())
        when = short_start(self.start, recipient.timezone)
        return one_line(f"{label}: {self.title} with {other.name} on {when}")

    def render(self, recipient: Recipient) -> tuple[str, str]:
        """The plain-text and HTML bodies for one recipient."""
        context = {
            "kind": self.kind,
            "status": self.status,
            "title": self.title,
            "booking_id": self.booking.id,
            "host": self.host,
            "invitee": self.invitee,
            "invitee_timezone": self.invitee_timezone,
            "when": time_range(self.start, self.end, recipient.timezone),
            "previous_when": self.previous and time_range(*self.previous, recipient.timezone),
            "location_kind": locations.kind_label((self.location or {}).get("type")),
            "location": locations.details_text(self.location),
            "notes": self.notes,
            "answers": self.answers,
            "reason": self.reason,
            "manage_url": recipient.manage_url,
        }
        text = _templates.get_template(f"{recipient.role}.txt").render(context)
        html = _templates.get_template(f"{recipient.role}.html").render(context)
        return text, html


def _step(booking_id: str, kind: str, until: datetime) -> BookingEvent | None:
    """The booking's history entry for this event: the latest of its kind up to then."""
    return (
        BookingEvent.select()
        .where(
            (BookingEvent.booking == booking_id)
            & (BookingEvent.type == kind)
            & (BookingEvent.created_at <= until)
        )
        .order_by(BookingEvent.created_at.desc())
        .first()
    )
