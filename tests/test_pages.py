"""The hosted pages (booking page, the invitee's manage page) and the widget guide."""

import html
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from test_docs import GUIDES, _Tags, css_urls, is_external

from conftest import SECRET, bearer
from models import Booking, EventType, Schedule, WidgetKey, db, utcnow
from servers import serving
from services import widget_keys
from services.mail.content import time_range

CHROMIUM = Path("/usr/bin/chromium")
NEW_YORK = "America/New_York"
TOKYO = "Asia/Tokyo"
NOT_FOUND = "This page does not exist"
EVERY_DAY = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "08:00", "end": "18:00"}
]


def at(days: int, hour: int) -> datetime:
    return datetime.combine(datetime.now(UTC).date() + timedelta(days=days), time(hour), UTC)


@pytest.fixture
def open_schedule(tenant):
    with db.connection_context():
        return Schedule.create(
            organization=tenant.organization,
            owner=tenant.owner,
            name="Every day",
            timezone="UTC",
            rules=EVERY_DAY,
        )


@pytest.fixture
def event_type(make_event_type, open_schedule):
    return make_event_type(
        schedule=open_schedule,
        title="Intro call",
        description="A first conversation about your project.\n\nBring your questions.",
        duration_minutes=45,
        slot_interval_minutes=60,
        location={"type": "video", "value": "https://meet.example.com/ada"},
    )


def hosted_key(organization_id: str) -> str:
    with db.connection_context():
        return widget_keys.hosted_page_key(organization_id)


def book(client, event_type_id: str, start: datetime, zone: str = NEW_YORK) -> dict:
    response = client.post(
        "/api/bookings",
        json={
            "eventTypeId": event_type_id,
            "inviteeName": "Grace Hopper",
            "inviteeEmail": "grace@navy.example",
            "inviteeTimezone": zone,
            "startTime": start.isoformat(),
        },
    )
    assert response.status_code == 201, response.json()
    return response.json()


def manage_path(booking: dict) -> str:
    return f"/manage/{booking['id']}?token={booking['manageToken']}"


def widgets(page: str) -> list[dict]:
    return [attrs for tag, attrs in _Tags(page).tags if tag == "slotwise-booking"]


def meta(page: str, key: str, name: str) -> list[str]:
    return [
        attrs["content"]
        for tag, attrs in _Tags(page).tags
        if tag == "meta" and attrs.get(key) == name
    ]


def cancel_form(page: str) -> tuple[str, dict]:
    """The cancel form's action and the fields a browser would send, as the page has them."""
    tags = _Tags(page).tags
    (action,) = [attrs["action"] for tag, attrs in tags if tag == "form"]
    fields = {
        attrs["name"]: attrs.get("value", "")
        for tag, attrs in tags
        if tag in ("input", "textarea") and "name" in attrs
    }
    return action, fields


def status_of(booking_id: str) -> str:
    with db.connection_context():
        return Booking.get_by_id(booking_id).status


# The booking page


def test_booking_page_shows_the_event_type_and_embeds_the_widget_with_the_hosted_key(
    client, tenant, event_type
):
    response = client.get("/book/acme/intro")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    page = response.text
    assert "<title>Intro call · Acme</title>" in page
    assert "<h1>Intro call</h1>" in page
    assert "45 minutes" in page
    assert "<li>Video call</li>" in page
    assert "meet.example.com" not in page
    assert '<p class="description">Bring your questions.</p>' in page
    summary = "A first conversation about your project. Bring your questions."
    assert meta(page, "name", "description") == [summary]
    assert meta(page, "property", "og:title") == ["Intro call · Acme"]
    assert meta(page, "property", "og:description") == [summary]
    assert _Tags(page).attribute("src", "script") == ["/widget/v1/slotwise.js"]
    (widget,) = widgets(page)
    assert widget["widget-key"] == hosted_key(tenant.organization.id)
    assert widget["widget-key"].startswith("sw_pub_")
    assert (widget["event-type"], widget["mode"]) == ("intro", "inline")
    # The page shows the event type already; the widget does not repeat it.
    assert "hide-header" in widget


