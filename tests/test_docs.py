"""The /docs guides, the generated reference, Swagger UI and the served spec."""

import html
import inspect
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from slotwise import docs
from slotwise.app import load_spec
from slotwise.reference import build_docs, markdown
from webhook_receiver import verify

SPEC = load_spec()
HTTP_METHODS = ("get", "put", "post", "patch", "delete")

GUIDES = {
    "/docs/": [
        "make run",
        "make test",
        'curl -H "Authorization: Bearer sw_live_…" http://127.0.0.1:8000/api/v1/me',
        "slotwise bootstrap --org NAME --email EMAIL [--json]",
        "slotwise keys create --org SLUG --name NAME [--scope S]... [--expires ISO] [--test]",
        "slotwise users set-password --email EMAIL [--org SLUG] [--password-stdin]",
    ],
    "/docs/authentication": [
        'curl -H "Authorization: Bearer $KEY"',
        'curl --user ":$KEY"',
        'curl -H "X-Api-Key: $KEY"',
        "insufficient_scope",
        "details.requiredScope",
        "gracePeriodMinutes",
        "effectivePlan",
        "missing_credentials",
        "invalid_api_key",
        "revoked_api_key",
        "expired_api_key",
        'WWW-Authenticate: Bearer realm="Slotwise API"',
        "POST /api/auth/login",
        "--password-stdin",
        "invalid_credentials",
        "invalid_token",
        "expired_token",
        "SLOTWISE_AUTH_FAILURE_LIMIT",
        "Every scope except <code>keys:manage</code> and <code>billing:write</code>",
        "/api/v1/team/members",
        "owner_required",
        "last_owner",
        "member_exists",
        "member_in_use",
        "cannot yet transfer bookings",
    ],
    "/docs/errors": [
        '"error"',
        "validation_failed",
        "invalid_json",
        "invalid_encoding",
        "The <code>Allow</code> header",
        "1 MiB",
        "payload_too_large",
        "unsupported_media_type",
        "expiry_in_past",
        "internal_error",
        "details.requestId",
        "not_ready",
        "X-Request-Id",
    ],
    "/docs/pagination": [
        "?page=2&limit=50",
        '"pagination": {"page": 1, "limit": 20, "total": 156, "totalPages": 8}',
        "limit=101",
        "def fetch_all(path):",
    ],
    "/docs/bookings": [
        "POST /api/bookings",
        "409 slot_taken",
        "422 slot_unavailable",
        "manageToken",
        "Idempotency-Key",
        "idempotency_mismatch",
        "idempotent_secret_not_replayed",
        '"force": true',
        "exclusion constraint",
    ],
    "/docs/webhooks": [
        "POST /api/v1/webhooks/{id}/test",
        '{"id": "ev_6y7u8i9o0p1a2s3d4f5g", "type": "booking.created",',
        "Slotwise-Webhooks/1",
        "Slotwise-Event-Id",
        't=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>',
        "1 min, 5 min, 30 min, 2 h, 6 h, 12 h and 24 h",
        "410 Gone",
        "After 20 failed attempts in a row",
        "url_not_allowed",
        "SLOTWISE_WEBHOOKS_ALLOW_PRIVATE=1",
        "For the next 24 hours every delivery carries two signatures",
        "Delivery is at-least-once",
        "hmac.compare_digest",
    ],
    "/docs/workflows": [
        "workflows:manage",
        "invalid_offset",
        "unknown_event_type",
        "Saturday 7 March, 13:00 UTC: 08:00 local (EST)",
        "Saturday 24 October, 08:00 UTC: 10:00 local (CEST)",
        "{{ startTimeLocal }}",
        "invalid_template",
        "workflow.triggered",
        "booking_started",
        "booking_rescheduled",
        "GET /api/v1/workflows/{id}/runs",
    ],
    "/docs/billing": [
        '"ratePercent": 19',
        "422 invalid_rate",
        "half-up",
        "tax = amount - amount / (1 + rate)",
        "INV-000001",
        "409 tax_in_use",
        "409 invoice_has_payments",
        "422 overpayment",
        "409 invoice_not_payable",
        "422 refund_exceeds_payment",
        "amountRefunded",
        "application/pdf",
        "payment.received",
    ],
    "/docs/widget": [
        '<script src="http://127.0.0.1:8000/widget/v1/slotwise.js" async></script>',
        '<slotwise-booking widget-key="sw_pub_…" event-type="intro"></slotwise-booking>',
        "prefill-email",
        "reschedule-booking",
        "manage-token",
        "--slotwise-accent",
        "--slotwise-background",
        "--slotwise-text",
        "--slotwise-radius",
        "--slotwise-font",
        'mode="popup"',
        "slotwise:slot-selected",
        "{version: 1, id, startTime, endTime}",
        "{version: 1, code, message}",
        "element.refresh()",
        "curl -X POST http://127.0.0.1:8000/api/v1/widget-keys",
        "origin_not_allowed",
        '"eventTypeIds": null',
        "curl -X DELETE http://127.0.0.1:8000/api/v1/widget-keys/",
        "Access-Control-Allow-Origin",
        "/book/<organization slug>/<event type slug>",
        "/manage/<booking id>?token=…",
        "http://127.0.0.1:8000/b/ada-intro",
        "short_code_taken",
        'id="snippet-output"',
    ],
    "/docs/locations": [
        "location_detail_required",
        "conflicting_locations",
        "unknown_location",
        "location_in_use",
        "details.eventTypeIds",
        '"location": {"name": "Berlin office", "type": "in_person"',
    ],
    "/docs/reference": ["Contents", "Required scope", "Request body", "Responses"],
}


