"""The calendar file attached to every booking e-mail (RFC 5545, iTIP methods of RFC 5546)."""

from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event, vCalAddress, vText

PRODUCT_ID = "-//Slotwise//Slotwise bookings//EN"

# A booking's status as the calendar's STATUS; both refusals remove the event.
STATUSES = {
    "CONFIRMED": "CONFIRMED",
    "PENDING": "TENTATIVE",
    "CANCELLED": "CANCELLED",
    "DECLINED": "CANCELLED",
}


def uid_of(booking_id: str) -> str:
    """The event's UID: the same for the life of a booking, so calendars update one entry."""
    return f"{booking_id}@slotwise"


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class Invitation:
    """One version of a booking as a calendar event; a higher ``sequence`` replaces a lower."""

    booking_id: str
    sequence: int
    booking_status: str
    start: datetime
    end: datetime
    # When this version came to be (the event's time), so equal sequences still order.
    stamp: datetime
    summary: str
    organizer: Person
    attendee: Person
    location: str = ""
    description: str = ""

    @property
    def status(self) -> str:
        return STATUSES[self.booking_status]

    @property
    def method(self) -> str:
        return "CANCEL" if self.status == "CANCELLED" else "REQUEST"

    def to_ical(self) -> str:
        calendar = Calendar()
        calendar.add("prodid", PRODUCT_ID)
        calendar.add("version", "2.0")
        calendar.add("method", self.method)
        event = Event()
        event.add("uid", uid_of(self.booking_id))
        event.add("sequence", self.sequence)
        event.add("dtstamp", self.stamp)
        event.add("dtstart", self.start)
        event.add("dtend", self.end)
        event.add("summary", self.summary)
        event.add("status", self.status)
        event.add("organizer", _address(self.organizer))
        attendee = _address(self.attendee)
        attendee.params.update({"ROLE": "REQ-PARTICIPANT", "PARTSTAT": "ACCEPTED", "RSVP": "FALSE"})
        event.add("attendee", attendee)
        if self.location:
            event.add("location", self.location)
        if self.description:
            event.add("description", self.description)
        calendar.add_component(event)
        return calendar.to_ical().decode()


def _address(person: Person) -> vCalAddress:
    address = vCalAddress(f"mailto:{person.email}")
    address.params["CN"] = vText(person.name)
    return address
