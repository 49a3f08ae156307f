"""Every response tells the browser what it may load, sniff and pass on."""

import base64
import hashlib
import re

import pytest

from conftest import bearer

HTML_PAGES = [
    "/docs/",
    "/docs/authentication",
    "/docs/widget",
    "/docs/reference",
    "/book/acme/intro",
    "/book/acme/no-such-event-type",
    "/manage/bkg_unknown?token=mt_wrong",
    "/api/v1/ui/",
    "/api/v1/ui/index.html",
]


def directives(policy: str) -> dict[str, str]:
    return {
        part.split()[0]: " ".join(part.split()[1:])
        for part in (piece.strip() for piece in policy.split(";"))
        if part
    }


@pytest.fixture
def event_type(make_event_type):
    return make_event_type()


@pytest.mark.parametrize("path", HTML_PAGES)
def test_every_html_page_sends_a_strict_policy(client, event_type, path):
    response = client.get(path)

    assert response.headers["content-type"].startswith("text/html")
    policy = directives(response.headers["content-security-policy"])
    assert policy["default-src"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"
    assert "unsafe" not in response.headers["content-security-policy"]
    assert "*" not in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] in ("strict-origin-when-cross-origin", "no-referrer")


def test_the_invitees_page_sends_no_referrer(client, tenant, event_type):
    response = client.get("/manage/bkg_unknown?token=mt_wrong")

    assert response.headers["referrer-policy"] == "no-referrer"


def test_the_interactive_docs_allow_exactly_their_inline_code_by_hash(client):
    response = client.get("/api/v1/ui/")

    inline = re.findall(r"<(script|style)>(.*?)</\1>", response.text, re.DOTALL)
    assert {kind for kind, _ in inline} == {"script", "style"}
    policy = directives(response.headers["content-security-policy"])
    for kind, code in inline:
        digest = base64.b64encode(hashlib.sha256(code.encode()).digest()).decode()
        assert policy[f"{kind}-src"] == f"'self' 'sha256-{digest}'"
    assert policy["connect-src"] == "'self'"


@pytest.mark.parametrize(
    ("method", "path", "content"),
    [
        ("GET", "/api/v1/me", None),
        ("GET", "/api/v1/nothing-here", None),
        ("GET", "/api/v1/openapi.json", None),
        ("GET", "/healthz", None),
        ("GET", "/widget/v1/slotwise.js", None),
        ("GET", "/static/pages.css", None),
        ("POST", "/api/v1/api-keys", b"x" * (1024 * 1024 + 1)),
        ("DELETE", "/api/v1/api-keys/key%0A1", None),
    ],
)
def test_every_other_response_forbids_sniffing(client, tenant, method, path, content):
    headers = {**bearer(tenant.key), "Content-Type": "application/json"}

    response = client.request(method, path, headers=headers, content=content)

    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    assert "text/html" not in response.headers["content-type"]
