"""Per-app settings that travel in the ASGI scope to code running outside Flask.

Connexion calls security functions and error handlers in ASGI middleware, where Flask's
``current_app`` does not exist; the request context middleware puts a :class:`Runtime`
in each request's scope instead.
"""

import re
from dataclasses import dataclass, field

# ASGI scope keys.
RUNTIME = "slotwise.runtime"
REQUEST_ID = "slotwise.request_id"
CLIENT_ADDRESS = "slotwise.client_address"

_METHODS = ("get", "put", "post", "delete", "patch")
# The spec's security schemes that take a public widget key rather than a secret key.
WIDGET_KEY_SCHEMES = frozenset({"widgetKey", "widgetKeyQuery"})


@dataclass(frozen=True)
class Runtime:
    secret_key: str
    max_body_bytes: int
    # operationId -> the scope named by its x-required-scope
    required_scopes: dict[str, str] = field(default_factory=dict)
    # (path pattern, methods) for every path of the spec, to answer 405s with a true Allow
    routes: tuple[tuple[re.Pattern, tuple[str, ...]], ...] = ()
    # Networks of the proxies whose X-Forwarded-For names the client.
    trusted_proxies: tuple = ()
    # How long a verified secret key is trusted without a lookup.
    key_cache_seconds: float = 0
    # operationIds that take a widget key, to say which key a request without one lacks
    widget_key_operations: frozenset[str] = frozenset()

    @classmethod
    def from_spec(
        cls,
        spec: dict,
        *,
        secret_key: str,
        max_body_bytes: int,
        trusted_proxies=(),
        key_cache_seconds: float = 0,
    ) -> "Runtime":
        required, routes, widget_key_operations = {}, [], set()
        for path, item in spec["paths"].items():
            methods = [m for m in _METHODS if m in item]
            for method in methods:
                operation = item[method]
                security = operation.get("security", spec.get("security", []))
                _check_declared(operation, security)
                if "x-required-scope" in operation:
                    required[operation["operationId"]] = operation["x-required-scope"]
                if any(WIDGET_KEY_SCHEMES.intersection(way_in) for way_in in security):
                    widget_key_operations.add(operation["operationId"])
            allowed = {m.upper() for m in methods} | ({"HEAD"} if "get" in methods else set())
            pattern = re.compile(re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "/?")
            routes.append((pattern, tuple(sorted(allowed))))
        return cls(
            secret_key,
            max_body_bytes,
            required,
            tuple(routes),
            tuple(trusted_proxies),
            key_cache_seconds,
            frozenset(widget_key_operations),
        )

    def allowed_methods(self, path: str) -> tuple[str, ...]:
        for pattern, methods in self.routes:
            if pattern.fullmatch(path):
                return methods
        return ()


def operation_id_of(scope: dict) -> str | None:
    """The operationId Connexion routed the request to; None off the spec's routes."""
    return scope.get("extensions", {}).get("connexion_routing", {}).get("operation_id")


def _check_declared(operation: dict, security: list) -> None:
    """Refuse an operation that takes a key but says neither which scope it needs
    (``x-required-scope``) nor that any valid key may call it (``x-any-key: true``).

    Silence would let a key limited to any scope call it; the server does not start instead.
    Public operations (an empty security requirement) take no key and declare nothing.
    """
    if not security or {} in security:
        return
    any_key = operation.get("x-any-key")
    if any_key not in (None, True) or ("x-required-scope" in operation) == (any_key is True):
        raise ValueError(
            f"{operation['operationId']} takes a key: declare its scope with x-required-scope, "
            "or that any valid key may call it with x-any-key: true (one of the two)."
        )


def client_address_of(environ: dict) -> str:
    """The client's address, from a WSGI environ (Flask's ``request.environ``)."""
    return environ["asgi.scope"].get(CLIENT_ADDRESS) or environ.get("REMOTE_ADDR", "")
