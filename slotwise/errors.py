"""The one place where errors become HTTP responses: ``{"error", "code", "details"}``."""

import json
import logging

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionResponse
from starlette.exceptions import HTTPException

from services import errors as domain
from services.auth import NO_API_KEY, NO_WIDGET_KEY

from .runtime import REQUEST_ID, RUNTIME, operation_id_of

logger = logging.getLogger("slotwise.errors")

STATUS_OF = {
    domain.InvalidRequest: 400,
    domain.AuthenticationFailed: 401,
    domain.PermissionDenied: 403,
    domain.NotFound: 404,
    domain.Conflict: 409,
    domain.PayloadTooLarge: 413,
    domain.RuleViolation: 422,
    domain.ServiceUnavailable: 503,
}

# Codes for errors raised by the framework rather than by Slotwise's own code.
CODE_OF_STATUS = {
    400: "validation_failed",
    401: "missing_credentials",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    500: "internal_error",
}

WWW_AUTHENTICATE = 'Bearer realm="Slotwise API"'


def error_body(message: str, code: str, details: dict | None = None) -> bytes:
    return json.dumps(
        {"error": message, "code": code, "details": details or {}}, separators=(",", ":")
    ).encode()


def error_response(
    status: int, message: str, code: str, details=None, headers=None
) -> ConnexionResponse:
    return _json_error_response(status, error_body(message, code, details), headers)


def _json_error_response(status: int, body: bytes, headers=None) -> ConnexionResponse:
    headers = dict(headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = WWW_AUTHENTICATE
    return ConnexionResponse(
        status_code=status,
        mimetype="application/json",
        content_type="application/json",
        body=body,
        headers=headers,
    )


def _status_of(exc: domain.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 500


def domain_error_status_and_body(exc: domain.DomainError) -> tuple[int, bytes]:
    """The status and JSON body that answer ``exc``; needs no request."""
    return _status_of(exc), error_body(exc.message, exc.code, exc.details)


def handle_domain_error(_request, exc: domain.DomainError) -> ConnexionResponse:
    return _json_error_response(*domain_error_status_and_body(exc))


def _missing_key(request) -> str:
    """Tell a caller without credentials which kind of key the operation takes."""
    runtime = request.scope.get(RUNTIME)
    if runtime and operation_id_of(request.scope) in runtime.widget_key_operations:
        return NO_WIDGET_KEY
    return NO_API_KEY


def handle_problem(request, exc: ProblemException) -> ConnexionResponse:
    """Connexion's own errors (missing credentials, unsupported media type, ...)."""
    message = exc.detail or exc.title or "Request failed"
    if exc.status == 401 and message == "No authorization token provided":
        message = _missing_key(request)
    return error_response(
        exc.status, message, CODE_OF_STATUS.get(exc.status, "error"), headers=exc.headers
    )


def handle_http_exception(request, exc: HTTPException) -> ConnexionResponse:
    status = exc.status_code
    if status == 404:
        message = f"No route for {request.method} {request.url.path}."
    elif status == 405:
        message = f"Method {request.method} is not allowed on {request.url.path}."
        # Connexion routes each operation separately, so its Allow names one method only.
        runtime = request.scope.get(RUNTIME)
        allowed = runtime.allowed_methods(request.url.path) if runtime else ()
        if allowed:
            headers = {**(exc.headers or {}), "Allow": ", ".join(allowed)}
            return error_response(status, message, "method_not_allowed", headers=headers)
    else:
        message = exc.detail if isinstance(exc.detail, str) else "Request failed"
    return error_response(status, message, CODE_OF_STATUS.get(status, "error"), headers=exc.headers)


def handle_unexpected(request, exc: Exception) -> ConnexionResponse:
    request_id = request.scope.get(REQUEST_ID, "")
    logger.error(
        "Unhandled error on %s %s (request %s)",
        request.method,
        request.url.path,
        request_id,
        exc_info=exc,
    )
    return error_response(
        500,
        "Internal server error. Quote the request id when reporting it.",
        "internal_error",
        {"requestId": request_id},
    )


def register(app) -> None:
    app.add_error_handler(domain.DomainError, handle_domain_error)
    app.add_error_handler(ProblemException, handle_problem)
    app.add_error_handler(HTTPException, handle_http_exception)
    app.add_error_handler(Exception, handle_unexpected)