def test_booking_page_embeds_a_key_that_the_public_endpoints_accept(client, event_type):
    (widget,) = widgets(client.get("/book/acme/intro").text)

    response = client.get(
        "/api/public/event-types/intro", headers={"X-Widget-Key": widget["widget-key"]}
    )

    assert response.status_code == 200
    assert response.json()["id"] == event_type.id


def test_booking_pages_share_one_hosted_key_per_organization(
    client, tenant, event_type, make_event_type, open_schedule
):
    make_event_type("demo", schedule=open_schedule)

    keys = {
        widgets(client.get(path).text)[0]["widget-key"]
        for path in ("/book/acme/intro", "/book/acme/intro", "/book/acme/demo")
    }

    assert len(keys) == 1
    with db.connection_context():
        assert WidgetKey.select().where(WidgetKey.organization == tenant.organization).count() == 1


def test_booking_page_without_a_description_describes_the_event_type_itself(
    client, make_event_type, open_schedule
):
    make_event_type("consult", schedule=open_schedule, title="Consultation", duration_minutes=90)

    page = client.get("/book/acme/consult").text

    assert meta(page, "name", "description") == ["Book Consultation (1 hour 30 minutes) with Acme."]
    assert '<p class="description">' not in page


def test_booking_page_cuts_a_long_description_for_its_meta_at_a_word(
    client, make_event_type, open_schedule
):
    make_event_type("long", schedule=open_schedule, description="word " * 100)

    (description,) = meta(client.get("/book/acme/long").text, "name", "description")

    assert len(description) <= 160
    assert description.endswith("word…")


def test_booking_page_escapes_what_the_organization_and_the_link_wrote(
    client, make_event_type, open_schedule
):
    make_event_type("xss", schedule=open_schedule, title='<script>alert("t")</script>')

    page = client.get('/book/acme/xss?name="><script>alert(1)</script>').text

    assert "<script>alert" not in page
    (widget,) = widgets(page)
    assert widget["prefill-name"] == '"><script>alert(1)</script>'
    assert html.unescape(page).count('<script>alert("t")</script>') >= 2


def test_booking_page_passes_its_query_to_the_widget_when_the_widget_understands_it(
    client, event_type
):
    query = "locale=de&theme=dark&name=Grace%20Hopper&email=grace%40navy.example"

    (preset,) = widgets(client.get(f"/book/acme/intro?{query}").text)
    (ignored,) = widgets(client.get("/book/acme/intro?locale=xx&theme=neon").text)

    assert (preset["locale"], preset["theme"]) == ("de", "dark")
    assert (preset["prefill-name"], preset["prefill-email"]) == (
        "Grace Hopper",
        "grace@navy.example",
    )
    assert "locale" not in ignored
    assert ignored["theme"] == "light"


@pytest.mark.parametrize(
    "path",
    [
        "/book/nobody/intro",
        "/book/acme/unknown",
        "/book/acme/inactive",
        "/book/acme/deleted",
        "/book/globex/intro",
    ],
    ids=["unknown organization", "unknown slug", "inactive", "deleted", "other organization"],
)
def test_booking_page_is_a_friendly_html_404_for_anything_not_bookable(
    client, event_type, make_event_type, open_schedule, other_tenant, path
):
    make_event_type("inactive", schedule=open_schedule, active=False)
    make_event_type("deleted", schedule=open_schedule, deleted_at=utcnow())

    response = client.get(path)

    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert NOT_FOUND in response.text
    assert widgets(response.text) == []


# The invitee's manage page


def test_manage_url_of_a_new_booking_points_to_the_manage_page(client, app, event_type):
    booking = book(client, event_type.id, at(3, 10))

    base = app.app.config["BASE_URL"]
    assert booking["manageUrl"] == f"{base}/manage/{booking['id']}?token={booking['manageToken']}"
    assert client.get(booking["manageUrl"].removeprefix(base)).status_code == 200


