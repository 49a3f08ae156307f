"""Security headers on every response: what a browser may load, guess and pass on.

The docs and the hosted pages set their own Content-Security-Policy (slotwise.docs,
slotwise.pages); any other HTML page gets the strictest one, except the interactive docs,
whose page from Connexion carries one inline script and one inline style: the policy allows
exactly those by their hashes, so no other inline code runs there either.
"""

import base64
import hashlib
import re

from starlette.datastructures import MutableHeaders

# Full URLs stay on this server; other sites learn only which server sent the visitor.
REFERRER_POLICY = "strict-origin-when-cross-origin"
STRICTEST_POLICY = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
# Swagger UI: its bundle, stylesheet and icons from this server, calls to this server.
INTERACTIVE_DOCS_POLICY = (
    "default-src 'none'; script-src 'self' {scripts}; style-src 'self' {styles}; "
    "img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
_INLINE_STYLE = re.compile(rb"<style>(.*?)</style>", re.DOTALL)


def _hashes(pattern: re.Pattern, html: bytes) -> str:
    return " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(code).digest()).decode() + "'"
        for code in pattern.findall(html)
    )


def interactive_docs_policy(html: bytes) -> str:
    """The policy for the interactive docs page, allowing the inline code it holds.

    The page is Connexion's template filled with this server's settings only (no part of
    the request), so hashing what it sends allows nothing a visitor could inject.
    """
    return INTERACTIVE_DOCS_POLICY.format(
        scripts=_hashes(_INLINE_SCRIPT, html), styles=_hashes(_INLINE_STYLE, html)
    )


class SecurityHeadersMiddleware:
    def __init__(self, app, interactive_docs_paths: tuple[str, ...]):
        self.app = app
        self.interactive_docs_paths = interactive_docs_paths

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] in self.interactive_docs_paths:
            await self._with_hashed_policy(scope, receive, send)
            return

        async def send_secured(message):
            if message["type"] == "http.response.start":
                headers = _secure(message)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", STRICTEST_POLICY)
            await send(message)

        await self.app(scope, receive, send_secured)

    async def _with_hashed_policy(self, scope, receive, send):
        """Hold the page back until its body is known, then send it with its policy."""
        start, chunks = None, []

        async def send_secured(message):
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            headers = _secure(start)
            if headers.get("content-type", "").startswith("text/html"):
                headers["Content-Security-Policy"] = interactive_docs_policy(b"".join(chunks))
            await send(start)
            await send({"type": "http.response.body", "body": b"".join(chunks)})

        await self.app(scope, receive, send_secured)


def _secure(start_message) -> MutableHeaders:
    headers = MutableHeaders(scope=start_message)
    # Browsers must not read JSON, scripts or stylesheets as anything other than declared.
    headers["X-Content-Type-Options"] = "nosniff"
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    return headers
