"""Request validation that names the offending field and never answers 500 for bad input."""

import json
import re
from datetime import date

from connexion.datastructures import MediaTypeDict
from connexion.validators import VALIDATOR_MAP, JSONRequestBodyValidator
from connexion.validators import ParameterValidator as ConnexionParameterValidator
from jsonschema import Draft4Validator, ValidationError
from rfc3986_validator import validate_rfc3986
from starlette.datastructures import MutableHeaders

from services.errors import InvalidRequest
from services.timeutil import is_timezone, read_timestamp

# Connexion checks formats with this process-wide checker; teach it the API's formats.
_FORMATS = Draft4Validator.FORMAT_CHECKER


@_FORMATS.checks("timezone")
def _is_timezone(value) -> bool:
    return not isinstance(value, str) or is_timezone(value)


@_FORMATS.checks("date-time", raises=ValueError)
def _is_timestamp(value) -> bool:
    if isinstance(value, str):
        read_timestamp(value)
    return True


@_FORMATS.checks("date", raises=ValueError)
def _is_date(value) -> bool:
    if isinstance(value, str):
        date.fromisoformat(value)
    return True


@_FORMATS.checks("uri")
def _is_uri(value) -> bool:
    # jsonschema leaves "uri" unchecked unless a validator package happens to be importable.
    return not isinstance(value, str) or validate_rfc3986(value, rule="URI") is not None


@_FORMATS.checks("date-or-date-time", raises=ValueError)
def _is_date_or_timestamp(value) -> bool:
    if isinstance(value, str):
        return _is_date(value) if len(value) == 10 else _is_timestamp(value)
    return True


MAX_MESSAGE = 200


def _short(text: str) -> str:
    return text if len(text) <= MAX_MESSAGE else text[: MAX_MESSAGE - 1] + "…"


_MESSAGES = {
    "type": "must be of type {}",
    "maxLength": "must be at most {} characters long",
    "minLength": "must be at least {} characters long",
    "maximum": "must be at most {}",
    "minimum": "must be at least {}",
    "pattern": "must match the pattern {}",
    "maxItems": "must have at most {} items",
    "minItems": "must have at least {} items",
    "maxProperties": "must have at most {} fields",
    "minProperties": "must have at least {} fields",
}


def _message(error: ValidationError) -> str:
    """A short message that does not echo the rejected value back."""
    rule, value = error.validator, error.validator_value
    if rule == "format":
        return "is not a known IANA time zone" if value == "timezone" else f"is not a valid {value}"
    if rule == "enum":
        return "must be one of: " + ", ".join(map(str, value))
    if rule == "uniqueItems":
        return "must not contain duplicates"
    if rule == "type" and isinstance(value, list):
        value = " or ".join(value)
    if rule in _MESSAGES:
        return _MESSAGES[rule].format(value)
    return _short(error.message)


def field_errors(error: ValidationError) -> dict[str, str]:
    """Map a schema error to ``{"field.path": "message"}``."""
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))

    def at(name: str) -> str:
        return f"{path}.{name}" if path else name

    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        return {at(name): "is required" for name in missing}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = error.schema.get("properties", {})
        return {
            at(name): "is not a known field" for name in sorted(error.instance) if name not in known
        }
    return {path or "body": _message(error)}


# A lone surrogate (which JSON text may write as "\ud800") is no character: no database
# stores it as text.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def json_children(value):
    """The (key or index, value) pairs inside a JSON object or array; none for a scalar."""
    if isinstance(value, dict):
        return value.items()
    if isinstance(value, list):
        return enumerate(value)
    return ()


def _first_unstorable(value, path: str = "") -> tuple[str, str] | None:
    """Where the first string (key or value) holds a NUL character or a lone surrogate,
    and what is wrong there, if any.

    No text field needs either, and PostgreSQL and SQLite refuse to store them.
    """
    if isinstance(value, str):
        found = _UNSTORABLE.search(value)
        if found is None:
            return None
        if found.group() == "\x00":
            return path, "must not contain NUL characters"
        return path, "must not contain lone surrogates (invalid Unicode)"
    for key, item in json_children(value):
        where = f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else key)
        if isinstance(key, str):
            problem = _first_unstorable(key, where)
            if problem is not None:
                return problem
        problem = _first_unstorable(item, where)
        if problem is not None:
            return problem
    return None


