"""E-mails about bookings, to the invitee and the host, each with an ``.ics`` invitation.

:func:`compose` runs when a booking event is dispatched: it renders each message once and
keeps its whole MIME text in an :class:`~models.EmailMessage` row. :func:`send` then hands a
row to the SMTP server (or, without ``SMTP_URL``, stores and logs it), retrying failures.
"""

from models import EmailMessage

from .compose import compose, compose_text
from .transport import SmtpSettings, SmtpUrlError, parse_smtp_url, send


def messages_about(booking_id: str) -> list[EmailMessage]:
    """The e-mails about a booking, oldest first, without their MIME text; one query."""
    return list(
        EmailMessage.select(
            *(
                field
                for field in EmailMessage._meta.sorted_fields
                if field is not EmailMessage.message
            )
        )
        .where(EmailMessage.booking == booking_id)
        .order_by(EmailMessage.created_at, EmailMessage.id)
    )


__all__ = [
    "SmtpSettings",
    "SmtpUrlError",
    "compose",
    "compose_text",
    "messages_about",
    "parse_smtp_url",
    "send",
]