class _Tags(HTMLParser):
    """Collect every start tag with its attributes, and the text of <style> elements."""

    def __init__(self, page: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.styles: list[str] = []
        self._in_style = False
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.styles.append(data)

    def attribute(self, name: str, tag: str | None = None) -> list[str]:
        return [
            attrs[name]
            for found, attrs in self.tags
            if name in attrs and attrs[name] is not None and tag in (None, found)
        ]

    def asset_urls(self) -> list[str]:
        """URLs the browser loads by itself: sources, stylesheets, icons, CSS ``url()``s."""
        urls = self.attribute("src") + self.attribute("poster") + self.attribute("href", "link")
        for srcset in self.attribute("srcset"):
            urls += [candidate.split()[0] for candidate in srcset.split(",") if candidate.strip()]
        return urls + css_urls(" ".join(self.styles + self.attribute("style")))


def css_urls(css: str) -> list[str]:
    return re.findall(r"""url\(\s*['"]?([^'")\s]+)""", css) + re.findall(
        r"""@import\s+['"]([^'"]+)""", css
    )


def is_external(url: str) -> bool:
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme not in ("", "data")


def operations(spec: dict):
    for path, path_item in spec["paths"].items():
        for method in HTTP_METHODS:
            if method in path_item:
                yield method, path, path_item[method]


def article(page: str, operation_id: str) -> str:
    start = page.index(f'<article class="operation" id="{operation_id}">')
    return page[start : page.index("</article>", start)]


@pytest.fixture
def reference(client) -> str:
    return client.get("/docs/reference").text


def test_root_redirects_to_the_docs(client):
    response = client.get("/", follow_redirects=False)

    assert response.status_code == 302
    assert urlsplit(response.headers["location"]).path == "/docs/"


@pytest.mark.parametrize(("path", "snippets"), GUIDES.items())
def test_docs_page_answers_html_with_its_key_content(client, path, snippets):
    response = client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    text = html.unescape(response.text)
    for snippet in snippets:
        assert snippet in text


@pytest.mark.parametrize("path", GUIDES)
def test_every_docs_page_links_every_guide_swagger_ui_and_the_spec(client, path):
    links = set(_Tags(client.get(path).text).attribute("href", "a"))

    assert {*GUIDES, "/api/v1/ui/", "/api/v1/openapi.json"} <= links


@pytest.mark.parametrize("path", GUIDES)
def test_every_internal_link_of_a_docs_page_resolves(client, path):
    for href in set(_Tags(client.get(path).text).attribute("href")):
        if is_external(href):
            continue
        target = urlsplit(urljoin(path, href))
        response = client.get(target.path)
        assert response.status_code == 200, href
        if target.fragment:
            assert f'id="{target.fragment}"' in response.text, href


def test_quick_start_links_the_interactive_docs_and_the_spec(client):
    page = client.get("/docs/").text

    assert "/api/v1/ui/" in page
    assert "/api/v1/openapi.json" in page


def test_authentication_lists_every_scope_of_the_spec(client):
    page = client.get("/docs/authentication").text

    for scope in SPEC["components"]["schemas"]["Scope"]["enum"]:
        assert f"<td><code>{scope}</code></td>" in page


def test_reference_documents_every_operation_of_the_spec(reference):
    for method, path, operation in operations(SPEC):
        operation_id = operation["operationId"]
        assert f'href="#{operation_id}"' in reference
        section = article(reference, operation_id)
        assert f">{method.upper()}</span>" in section
        assert f'<code class="path">{path}</code>' in section
        assert operation["summary"] in html.unescape(section)


def test_reference_names_the_access_each_operation_needs(reference):
    for _, _, operation in operations(SPEC):
        section = article(reference, operation["operationId"])
        if "x-required-scope" in operation:
            assert f'<code class="scope">{operation["x-required-scope"]}</code>' in section
        elif operation.get("security") == []:
            assert "public" in section
        else:
            assert "any valid key" in section


def test_reference_groups_operations_by_tag_in_the_specs_order(reference):
    positions = [reference.index(f"<h2>{html.escape(tag['name'])}</h2>") for tag in SPEC["tags"]]

    assert positions == sorted(positions)


def test_reference_lists_parameters_and_body_fields_with_their_constraints(reference):
    listing = article(reference, "handlers.api_keys.list_keys")
    create = article(reference, "handlers.api_keys.create_key")

    assert "<td><code>limit</code></td><td>query</td>" in listing
    assert "maximum <code>100</code>; default <code>20</code>" in listing
    assert '<code>name</code> <span class="required">required</span>' in create
    assert "max length <code>100</code>" in create
    assert "each one of: <code>bookings:read</code>" in create
    assert "string (date-time) or null" in create


def test_reference_pretty_prints_request_and_response_examples(reference):
    rotate = html.unescape(article(reference, "handlers.api_keys.rotate_key"))

    assert '<pre><code>{\n  "gracePeriodMinutes": 60\n}</code></pre>' in rotate
    assert '"code": "key_already_rotated",\n' in rotate


def test_reference_is_computed_once_when_the_app_is_built(client, monkeypatch):
    def fail(_spec):
        raise AssertionError("the reference was rebuilt for a request")

    monkeypatch.setattr(docs, "build_docs", fail)

    assert client.get("/docs/reference").status_code == 200


def test_reference_resolves_refs_and_folds_all_of():
    spec = {
        "info": {"title": "T", "version": "1"},
        "tags": [{"name": "Later"}, {"name": "Things", "description": "Do `things`."}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/things/{id}": {
                "parameters": [{"$ref": "#/components/parameters/Id"}],
                "put": {
                    "operationId": "things.update",
                    "tags": ["Things"],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Both"}}
                        },
                    },
                    "responses": {"200": {"$ref": "#/components/responses/Ok"}},
                },
            },
            "/ping": {"get": {"operationId": "ping", "tags": ["Later"], "security": []}},
        },
        "components": {
            "parameters": {"Id": {"name": "id", "in": "path", "required": True}},
            "responses": {"Ok": {"description": "Fine."}},
            "schemas": {
                "Base": {"properties": {"a": {"type": "string"}}, "required": ["a"]},
                "Both": {
                    "allOf": [
                        {"$ref": "#/components/schemas/Base"},
                        {"properties": {"b": {"type": "integer", "maximum": 3}}},
                    ]
                },
            },
        },
    }

    built = build_docs(spec)

    assert [section.tag for section in built.sections] == ["Later", "Things"]
    ping, update = built.sections[0].operations[0], built.sections[1].operations[0]
    assert ping.public
    assert not update.public
    assert [(field.name, field.location, field.required) for field in update.parameters] == [
        ("id", "path", True)
    ]
    assert [(field.name, field.type, field.required) for field in update.body] == [
        ("a", "string", True),
        ("b", "integer", False),
    ]
    assert update.body[1].constraints == ["maximum <code>3</code>"]
    assert [(response.status, response.description) for response in update.responses] == [
        ("200", "<p>Fine.</p>")
    ]
    assert built.sections[1].description == "<p>Do <code>things</code>.</p>"


