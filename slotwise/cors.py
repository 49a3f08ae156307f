"""CORS for the public endpoints the widget calls from other sites; none anywhere else.

Every public response echoes the calling page's origin, including the 401 and 403 that
tell a site its widget key is bad or not meant for it: whether data is returned is the
widget key's decision, made by the server, and the widget must be able to read why not.
Secret-key endpoints send no CORS headers at all, so no browser page can read them.
"""

from starlette.datastructures import Headers, MutableHeaders

ALLOWED_HEADERS = "Content-Type, X-Widget-Key, Idempotency-Key, X-Request-Id"
EXPOSED_HEADERS = (
    "X-Request-Id, Retry-After, Idempotent-Replayed, "
    "X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
)


def is_public(path: str) -> bool:
    return (
        path.startswith("/api/public/")
        or path == "/api/bookings"
        or path.startswith("/api/bookings/")
    )


class CorsMiddleware:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        origin = Headers(scope=scope).get("origin") if scope["type"] == "http" else None
        if origin is None or not is_public(scope["path"]):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["method"] == "OPTIONS" and "access-control-request-method" in headers:
            await _preflight(origin, send)
            return

        async def send_with_cors(message):
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                response_headers["Access-Control-Allow-Origin"] = origin
                response_headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
                response_headers.append("Vary", "Origin")
            await send(message)

        await self.app(scope, receive, send_with_cors)


async def _preflight(origin: str, send) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": 204,
            "headers": [
                (b"access-control-allow-origin", origin.encode("latin-1")),
                (b"access-control-allow-methods", b"GET, POST"),
                (b"access-control-allow-headers", ALLOWED_HEADERS.encode()),
                (b"access-control-max-age", b"600"),
                (b"vary", b"Origin"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})
