"""Sending a composed e-mail: over SMTP when configured, else stored and logged.

A failed attempt leaves the message pending until its next attempt, ``RETRY_SECONDS``
apart (with jitter, so a server's recovery is not met by every message at once); after the
last wait's attempt fails too, the message is given up as failed.
"""

import contextlib
import logging
import random
import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from models import EmailMessage
from services import work

logger = logging.getLogger("slotwise.mail")

TIMEOUT_SECONDS = 10
JITTER = 0.1
MAX_ERROR = 1000
DEFAULT_PORTS = {"plain": 25, "starttls": 587, "tls": 465}
_TRUE = ("1", "true", "yes", "on")
_random = random.SystemRandom()


class SmtpUrlError(ValueError):
    pass


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    # "tls" (implicit, smtps://), "starttls" (?starttls=1), or "plain"
    security: str
    username: str = ""
    password: str = ""


def parse_smtp_url(url: str) -> SmtpSettings:
    """``smtp://user:pass@host:port``, ``smtps://…`` (implicit TLS), or ``…?starttls=1``.

    Errors never quote the URL, which may hold a password.
    """
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise SmtpUrlError(f"SMTP_URL must start with smtp:// or smtps://, not {parts.scheme}://")
    if not parts.hostname:
        raise SmtpUrlError("SMTP_URL names no host")
    starttls = parse_qs(parts.query).get("starttls", [""])[-1].lower() in _TRUE
    if parts.scheme == "smtps" and starttls:
        raise SmtpUrlError("SMTP_URL cannot ask for both smtps:// and starttls")
    security = "tls" if parts.scheme == "smtps" else "starttls" if starttls else "plain"
    try:
        port = parts.port or DEFAULT_PORTS[security]
    except ValueError:
        raise SmtpUrlError("SMTP_URL has a port that is not a number from 0 to 65535") from None
    return SmtpSettings(
        host=parts.hostname,
        port=port,
        security=security,
        username=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
    )


def deliver(settings: SmtpSettings, sender: str, recipient: str, message: str) -> None:
    """Hand one message to the SMTP server; raises smtplib.SMTPException or OSError."""
    context = ssl.create_default_context()
    if settings.security == "tls":
        client = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=TIMEOUT_SECONDS, context=context
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT_SECONDS)
    try:
        if settings.security == "starttls":
            client.starttls(context=context)
        if settings.username:
            client.login(settings.username, settings.password)
        client.sendmail(sender, [recipient], message)
    finally:
        # The message is handed over once DATA is accepted; a failing QUIT must not
        # make it look unsent and send it again.
        with contextlib.suppress(smtplib.SMTPException, OSError):
            client.quit()
        client.close()


def send(message_id: str, *, now: datetime, config: dict) -> datetime | None:
    """Send (or store) a pending e-mail that is due; return its retry time if one is set."""
    lease = timedelta(seconds=config["JOB_LEASE_SECONDS"])
    message = work.claim(EmailMessage, message_id, now, lease)
    if message is None:
        return None
    if not config.get("SMTP_URL"):
        logger.info(
            "E-mail %s (%s) to %s stored, not sent: SMTP_URL is not set.",
            message.id,
            message.template,
            message.to,
        )
        _finish(message, status="stored")
        return None
    try:
        settings = parse_smtp_url(config["SMTP_URL"])
        deliver(settings, parseaddr(config["MAIL_FROM"])[1], message.to, message.message)
    except (smtplib.SMTPException, OSError, ValueError) as exc:
        return _failed(message, describe(exc), now=now, waits=config["RETRY_SECONDS"])
    _finish(message, status="sent", attempts=message.attempts + 1, sent_at=now, error="")
    logger.info("E-mail %s (%s) to %s sent.", message.id, message.template, message.to)
    return None


def _failed(message: EmailMessage, error: str, *, now: datetime, waits) -> datetime | None:
    attempts = message.attempts + 1
    if attempts > len(waits):
        _finish(message, status="failed", attempts=attempts, error=error, next_attempt_at=None)
        logger.warning(
            "E-mail %s to %s given up after %d attempts: %s",
            message.id,
            message.to,
            attempts,
            error,
        )
        return None
    wait = waits[attempts - 1] * _random.uniform(1 - JITTER, 1 + JITTER)
    retry_at = now + timedelta(seconds=wait)
    _finish(message, status="pending", attempts=attempts, error=error, next_attempt_at=retry_at)
    logger.warning(
        "E-mail %s to %s not sent (attempt %d), retrying at %s: %s",
        message.id,
        message.to,
        attempts,
        retry_at.isoformat(),
        error,
    )
    return retry_at


def _finish(message: EmailMessage, **changes) -> None:
    """Record the outcome and release the lease."""
    EmailMessage.update(locked_until=None, **changes).where(EmailMessage.id == message.id).execute()


def describe(exc: Exception) -> str:
    """The server's reply, or the connection's failure, as an operator reads it in the log."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        text = "; ".join(
            f"{address}: {code} {_decoded(reply)}"
            for address, (code, reply) in exc.recipients.items()
        )
    elif isinstance(exc, smtplib.SMTPResponseException):
        text = f"{exc.smtp_code} {_decoded(exc.smtp_error)}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return text[:MAX_ERROR]


def _decoded(reply) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