def test_markdown_escapes_html_and_renders_paragraphs_and_code_spans():
    rendered = markdown("Send `<key>` as\nthe **password**.\n\n<script>alert(1)</script>")

    assert rendered == (
        "<p>Send <code>&lt;key&gt;</code> as the <strong>password</strong>.</p>"
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"
    )


@pytest.mark.parametrize("path", GUIDES)
def test_no_docs_page_loads_an_external_asset(client, path):
    tags = _Tags(client.get(path).text)

    assert "/static/docs.css" in tags.attribute("href", "link")
    # The widget guide's snippet generator is the only script, and a local one.
    assert tags.attribute("src", "script") == (
        ["/static/snippet.js"] if path == "/docs/widget" else []
    )
    assert [url for url in tags.asset_urls() if is_external(url)] == []


@pytest.mark.parametrize("path", GUIDES)
def test_docs_pages_tell_browsers_to_load_assets_only_from_this_server(client, path):
    policy = client.get(path).headers["content-security-policy"]

    assert "default-src 'none'" in policy
    assert "style-src 'self';" in policy


def test_docs_stylesheet_is_served_from_static_and_loads_nothing_external(client):
    response = client.get("/static/docs.css")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    assert "font-family" in response.text
    assert [url for url in css_urls(response.text) if is_external(url)] == []