def test_manage_page_shows_the_booking_in_the_invitees_time_zone(client, tenant, event_type):
    start = at(3, 10)
    booking = book(client, event_type.id, start, zone=TOKYO)

    response = client.get(manage_path(booking))

    assert response.status_code == 200
    page = response.text
    assert "Intro call" in page
    assert "Confirmed" in page
    assert "Video call: https://meet.example.com/ada" in page
    assert time_range(start, start + timedelta(minutes=45), TOKYO) in page
    assert "19:00–19:45 (Asia/Tokyo)" in page
    assert "(UTC)" not in page


def test_manage_page_offers_to_move_the_booking_with_the_widget_and_to_cancel_it(
    client, tenant, event_type
):
    booking = book(client, event_type.id, at(3, 10))

    page = client.get(manage_path(booking)).text

    (widget,) = widgets(page)
    assert widget == {
        "widget-key": hosted_key(tenant.organization.id),
        "event-type": "intro",
        "mode": "inline",
        "timezone": NEW_YORK,
        "reschedule-booking": booking["id"],
        "manage-token": booking["manageToken"],
    }
    assert set(_Tags(page).attribute("src", "script")) == {
        "/widget/v1/slotwise.js",
        "/static/manage.js",
    }
    action, fields = cancel_form(page)
    assert action == f"/manage/{booking['id']}/cancel"
    assert fields == {"token": booking["manageToken"], "reason": ""}


def test_manage_page_keeps_the_token_out_of_caches_referrers_and_search_engines(client, event_type):
    booking = book(client, event_type.id, at(3, 10))

    headers = client.get(manage_path(booking)).headers

    assert headers["cache-control"] == "no-store"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["x-robots-tag"] == "noindex"


def test_cancelling_from_the_manage_page_cancels_the_booking_and_shows_it(client, event_type):
    booking = book(client, event_type.id, at(3, 10))
    action, fields = cancel_form(client.get(manage_path(booking)).text)

    response = client.post(
        action, data={**fields, "reason": "Something came up."}, follow_redirects=False
    )

    assert response.status_code == 303
    assert response.headers["location"].endswith(manage_path(booking))
    assert status_of(booking["id"]) == "CANCELLED"
    mine = client.get(f"/api/bookings/{booking['id']}?token={booking['manageToken']}").json()
    assert mine["status"] == "CANCELLED"
    page = client.get(manage_path(booking)).text
    assert "Cancelled" in page
    assert "Book a new time" in page


def test_the_slot_a_manage_page_cancelled_is_bookable_again(client, event_type):
    start = at(3, 10)
    booking = book(client, event_type.id, start)
    action, fields = cancel_form(client.get(manage_path(booking)).text)

    client.post(action, data=fields)

    assert book(client, event_type.id, start)["status"] == "CONFIRMED"


def test_cancelling_twice_from_the_page_shows_the_cancelled_booking_again(client, event_type):
    booking = book(client, event_type.id, at(3, 10))
    action, fields = cancel_form(client.get(manage_path(booking)).text)
    client.post(action, data=fields)

    response = client.post(action, data=fields, follow_redirects=True)

    assert response.status_code == 200
    assert "Cancelled" in response.text


@pytest.mark.parametrize("how", ["cancelled", "declined"])
def test_a_booking_that_is_over_shows_its_state_and_no_actions(
    client, tenant, make_event_type, open_schedule, how
):
    event_type = make_event_type(schedule=open_schedule, requires_confirmation=True)
    booking = book(client, event_type.id, at(3, 10))
    if how == "cancelled":
        client.post(f"/api/bookings/{booking['id']}/cancel?token={booking['manageToken']}")
    else:
        client.post(f"/api/v1/bookings/{booking['id']}/decline", headers=bearer(tenant.key))

    page = client.get(manage_path(booking)).text

    assert {"cancelled": "Cancelled", "declined": "Declined by the host"}[how] in page
    assert widgets(page) == []
    assert "<form" not in page
    assert _Tags(page).attribute("src", "script") == []