def _reject_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


class JSONBodyValidator(JSONRequestBodyValidator):
    """Parses bodies strictly and reports schema errors per field."""

    async def _parse(self, stream, scope):
        raw = b"".join([chunk async for chunk in stream])
        if not raw:
            return None
        try:
            text = raw.decode(self._encoding)
        except (UnicodeDecodeError, LookupError):
            raise InvalidRequest(
                f"The request body is not valid {self._encoding} text.",
                code="invalid_encoding",
                details={"body": f"not {self._encoding}"},
            ) from None
        try:
            body = json.loads(text, parse_constant=_reject_constant)
        except RecursionError:
            raise InvalidRequest(
                "The request body is nested too deeply.",
                code="invalid_json",
                details={"body": "nested too deeply"},
            ) from None
        except ValueError as exc:
            raise InvalidRequest(
                f"The request body is not valid JSON: {_short(str(exc))}",
                code="invalid_json",
                details={"body": _short(str(exc))},
            ) from None
        problem = _first_unstorable(body)
        if problem is not None:
            where, message = problem
            raise InvalidRequest(
                f"The request body holds text that cannot be stored: {where or 'body'} {message}.",
                details={where or "body": message},
            )
        return body

    def _validate(self, body):
        if body is None:
            # Connexion 3.3 would also reject a missing body that the spec makes optional.
            if self._required:
                raise InvalidRequest(
                    "The request body must not be empty.", details={"body": "is required"}
                )
            return
        details = {}
        try:
            for error in self._validator.iter_errors(body):
                details.update(field_errors(error))
        except RecursionError:
            raise InvalidRequest(
                "The request body is nested too deeply.", details={"body": "nested too deeply"}
            ) from None
        if details:
            summary = "; ".join(f"{field}: {message}" for field, message in details.items())
            raise InvalidRequest(f"Invalid request body: {summary}", details=details)

    async def wrap_receive(self, receive, *, scope):
        # Connexion treats a body without Content-Length as absent; chunked bodies are
        # real bodies, so give the validator their length instead.
        headers = MutableHeaders(scope=scope)
        if "content-length" not in headers and "chunked" in headers.get("transfer-encoding", ""):
            chunks = []
            more = True
            while more:
                message = await receive()
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            body = b"".join(chunks)
            headers["content-length"] = str(len(body))
            del headers["transfer-encoding"]
            receive = self._insert_messages(
                receive, messages=[{"type": "http.request", "body": body}]
            )
        return await super().wrap_receive(receive, scope=scope)


class ParameterValidator(ConnexionParameterValidator):
    """Reports the parameter by name, with a short message."""

    @staticmethod
    def validate_parameter(parameter_type, value, param, param_name=None):
        if value is None:
            return "is required" if param.get("required") else None
        try:
            Draft4Validator(param.get("schema", param), format_checker=_FORMATS).validate(value)
        except ValidationError as exc:
            return _message(exc)
        return None

    def validate_request(self, request):
        for name, value in request.query_params.items():
            if "\x00" in str(value):
                raise InvalidRequest(
                    f"Query parameter '{name}' contains a NUL character.",
                    details={name: "must not contain NUL characters"},
                )
        if self.strict_validation:
            unknown = self.validate_query_parameter_list(
                request, security_params=self.security_query_params
            )
            if unknown:
                raise InvalidRequest(
                    "Unknown query parameter: " + ", ".join(sorted(unknown)),
                    details=dict.fromkeys(sorted(unknown), "is not a known parameter"),
                )
        checks = (
            ("query", self.validate_query_parameter),
            ("path", self.validate_path_parameter),
            ("header", self.validate_header_parameter),
            ("cookie", self.validate_cookie_parameter),
        )
        for location, check in checks:
            for param in self.parameters.get(location, []):
                error = check(param, request)
                if error:
                    raise InvalidRequest(
                        f"Invalid {location} parameter '{param['name']}': {error}",
                        details={param["name"]: error},
                    )


VALIDATORS = {
    **VALIDATOR_MAP,
    "parameter": ParameterValidator,
    "body": MediaTypeDict({**VALIDATOR_MAP["body"], "*/*json": JSONBodyValidator}),
}