def test_swagger_ui_is_served_with_its_assets_from_this_server(client):
    index_url = urljoin(str(client.base_url), "/api/v1/ui/")
    response = client.get(index_url)
    tags = _Tags(response.text)
    assets = tags.attribute("src", "script") + tags.attribute("href", "link")

    assert response.status_code == 200
    assert "Swagger UI" in response.text
    assert len(assets) >= 3
    for asset in assets:
        url = urljoin(index_url, asset)
        assert urlsplit(url).netloc == urlsplit(index_url).netloc, asset
        assert client.get(url).status_code == 200, asset


def test_openapi_json_serves_our_spec(client):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["openapi"].startswith("3.")
    assert set(body["paths"]) == set(SPEC["paths"])


def test_scheduling_guide_is_linked_everywhere_and_states_the_daylight_saving_rules(client):
    response = client.get("/docs/scheduling")
    text = html.unescape(response.text)
    tags = _Tags(response.text)

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    for snippet in [
        "A skipped time lands after the gap.",
        "so 02:30 means 03:30 CEST",
        "A repeated time means its first occurrence.",
        "An interval covers all real time between its two ends.",
        "01:00, 01:30, 02:00, 02:30 CEST; 02:00, 02:30 CET",
        "Buffers keep meetings\n  apart, never other buffers",
        "exactly at <em>now + notice</em> is offered",
        "not_a_slot_start",
        "round_robin",
        "collective",
        "from 30 days before the slot up to\n  the end of the booking window",
        "A tie goes to the host with the lowest id.",
    ]:
        assert snippet in text
    assert [url for url in tags.asset_urls() if is_external(url)] == []
    for path in GUIDES:
        assert "/docs/scheduling" in _Tags(client.get(path).text).attribute("href", "a")
    for href in set(tags.attribute("href")):
        if not is_external(href):
            assert client.get(urlsplit(urljoin("/docs/scheduling", href)).path).status_code == 200


def test_webhooks_guide_lists_every_event_type_of_the_spec(client):
    page = client.get("/docs/webhooks").text

    for event_type in SPEC["components"]["schemas"]["WebhookEventType"]["enum"]:
        assert f"<td><code>{event_type}</code></td>" in page


def test_webhooks_guide_verifies_signatures_exactly_as_the_tests_do(client):
    page = client.get("/docs/webhooks").text
    shown = re.search(r'<code id="verify-snippet">(.*?)</code>', page, re.DOTALL)
    snippet = html.unescape(shown.group(1))

    assert len(snippet.splitlines()) <= 10
    assert snippet.startswith("import hashlib\nimport hmac\n")
    assert snippet[snippet.index("def verify(") :] == inspect.getsource(verify).rstrip("\n")
