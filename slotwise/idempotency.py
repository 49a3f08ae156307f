"""Idempotency-Key: a retried POST gets the first answer instead of running twice.

The hooks live in Flask, not in an ASGI middleware. When Flask runs, Connexion has already
checked the credentials and validated the request, so a 400, 401 or 403 is never
remembered; the raw body, the principal and the client address are at hand; and every query
runs on the handler's thread, where Peewee keeps the request's connection. An ASGI middleware
would have to buffer the request and the response and hop to a worker thread for each query,
and it would still meet a DomainError as an exception (Connexion's exception middleware wraps
all the others), so it would need the same error builder the teardown below uses.
"""

import hashlib
import json
import logging
from datetime import timedelta

from connexion.context import context
from flask import Flask, Response, current_app, g, request
from peewee import IntegrityError, PeeweeException

from models import IdempotencyRecord, db, utcnow
from services.errors import Conflict, DomainError, RuleViolation

from .errors import domain_error_status_and_body
from .runtime import client_address_of

logger = logging.getLogger("slotwise.idempotency")

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
LIFETIME = timedelta(hours=24)
# A claim still unanswered after this long belongs to a process that died mid-request.
ABANDONED_AFTER = timedelta(minutes=2)

# Their 2xx bodies reveal a new secret in the named field; a secret is never stored, so
# these responses are never replayed: the retry learns the id of the object and what to do.
_NEW_API_KEY = ("key", "created API key {id}; its secret is shown only once. Revoke or rotate it.")
ISSUES_SECRET_KEY = {
    "handlers.api_keys.create_key": _NEW_API_KEY,
    "handlers.api_keys.rotate_key": _NEW_API_KEY,
    "handlers.webhooks.create_webhook": (
        "secret",
        "created webhook endpoint {id}; its secret is shown only once. Rotate it or delete "
        "the endpoint.",
    ),
    "handlers.webhooks.rotate_secret": (
        "secret",
        "rotated the secret of webhook endpoint {id}; the new secret is shown only once. "
        "Rotate it again.",
    ),
}


# Never remembered: logging in changes nothing, so a retry may simply run again, and its
# request holds a password that no record should keep, not even hashed in a fingerprint.
NEVER_REMEMBERED = frozenset({"handlers.logins.login"})


def register(app: Flask) -> None:
    # Register after any before_request hook that may answer in the handler's place:
    # whatever response follows a claim is remembered.
    app.before_request(_claim_or_answer)
    app.after_request(_remember_response)
    app.teardown_request(_remember_error_or_release)


def _claim_or_answer() -> Response | None:
    """Hold the key for this request, or answer from the request that holds it."""
    key = request.headers.get(HEADER)
    operation_id = _operation_id()
    if (
        key is None
        or request.method != "POST"
        or operation_id is None
        or operation_id in NEVER_REMEMBERED
    ):
        return None
    scope = _scope()
    fingerprint = _fingerprint()
    now = utcnow()
    try:
        # Committed before the handler opens its own transaction, so a concurrent twin
        # meets the unique index. Expired rows go first, this key's included.
        with db.atomic():
            IdempotencyRecord.delete().where(
                IdempotencyRecord.created_at <= now - LIFETIME
            ).execute()
            record = IdempotencyRecord.create(
                scope=scope, key=key, request_hash=fingerprint, created_at=now
            )
    except IntegrityError:
        earlier = IdempotencyRecord.get_or_none(
            IdempotencyRecord.scope == scope,
            IdempotencyRecord.key == key,
            IdempotencyRecord.created_at > now - LIFETIME,
        )
        record = _take_over_abandoned(earlier, fingerprint, now)
        if record is None:
            return _answer_from(earlier, key, fingerprint, operation_id)
    g.idempotency_record = record
    return None


