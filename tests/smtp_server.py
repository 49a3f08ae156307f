"""A real SMTP server for tests: aiosmtpd on 127.0.0.1, keeping every message it accepts.

    with smtp_server() as server:
        ...send to f"smtp://127.0.0.1:{server.port}" (or server.url)...
        message = server.messages[0].parsed()

``reply="554 5.7.1 Rejected"`` refuses every message at DATA; further keyword arguments go to
aiosmtpd's ``Controller`` (``tls_context``/``require_starttls`` for STARTTLS,
``ssl_context`` for implicit TLS, ``authenticator``/``auth_require_tls`` for AUTH).
"""

import contextlib
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import pytest
from aiosmtpd.controller import Controller


@dataclass(frozen=True)
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    # What the authenticator returned for the session's AUTH (None without one).
    auth_data: object = None

    def parsed(self) -> EmailMessage:
        return BytesParser(policy=policy.default).parsebytes(self.raw)


@dataclass
class Collector:
    """The aiosmtpd handler: keeps what arrives, or answers every DATA with ``reply``."""

    reply: str | None = None
    messages: list[Received] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, server, session, envelope) -> str:
        if self.reply is not None:
            self.refused += 1
            return self.reply
        self.messages.append(
            Received(
                mail_from=envelope.mail_from,
                rcpt_tos=list(envelope.rcpt_tos),
                raw=envelope.original_content or envelope.content,
                auth_data=session.auth_data,
            )
        )
        return "250 Message accepted for delivery"


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    handler: Collector

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    @property
    def url(self) -> str:
        return f"smtp://{self.host}:{self.port}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def smtp_server(reply: str | None = None, **options) -> Iterator[SmtpServer]:
    """Run an SMTP server on a free local port until the block ends."""
    handler = Collector(reply=reply)
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield SmtpServer(host="127.0.0.1", port=port, handler=handler)
    finally:
        controller.stop()


@pytest.fixture
def smtp():
    """A running SMTP server that accepts everything (import this fixture to use it)."""
    with smtp_server() as server:
        yield server
