"""Security functions named in openapi.yaml: one secret key, accepted three ways.

Connexion calls these on the event loop, so the database lookup runs in a worker thread.
The operation's ``x-required-scope`` is checked here too, so a key without the scope gets
403 before its request is even validated.
"""

from starlette.concurrency import run_in_threadpool

from models import db, utcnow
from services.auth import Principal, authenticate

from .runtime import RUNTIME, Runtime


def _verify(raw_key: str | None, secret: str) -> Principal:
    with db.connection_context():
        return authenticate(raw_key, secret=secret, now=utcnow())


async def _token_info(raw_key: str | None, request) -> dict:
    runtime: Runtime = request.scope[RUNTIME]
    principal = await run_in_threadpool(_verify, raw_key, runtime.secret_key)
    operation_id = (
        request.scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id")
    )
    required = runtime.required_scopes.get(operation_id)
    if required:
        principal.require(required)
    return {"sub": principal.user_id, "principal": principal}


async def bearer_auth(token, request):
    return await _token_info(token, request)


async def basic_auth(username, password, request):
    # The key is the password (curl --user :KEY); a key sent as the user name
    # (curl --user KEY:) is accepted too, as other APIs taught integrators to do.
    return await _token_info(password or username, request)


async def api_key_auth(api_key, request):
    return await _token_info(api_key, request)