def _take_over_abandoned(earlier, fingerprint: str, now) -> IdempotencyRecord | None:
    """Claim a same-request record whose holder never answered; None if it is not one."""
    if (
        earlier is None
        or earlier.response_status is not None
        or earlier.request_hash != fingerprint
        or earlier.created_at > now - ABANDONED_AFTER
    ):
        return None
    # Conditional on the old claim time, so of two retries only one takes over.
    taken = (
        IdempotencyRecord.update(created_at=now)
        .where(
            (IdempotencyRecord.id == earlier.id)
            & IdempotencyRecord.response_status.is_null()
            & (IdempotencyRecord.created_at == earlier.created_at)
        )
        .execute()
    )
    return earlier if taken else None


def _answer_from(earlier, key: str, fingerprint: str, operation_id: str) -> Response:
    details = {"idempotencyKey": key}
    if earlier is not None and earlier.request_hash != fingerprint:
        raise RuleViolation(
            "This Idempotency-Key was already used for a different request.",
            code="idempotency_mismatch",
            details=details,
        )
    if earlier is None or earlier.response_status is None:
        # None: the holder failed and let the key go a moment ago; a retry will take it.
        raise Conflict(
            "A request with this Idempotency-Key is still being processed; retry shortly.",
            code="idempotency_in_progress",
            details=details,
        )
    if operation_id in ISSUES_SECRET_KEY and earlier.response_status < 300:
        object_id = json.loads(earlier.response_body)["id"]
        _, what_happened = ISSUES_SECRET_KEY[operation_id]
        raise Conflict(
            "This Idempotency-Key already " + what_happened.format(id=object_id),
            code="idempotent_secret_not_replayed",
            details={"id": object_id},
        )
    return Response(
        earlier.response_body,
        status=earlier.response_status,
        mimetype="application/json",
        headers={REPLAYED_HEADER: "true"},
    )


def _remember_response(response: Response) -> Response:
    record = g.pop("idempotency_record", None)
    if record is not None:
        _settle(record, response.status_code, response.get_data(as_text=True))
    return response


def _remember_error_or_release(exc: BaseException | None) -> None:
    """Settle a claim the handler left by raising: a domain error is an answer, a crash is not."""
    record = g.pop("idempotency_record", None)
    if record is None:
        return
    status, body = 500, ""
    if isinstance(exc, DomainError):
        status, raw = domain_error_status_and_body(exc)
        body = raw.decode()
    try:
        # Teardowns run in reverse order, possibly after the one that closes the connection.
        with db.connection_context():
            _settle(record, status, body)
    except PeeweeException:
        # Raising here would hide the request's own error; the claim lapses after LIFETIME.
        logger.exception("Could not settle Idempotency-Key record %s", record.id)


def _settle(record: IdempotencyRecord, status: int, body: str) -> None:
    """Store the answer, or free the key after a server error so that a retry runs again."""
    query = IdempotencyRecord.id == record.id
    if status >= 500:
        IdempotencyRecord.delete().where(query).execute()
        return
    operation_id = _operation_id()
    if operation_id in ISSUES_SECRET_KEY and status < 300:
        shown = json.loads(body)
        shown.pop(ISSUES_SECRET_KEY[operation_id][0], None)
        body = json.dumps(shown, separators=(",", ":"))
    IdempotencyRecord.update(response_status=status, response_body=body).where(query).execute()


def _operation_id() -> str | None:
    """The operationId of the matched route; None outside the API (docs, widget, 404)."""
    view = current_app.view_functions.get(request.endpoint)
    return getattr(view, "operation_id", None)


def _scope() -> str:
    """Whose keys these are: the secret key's (the user's with a login token), or on public
    operations the client's address.

    A widget key is shared by every visitor of a site, so it does not tell clients apart.
    """
    principal = (context.get("token_info") or {}).get("principal")
    if principal is not None:
        return principal.caller
    return "addr:" + client_address_of(request.environ)


def _fingerprint() -> str:
    # Neither the method, the decoded path (control characters are refused by the request
    # context middleware) nor the raw query string holds a newline: the split is unambiguous.
    digest = hashlib.sha256()
    digest.update(f"{request.method}\n{request.path}\n".encode())
    digest.update(request.query_string + b"\n")
    digest.update(request.get_data())
    return digest.hexdigest()