def test_a_pending_booking_says_it_waits_for_the_host(client, make_event_type, open_schedule):
    event_type = make_event_type(schedule=open_schedule, requires_confirmation=True)
    booking = book(client, event_type.id, at(3, 10))

    page = client.get(manage_path(booking)).text

    assert "Waiting for the host to confirm" in page
    assert len(widgets(page)) == 1


def test_manage_page_offers_no_move_once_the_event_type_is_no_longer_offered(client, event_type):
    booking = book(client, event_type.id, at(3, 10))
    with db.connection_context():
        EventType.update(active=False).where(EventType.id == event_type.id).execute()

    page = client.get(manage_path(booking)).text

    assert widgets(page) == []
    assert cancel_form(page)[0] == f"/manage/{booking['id']}/cancel"


def test_manage_page_names_the_time_a_booking_was_moved_from(client, event_type):
    first, second = at(3, 10), at(4, 11)
    booking = book(client, event_type.id, first)
    client.post(
        f"/api/bookings/{booking['id']}/reschedule?token={booking['manageToken']}",
        json={"startTime": second.isoformat()},
    )

    page = client.get(manage_path(booking)).text

    moved = time_range(first, first + timedelta(minutes=45), NEW_YORK)
    assert time_range(second, second + timedelta(minutes=45), NEW_YORK) in page
    assert f"Moved from {moved}" in page


@pytest.mark.parametrize(
    "path",
    [
        "/manage/{id}?token=mt_wrong",
        "/manage/{id}",
        "/manage/{id}?token={other_token}",
        "/manage/bkg_unknown?token={token}",
    ],
    ids=["wrong token", "no token", "another booking's token", "unknown booking"],
)
def test_manage_page_answers_the_same_404_page_for_a_wrong_token_or_an_unknown_booking(
    client, event_type, path
):
    booking = book(client, event_type.id, at(3, 10))
    other = book(client, event_type.id, at(3, 12))
    unknown = client.get("/manage/bkg_unknown?token=mt_wrong")

    response = client.get(
        path.format(
            id=booking["id"], token=booking["manageToken"], other_token=other["manageToken"]
        )
    )

    assert response.status_code == 404
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert NOT_FOUND in response.text
    assert response.text == unknown.text
    assert booking["id"] not in response.text


def test_cancelling_with_a_wrong_token_is_404_and_cancels_nothing(client, event_type):
    booking = book(client, event_type.id, at(3, 10))

    response = client.post(f"/manage/{booking['id']}/cancel", data={"token": "mt_wrong"})

    assert response.status_code == 404
    assert NOT_FOUND in response.text
    assert status_of(booking["id"]) == "CONFIRMED"


# Assets and the browser's rules, on every page a visitor or invitee sees


@pytest.fixture
def page_paths(client, event_type, make_event_type, open_schedule):
    cancelled = book(client, event_type.id, at(3, 12))
    client.post(f"/api/bookings/{cancelled['id']}/cancel?token={cancelled['manageToken']}")
    return [
        "/book/acme/intro",
        manage_path(book(client, event_type.id, at(3, 10))),
        manage_path(cancelled),
        "/book/acme/unknown",
        "/docs/widget",
    ]


def test_hosted_pages_load_every_asset_from_this_server(client, page_paths):
    for path in page_paths:
        page = client.get(path).text
        tags = _Tags(page)
        assets = tags.asset_urls()
        assert [url for url in assets if is_external(url)] == [], path
        # No inline script: the Content-Security-Policy would refuse it anyway.
        assert page.count("<script") == len(tags.attribute("src", "script")), path
        for asset in assets:
            if urlsplit(asset).scheme == "data":
                continue
            response = client.get(urlsplit(urljoin(path, asset)).path)
            assert response.status_code == 200, asset
            assert [url for url in css_urls(response.text) if is_external(url)] == [], asset


