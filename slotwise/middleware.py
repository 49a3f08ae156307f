"""ASGI middleware around everything: request ids, the body size limit, per-app settings."""

import re
import secrets
from ipaddress import ip_address, ip_network

from starlette.datastructures import Headers, MutableHeaders

from services.errors import PayloadTooLarge

from .errors import error_body
from .runtime import CLIENT_ADDRESS, REQUEST_ID, RUNTIME

_VALID_REQUEST_ID = re.compile(r"[A-Za-z0-9._:\-]{1,128}")
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f]")


def trusted_networks(text: str):
    """``SLOTWISE_TRUSTED_PROXIES``: addresses or networks of the proxies in front."""
    return tuple(ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def client_address(peer: str, forwarded_for: str | None, trusted) -> str:
    """The address of the client: the socket's peer, or, behind a trusted proxy, the last
    address in X-Forwarded-For that is not itself a trusted proxy. A header a client set
    itself, reaching us other than through such a proxy, is ignored.
    """

    def is_trusted(address: str) -> bool:
        try:
            parsed = ip_address(address)
        except ValueError:
            return False
        return any(parsed in network for network in trusted)

    if not is_trusted(peer) or not forwarded_for:
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not is_trusted(hop):
            return hop
    return hops[0] if hops else peer


class RequestContextMiddleware:
    """Tag every response with ``X-Request-Id`` and refuse bodies above the size limit."""

    def __init__(self, app, runtime):
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        offered = headers.get("x-request-id", "")
        request_id = (
            offered if _VALID_REQUEST_ID.fullmatch(offered) else "req_" + secrets.token_hex(16)
        )
        scope[REQUEST_ID] = request_id
        scope[RUNTIME] = self.runtime
        peer = (scope.get("client") or ("", 0))[0]
        scope[CLIENT_ADDRESS] = client_address(
            peer, headers.get("x-forwarded-for"), self.runtime.trusted_proxies
        )

        async def send_with_id(message):
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)["X-Request-Id"] = request_id
            await send(message)

        if _CONTROL_CHARACTER.search(scope["path"]):
            # No route or id contains one. Connexion's router skips such a path while
            # Flask's matches it, and the operation would then run without its context.
            await _reject(send_with_id, 404, "No route matches this path.", "not_found")
            return
        limit = self.runtime.max_body_bytes
        declared = headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _reject(
                send_with_id,
                413,
                f"The request body exceeds {limit} bytes.",
                "payload_too_large",
                {"maxBytes": limit},
            )
            return
        await self.app(scope, _limited(receive, limit), send_with_id)


def _limited(receive, limit: int):
    received = 0

    async def limited_receive():
        nonlocal received
        message = await receive()
        received += len(message.get("body", b""))
        if received > limit:
            raise PayloadTooLarge(
                f"The request body exceeds {limit} bytes.", details={"maxBytes": limit}
            )
        return message

    return limited_receive


async def _reject(send, status: int, message: str, code: str, details=None) -> None:
    body = error_body(message, code, details)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
