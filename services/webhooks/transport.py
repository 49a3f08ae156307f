"""One signed POST to a receiver, reduced to what the delivery log keeps."""

import logging
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

from . import ssrf

logger = logging.getLogger("slotwise.webhooks")

# A name may resolve to many addresses; trying each one for the connect timeout would let
# a receiver hold a worker for minutes.
MAX_ADDRESSES = 3


@dataclass(frozen=True)
class Outcome:
    """An attempt's result: the response status (None if there was none) or what went wrong."""

    status: int | None
    error: str
    duration_ms: int

    @property
    def delivered(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status == 410


def timeouts(config: dict) -> httpx.Timeout:
    """5 s to connect, 10 s for each read and write; tests shorten them through ``config``."""
    return httpx.Timeout(
        config.get("WEBHOOK_READ_TIMEOUT", 10.0),
        connect=config.get("WEBHOOK_CONNECT_TIMEOUT", 5.0),
    )


def _post(url: str, body: bytes, headers: dict, config: dict) -> int:
    addresses = ssrf.resolve(url, allow_private=config["WEBHOOKS_ALLOW_PRIVATE"])[:MAX_ADDRESSES]
    target = httpx.URL(url)
    # Connect to an address just checked rather than let the client look the name up again
    # (its answer could differ); the Host header and TLS (SNI, certificate) still name the host.
    headers = {**headers, "Host": target.netloc.decode("ascii")}
    extensions = {"sni_hostname": target.raw_host.decode("ascii")}
    with httpx.Client(timeout=timeouts(config), follow_redirects=False, trust_env=False) as client:
        for number, address in enumerate(addresses, start=1):
            try:
                # Streamed and never read: only the status matters, and a receiver sending
                # an endless body cannot hold the worker.
                with client.stream(
                    "POST",
                    target.copy_with(host=address),
                    content=body,
                    headers=headers,
                    extensions=extensions,
                ) as response:
                    return response.status_code
            except httpx.ConnectError:
                if number == len(addresses):
                    raise
    raise AssertionError("resolve() returns at least one address")  # pragma: no cover


def _describe(exc: Exception) -> str:
    message = str(exc)
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _judge(status: int) -> str:
    """The log's error text for a response: empty for a 2xx."""
    if 200 <= status < 300:
        return ""
    if status == 410:
        return "Answered 410 Gone: the endpoint is disabled."
    if 300 <= status < 400:
        return f"Answered {status}: redirects are not followed."
    return f"Answered {status}, not 2xx."


def send(url: str, body: bytes, headers: dict, *, config: dict) -> Outcome:
    """POST ``body`` once; never raises for anything the receiver or the network does."""
    started = time.monotonic()
    status = None
    try:
        status = _post(url, body, headers, config)
    except ssrf.UrlNotAllowed as exc:
        error = exc.message
    except httpx.HTTPError as exc:
        error = _describe(exc)
    except Exception as exc:
        # Recorded as a failed attempt like any other, so the delivery still moves on.
        # The host only: receivers may keep a secret in the path or query of their URL.
        logger.exception("Unexpected error delivering a webhook to %s", urlsplit(url).hostname)
        error = _describe(exc)
    else:
        error = _judge(status)
    return Outcome(status, error, round((time.monotonic() - started) * 1000))
