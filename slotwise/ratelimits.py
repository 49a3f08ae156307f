"""Rate limits: each API key (and each user logged in with a token) by its organization's
plan, public booking by client (and widget key), and failed authentication by client.

The first two are Flask-Limiter's, in Flask. Failed authentications happen in Connexion's
security middleware, before Flask runs, so an ASGI middleware counts them with the
``limits`` package Flask-Limiter is built on, in the same storage (memory for one
process, Redis shared by every worker).
"""

import math
import time

from connexion.context import context
from connexion.resolver import Resolver
from connexion.utils import get_function_from_name
from flask import Flask, Response, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import parse
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders

from .errors import error_body
from .runtime import CLIENT_ADDRESS, client_address_of

PUBLIC_BOOKING = "handlers.public_bookings.create_booking"


def storage_uri(settings: dict) -> str:
    return settings["REDIS_URL"] or "memory://"


def _address() -> str:
    return client_address_of(request.environ)


# Flask-Limiter: per API key and public booking


def _principal():
    try:
        return (context.get("token_info") or {}).get("principal")
    except RuntimeError:
        # Not an operation of the spec (docs, pages, the widget script).
        return None


def _widget():
    try:
        return (context.get("token_info") or {}).get("widget")
    except RuntimeError:
        return None


def _rate_limited(exc: RateLimitExceeded) -> Response:
    body = error_body(
        f"Rate limit exceeded: {exc.description}. Retry after the time in Retry-After.",
        "rate_limited",
        {"limit": exc.description},
    )
    return Response(body, status=429, mimetype="application/json")


def _only_429s_retry(response: Response) -> Response:
    # Flask-Limiter writes Retry-After on every limited response; it means "wait" only on 429.
    if response.status_code != 429:
        response.headers.pop("Retry-After", None)
    return response


def create(settings: dict) -> Limiter:
    """Limit each secret key by its plan; public booking is limited by ``resolver``."""
    plans = {
        "free": settings["RATE_LIMIT_FREE"],
        "pro": settings["RATE_LIMIT_PRO"],
        "business": settings["RATE_LIMIT_BUSINESS"],
    }

    def caller() -> str:
        principal = _principal()
        # A login token counts against its user, each key against itself.
        return principal.caller if principal else f"addr:{_address()}"

    def plan_limit() -> str:
        # Asked even for requests the limit exempts (those without a secret key).
        principal = _principal()
        return plans[principal.plan if principal else "free"]

    return Limiter(
        key_func=caller,
        default_limits=[plan_limit],
        default_limits_exempt_when=lambda: _principal() is None,
        headers_enabled=True,
        storage_uri=storage_uri(settings),
        strategy="fixed-window",
        enabled=settings["RATELIMIT_ENABLED"],
    )


def install(limiter: Limiter, flask_app: Flask) -> None:
    # Registered first, so it runs after Flask-Limiter's own after_request hook.
    flask_app.after_request(_only_429s_retry)
    flask_app.register_error_handler(RateLimitExceeded, _rate_limited)
    limiter.init_app(flask_app)
    # Flask-Limiter's route limits hold the limiter weakly; the app keeps it alive.
    flask_app.extensions["slotwise.limiter"] = limiter


def resolver(limiter: Limiter, settings: dict) -> Resolver:
    """Connexion's operationId resolver, adding public booking's own limits to its handler.

    Connexion registers its views only when the first request arrives, so the limit goes
    on the handler function as Connexion finds it.
    """
    public_limit = settings["PUBLIC_BOOKING_LIMIT"]
    per_widget = limiter.limit(
        public_limit,
        key_func=lambda: f"widget:{_widget().key_id}",
        exempt_when=lambda: _widget() is None,
    )
    per_client = limiter.limit(public_limit, key_func=lambda: f"addr:{_address()}")

    def resolve(operation_id: str):
        function = get_function_from_name(operation_id)
        return per_client(per_widget(function)) if operation_id == PUBLIC_BOOKING else function

    return Resolver(function_resolver=resolve)


# Failed authentication, before Flask


class AuthFailureLimit:
    """After too many 401s from one client, answer 429 whatever key it sends next."""

    def __init__(self, app, *, limit: str, storage: str, enabled: bool):
        self.app = app
        self.enabled = enabled
        self.limit = parse(limit)
        self.limiter = FixedWindowRateLimiter(storage_from_string(storage))
        # Memory storage answers at once; a network round trip belongs off the event loop.
        self.offload = not storage.startswith("memory")

    async def _call(self, function, *args):
        return await run_in_threadpool(function, *args) if self.offload else function(*args)

    async def __call__(self, scope, receive, send):
        if not self.enabled or scope["type"] != "http" or not scope["path"].startswith("/api/"):
            await self.app(scope, receive, send)
            return
        client = scope.get(CLIENT_ADDRESS) or ""
        if not await self._call(self.limiter.test, self.limit, "auth-failures", client):
            await self._refuse(client, send)
            return

        async def counting_send(message):
            if message["type"] == "http.response.start" and message["status"] == 401:
                await self._call(self.limiter.hit, self.limit, "auth-failures", client)
                reset, remaining = await self._call(
                    self.limiter.get_window_stats, self.limit, "auth-failures", client
                )
                headers = MutableHeaders(scope=message)
                headers["X-RateLimit-Limit"] = str(self.limit.amount)
                headers["X-RateLimit-Remaining"] = str(remaining)
                headers["X-RateLimit-Reset"] = str(math.ceil(reset))
            await send(message)

        await self.app(scope, receive, counting_send)

    async def _refuse(self, client: str, send) -> None:
        reset, _ = await self._call(
            self.limiter.get_window_stats, self.limit, "auth-failures", client
        )
        wait = max(1, math.ceil(reset - time.time()))
        body = error_body(
            f"Too many failed authentications from this address; retry in {wait} seconds.",
            "rate_limited",
            {"limit": str(self.limit)},
        )
        await send(
            {
                "type": "http.response.start",
                "status": 429,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"retry-after", str(wait).encode()),
                    (b"x-ratelimit-limit", str(self.limit.amount).encode()),
                    (b"x-ratelimit-remaining", b"0"),
                    (b"x-ratelimit-reset", str(math.ceil(reset)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
