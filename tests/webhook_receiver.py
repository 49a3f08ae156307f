"""A real HTTP server that records what webhooks send it, and answers as a test scripts it.

    with WebhookReceiver([500, Reply(200, delay=0.5)]) as receiver:
        ...  # point an endpoint at receiver.url, deliver
        [first, second] = receiver.wait_for(2)

Replies are used in order, then ``default`` for every later request. ``verify`` is the
signature check the webhooks guide shows, copied verbatim (tests/test_docs.py compares them).
"""

import contextlib
import hashlib
import hmac
import ssl
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret, header, body, now):
    """True if a v1 signature in the header signs this raw body, made within 5 minutes."""
    fields = [item.split("=", 1) for item in header.split(",")]
    t = int(dict(fields)["t"])
    signed = hmac.new(secret.encode(), b"%d." % t + body, hashlib.sha256).hexdigest()
    fresh = abs(now - t) <= 300
    return fresh and any(k == "v1" and hmac.compare_digest(v, signed) for k, v in fields)


@dataclass(frozen=True)
class Reply:
    """How to answer one request: a status, after ``delay`` seconds, with extra headers."""

    status: int = 204
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    # Names lower-cased; a repeated header keeps its last value.
    headers: dict[str, str]
    body: bytes


class WebhookReceiver:
    """An HTTP server on 127.0.0.1 (a free port) in a thread; a context manager."""

    def __init__(
        self,
        replies: Iterable[int | Reply] = (),
        *,
        default: int | Reply = 204,
        tls: ssl.SSLContext | None = None,
    ):
        self.requests: list[Received] = []
        # With ``tls``: the server names clients asked for (SNI), None for none.
        self.server_names: list[str | None] = []
        self._replies = deque(self._reply(reply) for reply in replies)
        self._default = self._reply(default)
        self._changed = threading.Condition()
        self._closing = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._scheme = "http"
        if tls is not None:
            tls.sni_callback = lambda _socket, name, _context: self.server_names.append(name)
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
            self._scheme = "https"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @staticmethod
    def _reply(reply: int | Reply) -> Reply:
        return reply if isinstance(reply, Reply) else Reply(reply)

    @property
    def url(self) -> str:
        """The base URL, ``http://127.0.0.1:<port>`` (https with ``tls``); any path is accepted."""
        host, port = self._server.server_address[:2]
        return f"{self._scheme}://{host}:{port}"

    def script(self, *replies: int | Reply) -> None:
        """Queue more replies after those not yet used."""
        with self._changed:
            self._replies.extend(self._reply(reply) for reply in replies)

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        """Block until ``count`` requests arrived; all of them, or AssertionError on timeout."""
        with self._changed:
            arrived = self._changed.wait_for(lambda: len(self.requests) >= count, timeout)
            if not arrived:
                raise AssertionError(
                    f"expected {count} requests within {timeout} s, got {len(self.requests)}"
                )
            return list(self.requests)

    def __enter__(self) -> "WebhookReceiver":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        # Wakes replies still sleeping on a delay, so nothing outlives the test.
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def _record(self, received: Received) -> Reply:
        with self._changed:
            self.requests.append(received)
            self._changed.notify_all()
            return self._replies.popleft() if self._replies else self._default

    def _handler_class(self):
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                received = Received(
                    method=self.command,
                    path=self.path,
                    headers={name.lower(): value for name, value in self.headers.items()},
                    body=self.rfile.read(length),
                )
                reply = receiver._record(received)
                if reply.delay and receiver._closing.wait(reply.delay):
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _answer

            def handle(self):
                # A client that gave up (a timeout) closes the socket under a late reply.
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    super().handle()

            def log_message(self, format, *args):
                pass

        return Handler
