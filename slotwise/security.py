"""Security functions named in openapi.yaml: one secret key accepted three ways, a login
token as a bearer token, and the public widget key.

Connexion calls these on the event loop, so the database lookup runs in a worker thread.
The operation's ``x-required-scope`` is checked here too, so a key without the scope gets
403 before its request is even validated.
"""

from connexion.context import scope as request_scope
from starlette.concurrency import run_in_threadpool

from models import db, utcnow
from services import logins, widget_keys
from services.auth import Principal, authenticate, recently_verified
from services.errors import AuthenticationFailed, DomainError

from .runtime import RUNTIME, Runtime, operation_id_of

# Where a refused widget key waits for the app to answer it (see refuse_rejected_widget_key).
WIDGET_REFUSAL = "slotwise.widget_refusal"


def _verify(raw_key: str | None, runtime: Runtime, bearer: bool) -> Principal:
    with db.connection_context():
        if logins.looks_like_token(raw_key):
            if not bearer:
                raise AuthenticationFailed(
                    "Login tokens are accepted only as 'Authorization: Bearer <token>'.",
                    code="invalid_token",
                )
            return logins.authenticate(raw_key, secret=runtime.secret_key, now=utcnow())
        return authenticate(
            raw_key,
            secret=runtime.secret_key,
            now=utcnow(),
            remember_seconds=runtime.key_cache_seconds,
        )


async def _token_info(raw_key: str | None, request, *, bearer: bool = False) -> dict:
    runtime: Runtime = request.scope[RUNTIME]
    # A key in use moments ago needs no query, nor the hop to a worker thread for one.
    principal = recently_verified(
        raw_key, secret=runtime.secret_key, now=utcnow()
    ) or await run_in_threadpool(_verify, raw_key, runtime, bearer)
    required = runtime.required_scopes.get(operation_id_of(request.scope))
    if required:
        principal.require(required)
    return {"sub": principal.user_id, "principal": principal}


async def bearer_auth(token, request):
    # A secret key, or a login token (a JWT) from POST /api/auth/login.
    return await _token_info(token, request, bearer=True)


async def basic_auth(username, password, request):
    # The key is the password (curl --user :KEY); a key sent as the user name
    # (curl --user KEY:) is accepted too, as other APIs taught integrators to do.
    return await _token_info(password or username, request)


async def api_key_auth(api_key, request):
    return await _token_info(api_key, request)


def _verify_widget(raw_key: str, origin: str | None) -> widget_keys.WidgetPrincipal:
    with db.connection_context():
        return widget_keys.authenticate(raw_key, origin)


async def widget_key_auth(api_key, request):
    try:
        principal = await run_in_threadpool(_verify_widget, api_key, request.headers.get("origin"))
    except DomainError as exc:
        request.scope[WIDGET_REFUSAL] = exc
        raise
    return {"sub": principal.key_id, "widget": principal}


def refuse_rejected_widget_key() -> None:
    """Answer a bad widget key on an operation that also accepts no key at all.

    Connexion tries the next way in after a failed one, and "no credentials" succeeds on
    public booking; a key that was presented must still be a good one.
    """
    try:
        refusal = request_scope.get(WIDGET_REFUSAL)
    except RuntimeError:
        # Not an operation of the spec (docs, hosted pages, the widget script): no keys.
        return
    if refusal is not None:
        raise refusal