def test_hosted_pages_tell_browsers_to_run_and_fetch_only_from_this_server(client, page_paths):
    for path in [path for path in page_paths if not path.startswith("/docs/")]:
        policy = client.get(path).headers["content-security-policy"]
        assert "default-src 'none'" in policy, path
        assert "script-src 'self';" in policy, path
        assert "connect-src 'self';" in policy, path
        assert "form-action 'self';" in policy, path


def test_pages_stylesheet_is_served_and_themes_the_widget(client):
    response = client.get("/static/pages.css")

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")
    for prop in ("accent", "background", "text", "radius", "font"):
        assert f"--slotwise-{prop}:" in response.text


# The widget guide


def test_widget_guide_is_served_and_linked_from_every_docs_page(client):
    assert client.get("/docs/widget").status_code == 200
    for path in GUIDES:
        assert "/docs/widget" in _Tags(client.get(path).text).attribute("href", "a"), path


def test_widget_guide_runs_its_snippet_generator_from_a_local_script(client):
    response = client.get("/docs/widget")
    tags = _Tags(response.text)

    assert tags.attribute("src", "script") == ["/static/snippet.js"]
    assert "script-src 'self';" in response.headers["content-security-policy"]
    script = client.get("/static/snippet.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert {"server", "widget-key", "event-type", "theme", "locale", "mode"} <= set(
        tags.attribute("name")
    )
    # The page's own origin, which the script then takes from the browser's address bar.
    assert tags.attribute("value", "input")[0] == str(client.base_url).rstrip("/")


def test_only_the_widget_guide_may_run_scripts(client):
    for path in GUIDES:
        policy = client.get(path).headers["content-security-policy"]
        assert ("script-src" in policy) == (path == "/docs/widget"), path


def test_widget_guide_documents_every_attribute_and_event_the_widget_has(client):
    page = html.unescape(client.get("/docs/widget").text)

    for attribute in (
        "widget-key",
        "event-type",
        "timezone",
        "locale",
        "prefill-name",
        "prefill-email",
        "theme",
        "mode",
        "reschedule-booking",
        "manage-token",
    ):
        assert f"<td><code>{attribute}</code></td>" in page, attribute
    for event in ("ready", "slot-selected", "booked", "error"):
        assert f"<td><code>slotwise:{event}</code></td>" in page, event


# In a real browser, when one is available


@pytest.fixture
def chromium():
    sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (the dev extra)")
    if not CHROMIUM.exists():
        pytest.skip("needs Chromium at /usr/bin/chromium (apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)
        yield browser
        browser.close()


def test_snippet_generator_rewrites_the_snippet_as_the_inputs_change(
    chromium, tmp_path, database_url
):
    with serving(tmp_path, database_url, SECRET_KEY=SECRET) as (base, _, _):
        page = chromium.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{base}/docs/widget")
        snippet = page.locator("#snippet-output")
        assert f'<script src="{base}/widget/v1/slotwise.js" async></script>' in (
            snippet.text_content()
        )

        page.fill("#snippet-server", "https://book.example.com/some/path")
        page.fill("#snippet-key", 'sw_pub_a"b<c>')
        page.fill("#snippet-event-type", "demo")
        page.select_option("#snippet-theme", "dark")
        page.select_option("#snippet-locale", "fr")
        page.select_option("#snippet-mode", "popup")

        assert snippet.text_content() == (
            '<script src="https://book.example.com/widget/v1/slotwise.js" async></script>\n'
            '<slotwise-booking widget-key="sw_pub_a&quot;b&lt;c&gt;" event-type="demo"'
            ' theme="dark" locale="fr" mode="popup"></slotwise-booking>'
        )
        assert page.locator("#snippet-copy").is_visible()
