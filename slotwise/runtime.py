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
        required, routes = {}, []
        for path, item in spec["paths"].items():
            methods = [m for m in _METHODS if m in item]
            for method in methods:
                if "x-required-scope" in item[method]:
                    required[item[method]["operationId"]] = item[method]["x-required-scope"]
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
        )

    def allowed_methods(self, path: str) -> tuple[str, ...]:
        for pattern, methods in self.routes:
            if pattern.fullmatch(path):
                return methods
        return ()


def client_address_of(environ: dict) -> str:
    """The client's address, from a WSGI environ (Flask's ``request.environ``)."""
    return environ["asgi.scope"].get(CLIENT_ADDRESS) or environ.get("REMOTE_ADDR", "")
