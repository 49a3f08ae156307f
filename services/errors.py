"""Domain errors with stable machine codes; one HTTP error handler turns them into responses."""


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, details: dict | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details = details or {}


class InvalidRequest(DomainError):
    """The request does not match the contract (a malformed or missing value)."""

    code = "validation_failed"


class AuthenticationFailed(DomainError):
    """No credentials, or credentials that do not identify a live key."""

    code = "unauthorized"


class PermissionDenied(DomainError):
    """Valid credentials without the right to do this."""

    code = "forbidden"


class NotFound(DomainError):
    """The object does not exist, or belongs to another organization."""

    code = "not_found"


class Conflict(DomainError):
    """The request collides with the current state (a duplicate, a slot just taken)."""

    code = "conflict"


class RuleViolation(DomainError):
    """Well-formed, but against a business rule."""

    code = "unprocessable"


class PayloadTooLarge(DomainError):
    code = "payload_too_large"


class ServiceUnavailable(DomainError):
    """Something the server needs (the database) does not answer."""

    code = "unavailable"
