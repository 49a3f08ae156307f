"""Compose the e-mails about a booking event: one row per recipient, its MIME text final."""

from email import policy
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage as MimeMessage
from email.utils import format_datetime, parseaddr

from models import (
    ACTIVE_STATUSES,
    Booking,
    DomainEvent,
    EmailMessage,
    EventType,
    Schedule,
    User,
    new_id,
    utcnow,
)
from services.bookings import manage_url
from services.events import BOOKING_EVENTS

from .content import Notice, Recipient, one_line
from .ics import Person

# 7-bit bodies (quoted-printable where needed), so the stored text is plain ASCII and any
# SMTP server takes it as it is.
MIME_POLICY = policy.default.clone(cte_type="7bit")
# The log's subject column holds this much.
MAX_SUBJECT = 300


def compose(event: DomainEvent, *, config: dict) -> list[EmailMessage]:
    """Create the pending e-mails about a booking event: the invitee's, then each host's.

    Every host attending gets one (the primary host first): a collective booking's
    co-hosts need it in their calendars as much as the primary host.
    """
    if event.type not in BOOKING_EVENTS or event.booking_id is None:
        return []
    booking = (
        Booking.select(Booking, EventType, Schedule, User)
        .join(EventType)
        .join(Schedule)
        .switch(Booking)
        .join(User, on=Booking.host)
        .where(Booking.id == event.booking_id)
        .first()
    )
    if booking is None:
        return []
    notice = Notice.of(event, booking)
    invitee = Recipient(
        role="invitee",
        person=notice.invitee,
        timezone=notice.invitee_timezone,
        # Nothing is left to manage once a booking is cancelled or declined.
        manage_url=manage_url(config["BASE_URL"], booking.id, config["SECRET_KEY"])
        if notice.status in ACTIVE_STATUSES
        else None,
    )
    zone = booking.event_type.schedule.timezone
    hosts = [Recipient(role="host", person=notice.host, timezone=zone)] + [
        Recipient(role="host", person=Person(user.name, user.email), timezone=zone)
        for user in _co_hosts(booking)
    ]
    due = event.created_at or utcnow()
    return [_create(notice, recipient, config["MAIL_FROM"], due) for recipient in (invitee, *hosts)]


def _co_hosts(booking: Booking) -> list[User]:
    """The hosts attending besides the primary host, in the booking's order."""
    others = booking.host_ids[1:]
    if not others:
        return []
    users = {user.id: user for user in User.select().where(User.id.in_(others))}
    return [users[host_id] for host_id in others if host_id in users]


def _create(notice: Notice, recipient: Recipient, sender: str, due) -> EmailMessage:
    message_id = new_id("eml")
    subject = notice.subject(recipient)
    row = {
        "id": message_id,
        "organization": notice.booking.organization_id,
        "booking": notice.booking.id,
        "to": recipient.person.email,
        "subject": subject,
        "template": f"booking_{notice.kind}_{recipient.role}",
        "next_attempt_at": due,
    }
    try:
        to = Address(display_name=one_line(recipient.person.name), addr_spec=recipient.person.email)
    except (ValueError, IndexError, MessageError) as exc:
        # Logged as failed rather than raised: the event's other e-mail and its webhooks
        # must not wait for an address that no retry can mend.
        return EmailMessage.create(
            **row, message="", status="failed", error=f"Not a deliverable address: {exc}"
        )
    text, html = notice.render(recipient)
    invitation = notice.invitation(recipient)
    mime = MimeMessage(policy=MIME_POLICY)
    mime["From"] = sender
    mime["To"] = to
    mime["Subject"] = subject
    mime["Date"] = format_datetime(notice.stamp)
    mime["Message-ID"] = f"<{message_id}@{_domain(sender)}>"
    mime.set_content(text)
    mime.add_alternative(html, subtype="html")
    mime.add_attachment(
        invitation.to_ical(),
        subtype="calendar",
        filename="invite.ics",
        params={"method": invitation.method},
    )
    return EmailMessage.create(**row, message=mime.as_string())


def compose_text(
    *,
    organization_id: str,
    booking_id: str,
    to_name: str,
    to_email: str,
    subject: str,
    body: str,
    template: str,
    sender: str,
    due,
) -> EmailMessage:
    """Create a pending plain-text e-mail about a booking (a workflow's), logged like the rest."""
    message_id = new_id("eml")
    subject = one_line(subject)[:MAX_SUBJECT]
    row = {
        "id": message_id,
        "organization": organization_id,
        "booking": booking_id,
        "to": to_email,
        "subject": subject,
        "template": template,
        "next_attempt_at": due,
    }
    try:
        to = Address(display_name=one_line(to_name), addr_spec=to_email)
    except (ValueError, IndexError, MessageError) as exc:
        return EmailMessage.create(
            **row, message="", status="failed", error=f"Not a deliverable address: {exc}"
        )
    mime = MimeMessage(policy=MIME_POLICY)
    mime["From"] = sender
    mime["To"] = to
    mime["Subject"] = subject
    mime["Date"] = format_datetime(due)
    mime["Message-ID"] = f"<{message_id}@{_domain(sender)}>"
    mime.set_content(body)
    return EmailMessage.create(**row, message=mime.as_string())


def _domain(sender: str) -> str:
    _, address = parseaddr(sender)
    return address.rpartition("@")[2] or "slotwise"
