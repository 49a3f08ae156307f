"""The booking widget in a real browser, on a page of another origin than the server.

A real ``slotwise serve`` process serves the API and the script; a small HTTP server on
another port serves host pages that embed the snippet under a strict Content-Security-Policy
(so inline styles, eval and inline handlers would all fail). Screenshots of every state are
kept in tests/artifacts/.
"""

import re
import secrets
import shutil
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from models import EventType, Schedule, db, open_database
from models.schema import migrate
from servers import serving
from services import organizations

sync_api = pytest.importorskip("playwright.sync_api", reason="needs playwright (the dev extra)")

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's Chromium at /usr/bin/chromium (apt-get install chromium)",
)
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
SECRET = "widget-browser-test-secret"
EVERY_DAY = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
GERMAN_MONTHS = {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August"}
GERMAN_MONTHS |= {"September", "Oktober", "November", "Dezember"}
GERMAN_WEEKDAYS = {"Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"}
EVENTS = ("ready", "slot-selected", "booked", "error")
TIMEOUT_MS = 10_000


@dataclass
class Site:
    """The running server, its secret key and the widget keys the pages embed."""

    base: str
    api_key: str
    open_key: str
    example_only_key: str
    event_type_id: str

    def api(self, method: str, path: str, **options) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.api_key}"}
        return httpx.request(method, self.base + path, headers=headers, timeout=10, **options)

    def bookings(self) -> list[dict]:
        return self.api("GET", "/api/v1/bookings?limit=100").json()["data"]


def prepare(database_url: str) -> tuple[str, str]:
    """An organization with an event type bookable all day, every day, and one bookable
    only from next month; return (secret key, the first event type's id)."""
    db.initialize(open_database(database_url))
    migrate()
    today = datetime.now(UTC).date()
    rest_of_month = [
        today + timedelta(days=n)
        for n in range(32)
        if (today + timedelta(days=n)).month == today.month
    ]
    with db.connection_context():
        org, owner, key = organizations.bootstrap(
            secret=SECRET, org_name="Widget Co", email="host@widget.example"
        )
        always = Schedule.create(
            organization=org,
            owner=owner,
            name="Always",
            timezone="UTC",
            rules=[{"days": EVERY_DAY, "start": "00:00", "end": "24:00"}],
        )
        from_next_month = Schedule.create(
            organization=org,
            owner=owner,
            name="From next month",
            timezone="UTC",
            rules=[{"days": EVERY_DAY, "start": "09:00", "end": "17:00"}],
            overrides=[{"date": day.isoformat(), "intervals": []} for day in rest_of_month],
        )
        intro = EventType.create(
            organization=org,
            owner=owner,
            schedule=always,
            title="Intro call",
            slug="intro",
            duration_minutes=30,
            description="A first talk.",
            location={"type": "video", "value": "https://meet.example/host"},
            questions=[
                {"id": "company", "label": "Your company", "type": "text", "required": True}
            ],
        )
        EventType.create(
            organization=org,
            owner=owner,
            schedule=from_next_month,
            title="Later call",
            slug="later",
            duration_minutes=60,
        )
    db.close()
    return key, intro.id


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("widget-server")
    database_url = f"sqlite:///{tmp_path}/widget.db"
    api_key, event_type_id = prepare(database_url)
    with serving(tmp_path, database_url, SECRET_KEY=SECRET, RATELIMIT_ENABLED="0") as (
        base,
        _out,
        _err,
    ):
        headers = {"Authorization": f"Bearer {api_key}"}

        def widget_key(name: str, origins: list[str]) -> str:
            body = {"name": name, "allowedOrigins": origins}
            response = httpx.post(
                base + "/api/v1/widget-keys", json=body, headers=headers, timeout=10
            )
            assert response.status_code == 201, response.text
            return response.json()["key"]

        yield Site(
            base=base,
            api_key=api_key,
            open_key=widget_key("Any site", []),
            example_only_key=widget_key("example.com only", ["https://example.com"]),
            event_type_id=event_type_id,
        )


class HostPages:
    """Serves host pages from another origin than the Slotwise server, with a strict CSP."""

    def __init__(self):
        self.pages: dict[str, tuple[str, str]] = {}
        pages = self.pages

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                html, policy = pages.get(self.path, ("not found", ""))
                body = html.encode()
                self.send_response(200 if policy else 404)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                if policy:
                    self.send_header("Content-Security-Policy", policy)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def add(self, server_base: str, widgets: str) -> str:
        """A page embedding the snippet and the given elements; return its URL."""
        nonce = secrets.token_urlsafe(12)
        path = f"/{secrets.token_hex(6)}.html"
        policy = (
            f"default-src 'none'; script-src 'nonce-{nonce}' {server_base}; "
            f"style-src 'nonce-{nonce}'; connect-src {server_base}"
        )
        self.pages[path] = (PAGE.format(nonce=nonce, base=server_base, widgets=widgets), policy)
        return self.origin + path

    def add_plain(self, server_base: str, widgets: str) -> str:
        """A page with no inline code at all, under the policy the widget guide documents:
        this site's own resources, and the Slotwise server for the script and its calls."""
        path = f"/{secrets.token_hex(6)}.html"
        policy = (
            f"default-src 'self'; script-src 'self' {server_base}; "
            f"connect-src {server_base}; style-src 'self'"
        )
        self.pages[path] = (PLAIN_PAGE.format(base=server_base, widgets=widgets), policy)
        return self.origin + path


# The page records every widget event on window, and styles plain elements loudly so a
# leak into the widget would show.
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A host page</title>
<style nonce="{nonce}">
  body {{ color: rgb(255, 0, 0); font-family: serif; }}
  button {{ background: rgb(0, 255, 0); }}
</style>
<script nonce="{nonce}">
  window.slotwiseEvents = [];
  for (const name of {events}) {{
    window.addEventListener("slotwise:" + name, (event) =>
      window.slotwiseEvents.push({{ type: name, target: event.target.id, detail: event.detail }}));
  }}
</script>
</head><body>
<h1>Book with us</h1>
<button id="host-button" type="button">A button of the page</button>
{widgets}
<script src="{base}/widget/v1/slotwise.js" async></script>
</body></html>
""".replace("{events}", str(list(EVENTS)).replace("'", '"'))


PLAIN_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A plain host page</title></head>
<body><h1>Book with us</h1>
{widgets}
<script src="{base}/widget/v1/slotwise.js" async></script>
</body></html>
"""


@pytest.fixture(scope="module")
def host_pages():
    pages = HostPages()
    thread = threading.Thread(target=pages.server.serve_forever, daemon=True)
    thread.start()
    yield pages
    pages.server.shutdown()
    pages.server.server_close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module", autouse=True)
def artifacts():
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)


# Every violation of a page's Content-Security-Policy, reported to the test as it happens.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) =>
  window.reportViolation(`${event.effectiveDirective} blocked ${event.blockedURI || "inline"}`));
"""
# For pages whose own policy allows no inline script to record the widget's events.
RECORD_EVENTS = """
window.slotwiseEvents = [];
for (const name of EVENT_NAMES) {
  window.addEventListener("slotwise:" + name, (event) =>
    window.slotwiseEvents.push({ type: name, target: event.target.id, detail: event.detail }));
}
""".replace("EVENT_NAMES", str(list(EVENTS)).replace("'", '"'))


@pytest.fixture
def open_page(browser):
    """``open_page(url, timezone_id=...)``: a fresh page; it fails the test on script errors
    and on anything its Content-Security-Policy refuses."""
    contexts, problems = [], []

    def open_(url: str, timezone_id: str = "UTC", init_script: str = ""):
        context = browser.new_context(
            timezone_id=timezone_id, locale="en-US", viewport={"width": 900, "height": 900}
        )
        contexts.append(context)
        context.expose_function(
            "reportViolation", lambda text: problems.append(f"policy violation: {text}")
        )
        # Scripts added here run outside the page's policy, as a browser extension would.
        context.add_init_script(REPORT_VIOLATIONS + init_script)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on(
            "console",
            lambda message: (
                problems.append(f"console: {message.text}")
                if message.type == "error"
                and not message.text.startswith("Failed to load resource")
                else None
            ),
        )
        page.goto(url)
        return page

    yield open_
    for context in contexts:
        context.close()
    assert not problems, problems


def widget_tag(key: str, widget_id: str = "w", **attributes: str) -> str:
    attributes = {"event_type": "intro", "timezone": "UTC", "locale": "en", **attributes}
    rendered = " ".join(f'{name.replace("_", "-")}="{value}"' for name, value in attributes.items())
    return f'<slotwise-booking id="{widget_id}" widget-key="{key}" {rendered}></slotwise-booking>'


def events(page, kind: str | None = None) -> list[dict]:
    recorded = page.evaluate("window.slotwiseEvents")
    return [event for event in recorded if kind is None or event["type"] == kind]


def wait_for_event(page, kind: str, widget_id: str = "w") -> dict:
    page.wait_for_function(
        "([type, id]) => window.slotwiseEvents.some((e) => e.type === type && e.target === id)",
        arg=[kind, widget_id],
    )
    return [event for event in events(page, kind) if event["target"] == widget_id][-1]


def focused(page, widget_id: str = "w") -> dict:
    """What has the keyboard focus inside the widget's shadow root."""
    return page.evaluate(
        """(id) => {
            const active = document.getElementById(id).shadowRoot.activeElement;
            return active && {tag: active.tagName, key: active.dataset.focus || "",
                              date: active.dataset.date || "", text: active.textContent};
        }""",
        widget_id,
    )


def shoot(page, name: str) -> None:
    page.screenshot(path=ARTIFACTS / f"{name}.png", full_page=True)


def show_a_free_day(widget) -> None:
    """Click a bookable day: the second, a whole day ahead, when there is one (today's
    first time may pass during the test); the next month's when this one is full."""
    widget.locator(".day, [data-focus='later']").first.wait_for()
    if not widget.locator(".day").count():
        widget.locator("[data-focus='later']").click()
        widget.locator(".day").first.wait_for()
    days = widget.locator(".day")
    days.nth(1 if days.count() > 1 else 0).click()
    widget.locator(".slots button").first.wait_for()


def fill_form(widget, name: str, email: str) -> None:
    widget.get_by_label("Your name").fill(name)
    widget.get_by_label("E-mail").fill(email)
    widget.get_by_label("Your company").fill("Navy")


def utc_basic(instant: str) -> str:
    moment = datetime.fromisoformat(instant.replace("Z", "+00:00")).astimezone(UTC)
    return moment.strftime("%Y%m%dT%H%M%SZ")


def test_a_visitor_books_the_first_slot_with_the_mouse(site, host_pages, open_page):
    page = open_page(host_pages.add(site.base, widget_tag(site.open_key)))
    widget = page.locator("#w")
    ready = wait_for_event(page, "ready")
    assert ready["detail"] == {"version": 1, "eventTypeId": site.event_type_id, "slug": "intro"}
    assert widget.get_by_role("heading", name="Intro call").is_visible()
    assert widget.get_by_role("grid").is_visible()
    shoot(page, "mouse-1-month")

    show_a_free_day(widget)
    first = widget.locator(".slots button").first
    start = first.get_attribute("data-start")
    shoot(page, "mouse-2-slots")
    first.click()
    selected = wait_for_event(page, "slot-selected")["detail"]
    assert selected["version"] == 1
    assert (selected["start"], selected["end"]) == (
        start,
        (datetime.fromisoformat(start) + timedelta(minutes=30)).isoformat(),
    )
    fill_form(widget, "Grace Hopper", "grace@navy.example")
    shoot(page, "mouse-3-form")
    widget.get_by_role("button", name="Book").click()

    widget.get_by_role("heading", name="You are booked").wait_for()
    shoot(page, "mouse-4-booked")
    booked = wait_for_event(page, "booked")["detail"]
    stored = next(b for b in site.bookings() if b["id"] == booked["id"])
    assert stored["inviteeEmail"] == "grace@navy.example"
    assert stored["answers"] == {"company": "Navy"}
    assert stored["inviteeTimezone"] == "UTC"
    assert utc_basic(stored["startTime"]) == utc_basic(start)
    assert booked == {
        "version": 1,
        "id": stored["id"],
        "status": "CONFIRMED",
        "startTime": stored["startTime"],
        "endTime": stored["endTime"],
        "rescheduled": False,
    }

    with page.expect_download() as download:
        widget.get_by_role("link", name="Add to calendar").click()
    assert download.value.suggested_filename == "booking.ics"
    ics = Path(download.value.path()).read_bytes().decode()
    assert ics.startswith("BEGIN:VCALENDAR\r\n")
    assert f"UID:{stored['id']}@127.0.0.1\r\n" in ics
    assert f"DTSTART:{utc_basic(stored['startTime'])}\r\n" in ics
    assert f"DTEND:{utc_basic(stored['endTime'])}\r\n" in ics
    assert "SUMMARY:Intro call\r\n" in ics
    manage = widget.get_by_role("link", name="Change or cancel").get_attribute("href")
    assert stored["id"] in manage
    assert "token=" in manage
    assert "manageToken" not in events(page, "booked")[0]["detail"]


def test_a_visitor_books_with_the_keyboard_alone(site, host_pages, open_page):
    page = open_page(host_pages.add(site.base, widget_tag(site.open_key)))
    widget = page.locator("#w")
    wait_for_event(page, "ready")
    widget.locator(".day, [data-focus='later']").first.wait_for()

    # Tab from the top of the page: the page's button, the zone picker, the month buttons…
    def tab_to_a_day(presses: int) -> None:
        for _ in range(presses):
            page.keyboard.press("Tab")
            now = focused(page) or {}
            if now.get("date") or now.get("key") == "later":
                return

    tab_to_a_day(8)
    if focused(page)["key"] == "later":  # nothing left this month: go to the next one
        page.keyboard.press("Enter")
        widget.locator(".day").first.wait_for()
        tab_to_a_day(4)
    first_day = focused(page)["date"]
    assert first_day, "a day of the month is reachable with Tab"
    shoot(page, "keyboard-1-day-focused")

    # Arrows move between bookable days; Enter picks one and focus goes to its first time.
    page.keyboard.press("ArrowRight")
    second_day = focused(page)["date"]
    assert second_day > first_day
    page.keyboard.press("Enter")
    assert focused(page)["key"] == "slot-0"
    assert widget.locator("[role=gridcell][aria-selected=true] .day").text_content() == str(
        date.fromisoformat(second_day).day
    )
    start = widget.locator(".slots button").first.get_attribute("data-start")
    assert start.startswith(second_day)
    shoot(page, "keyboard-2-slots")

    page.keyboard.press("Space")
    assert focused(page)["key"] == "inviteeName"
    page.keyboard.type("Ada Lovelace")
    page.keyboard.press("Tab")
    page.keyboard.type("ada@engine.example")
    page.keyboard.press("Tab")
    assert focused(page)["key"] == "answers.company"
    page.keyboard.type("Analytical Engines")
    page.keyboard.press("Tab")
    page.keyboard.type("By keyboard")
    page.keyboard.press("Tab")
    assert focused(page)["key"] == "submit"
    shoot(page, "keyboard-3-form")
    page.keyboard.press("Enter")

    widget.get_by_role("heading", name="You are booked").wait_for()
    assert focused(page)["text"] == "You are booked"
    shoot(page, "keyboard-4-booked")
    booked = wait_for_event(page, "booked")["detail"]
    stored = next(b for b in site.bookings() if b["id"] == booked["id"])
    assert (stored["inviteeName"], stored["notes"]) == ("Ada Lovelace", "By keyboard")
    assert utc_basic(stored["startTime"]) == utc_basic(start)
    status = widget.locator("[role=status]")
    assert status.get_attribute("aria-live") == "polite"
    assert status.text_content() == "You are booked"


def test_a_site_missing_from_the_keys_allow_list_gets_a_clear_message_and_books_nothing(
    site, host_pages, open_page
):
    before = len(site.bookings())
    page = open_page(host_pages.add(site.base, widget_tag(site.example_only_key)))
    widget = page.locator("#w")

    error = wait_for_event(page, "error")["detail"]

    assert (error["version"], error["code"], error["status"]) == (1, "origin_not_allowed", 403)
    notice = widget.locator(".notice")
    assert notice.text_content() == (
        "This booking calendar cannot be shown on this website. Site owner: add "
        f"{host_pages.origin} to the widget key's allowed websites."
    )
    assert not widget.locator(".day").count()
    assert not widget.get_by_role("button", name="Try again").count()
    assert not events(page, "ready")
    shoot(page, "origin-not-allowed")
    # Even a hand-made request from this page is refused, readably.
    status = page.evaluate(
        """async ([base, key, body]) => (await fetch(base + "/api/bookings", {method: "POST",
            headers: {"Content-Type": "application/json", "X-Widget-Key": key},
            body: JSON.stringify(body)})).status""",
        [
            site.base,
            site.example_only_key,
            {
                "eventTypeId": site.event_type_id,
                "inviteeName": "Mallory",
                "inviteeEmail": "mallory@example.org",
                "inviteeTimezone": "UTC",
                "startTime": (datetime.now(UTC) + timedelta(days=2))
                .replace(hour=10, minute=0, second=0, microsecond=0)
                .isoformat(),
                "answers": {"company": "Evil"},
            },
        ],
    )
    assert status == 403
    assert len(site.bookings()) == before


def test_an_unknown_key_tells_the_site_owner_to_check_it(site, host_pages, open_page):
    page = open_page(host_pages.add(site.base, widget_tag("sw_pub_" + "x" * 32)))

    error = wait_for_event(page, "error")["detail"]

    assert (error["code"], error["status"]) == ("invalid_widget_key", 401)
    assert "the widget key is unknown or was revoked" in page.locator("#w .notice").text_content()
    shoot(page, "unknown-key")


def test_a_slot_taken_after_listing_says_so_and_lists_the_slots_again(site, host_pages, open_page):
    page = open_page(host_pages.add(site.base, widget_tag(site.open_key)))
    widget = page.locator("#w")
    wait_for_event(page, "ready")
    show_a_free_day(widget)
    slot = widget.locator(".slots button").first
    start = slot.get_attribute("data-start")
    taken = site.api(
        "POST",
        "/api/v1/bookings",
        json={
            "eventTypeId": site.event_type_id,
            "inviteeName": "Quick Person",
            "inviteeEmail": "quick@example.org",
            "inviteeTimezone": "UTC",
            "startTime": start,
            "answers": {"company": "Fast"},
        },
    )
    assert taken.status_code == 201, taken.text
    before = len(site.bookings())

    slot.click()
    fill_form(widget, "Slow Person", "slow@example.org")
    widget.get_by_role("button", name="Book").click()

    notice = widget.locator(".notice.bad")
    notice.wait_for()
    assert notice.text_content() == (
        "Sorry, someone has just taken that time. Please choose another one."
    )
    error = wait_for_event(page, "error")["detail"]
    assert (error["code"], error["status"]) == ("slot_taken", 409)
    widget.locator(".slots button").first.wait_for()
    starts = widget.locator(".slots button").evaluate_all(
        "(buttons) => buttons.map((b) => b.dataset.start)"
    )
    assert start not in starts
    assert starts, "the other times of the day are listed again"
    assert focused(page)["key"] == "slot-0"
    shoot(page, "slot-taken")
    assert len(site.bookings()) == before
    assert not events(page, "booked")


def test_theme_locale_and_time_zone_change_what_is_shown(site, host_pages, open_page):
    widgets = "\n".join(
        [
            widget_tag(site.open_key, "german", locale="de"),
            widget_tag(site.open_key, "dark", theme="dark"),
            # No timezone attribute: the browser's zone.
            f'<slotwise-booking id="local" widget-key="{site.open_key}" event-type="intro" '
            'locale="en"></slotwise-booking>',
        ]
    )
    page = open_page(host_pages.add(site.base, widgets), timezone_id="Australia/Eucla")
    for widget_id in ("german", "dark", "local"):
        wait_for_event(page, "ready", widget_id)
        page.locator(f"#{widget_id} .day, #{widget_id} [data-focus='later']").first.wait_for()
    german, dark, local = (page.locator(f"#{name}") for name in ("german", "dark", "local"))

    month = german.locator("#sw-month").text_content()
    assert month.split()[0] in GERMAN_MONTHS
    assert german.get_by_label("Zeitzone").is_visible()
    day_label = german.locator(".day").first.get_attribute("aria-label")
    assert day_label.split(",")[0] in GERMAN_WEEKDAYS
    assert german.locator("[role=columnheader]").first.text_content() in ("Mo", "Mo.")

    def background(widget):
        return widget.locator(".sw").evaluate("(root) => getComputedStyle(root).backgroundColor")

    assert background(dark) == "rgb(17, 24, 39)"
    assert background(german) == "rgb(255, 255, 255)"
    # Nothing of the page's styles reaches in, nothing of the widget's leaks out.
    assert german.locator(".sw").evaluate("(root) => getComputedStyle(root).color") == (
        "rgb(17, 24, 39)"
    )
    assert german.locator("button[data-focus=next]").evaluate(
        "(b) => getComputedStyle(b).backgroundColor"
    ) != ("rgb(0, 255, 0)")
    assert page.locator("#host-button").evaluate("(b) => getComputedStyle(b).backgroundColor") == (
        "rgb(0, 255, 0)"
    )

    def minutes_shown(widget) -> set[str]:
        show_a_free_day(widget)
        labels = widget.locator(".slots button").all_text_contents()
        return {re.search(r":(\d\d)", label).group(1) for label in labels}

    assert local.locator("#sw-zone").input_value() == "Australia/Eucla"
    assert minutes_shown(dark) == {"00", "30"}
    assert minutes_shown(local) == {"15", "45"}  # UTC+08:45
    shoot(page, "theme-locale-zone")

    local.locator("#sw-zone").select_option("UTC")
    local.locator("#sw-zone").evaluate("(select) => select.blur()")
    assert minutes_shown(local) == {"00", "30"}
    assert local.locator("#sw-zone").input_value() == "UTC"


def test_a_month_without_free_times_offers_the_next_one(site, host_pages, open_page):
    page = open_page(host_pages.add(site.base, widget_tag(site.open_key, event_type="later")))
    widget = page.locator("#w")
    wait_for_event(page, "ready")

    offer = widget.locator("[data-focus='later']")
    offer.wait_for()
    today = datetime.now(UTC).date()
    next_month = date(today.year + today.month // 12, today.month % 12 + 1, 1)
    assert widget.locator(".notice").text_content().startswith(f"No free times in {today:%B %Y}.")
    assert offer.text_content() == f"Show {next_month:%B %Y}"
    shoot(page, "no-times-this-month")

    offer.click()

    widget.locator(".day").first.wait_for()
    assert widget.locator("#sw-month").text_content() == f"{next_month:%B %Y}"
    assert widget.locator(".day").first.get_attribute("data-date").startswith(f"{next_month:%Y-%m}")


def test_a_failed_submission_can_be_retried_with_the_same_idempotency_key(
    site, host_pages, open_page
):
    page = open_page(host_pages.add(site.base, widget_tag(site.open_key)))
    widget = page.locator("#w")
    wait_for_event(page, "ready")
    show_a_free_day(widget)
    widget.locator(".slots button").first.click()
    fill_form(widget, "Retry Person", "retry@example.org")
    keys, answers = [], iter(["rate_limited", "offline", "through"])

    def route(route):
        keys.append(route.request.headers.get("idempotency-key"))
        answer = next(answers)
        if answer == "rate_limited":
            return route.fulfill(
                status=429,
                headers={"Access-Control-Allow-Origin": "*", "Retry-After": "30"},
                json={"error": "Slow down.", "code": "rate_limited", "details": {}},
            )
        if answer == "offline":
            return route.abort()
        return route.continue_()

    page.route(site.base + "/api/bookings", route)
    book = widget.get_by_role("button", name="Book")

    book.click()
    notice = widget.locator(".notice.bad")
    notice.get_by_text("Too many attempts. Please wait a minute and try again.").wait_for()
    shoot(page, "rate-limited")
    book.click()
    notice.get_by_text("The booking service could not be reached.", exact=False).wait_for()
    shoot(page, "network-error")
    widget.get_by_role("button", name="Try again").click()

    widget.get_by_role("heading", name="You are booked").wait_for()
    assert [event["detail"]["code"] for event in events(page, "error")] == [
        "rate_limited",
        "network_error",
    ]
    assert len(keys) == 3
    assert keys[0] != keys[1]
    assert keys[1] == keys[2]
    assert re.fullmatch(
        r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", keys[2]
    )


@pytest.mark.parametrize(("status", "code"), [(400, "validation_failed"), (422, "invalid_answers")])
def test_fields_the_server_refuses_are_marked_and_focused(
    site, host_pages, open_page, status, code
):
    page = open_page(host_pages.add(site.base, widget_tag(site.open_key)))
    widget = page.locator("#w")
    wait_for_event(page, "ready")
    show_a_free_day(widget)
    widget.locator(".slots button").first.click()
    fill_form(widget, "Field Person", "field@example.org")
    refusal = {
        "error": "Some fields were refused.",
        "code": code,
        "details": {"answers.company": "Tell us the company's legal name."},
    }
    page.route(
        site.base + "/api/bookings",
        lambda route: route.fulfill(
            status=status, headers={"Access-Control-Allow-Origin": "*"}, json=refusal
        ),
    )

    widget.get_by_role("button", name="Book").click()

    company = widget.get_by_label("Your company")
    widget.locator("#sw-answers-company-error").wait_for()
    assert company.get_attribute("aria-invalid") == "true"
    assert company.get_attribute("aria-describedby") == "sw-answers-company-error"
    assert widget.locator("#sw-answers-company-error").text_content() == (
        "Tell us the company's legal name."
    )
    assert widget.locator(".notice.bad").text_content() == "Please check the marked fields."
    assert focused(page)["key"] == "answers.company"
    assert company.input_value() == "Navy"
    shoot(page, "field-refused")


def test_the_manage_mode_moves_an_existing_booking(site, host_pages, open_page):
    start = (datetime.now(UTC) + timedelta(days=3)).replace(
        hour=10, minute=0, second=0, microsecond=0
    )
    created = httpx.post(
        site.base + "/api/bookings",
        headers={"X-Widget-Key": site.open_key},
        json={
            "eventTypeId": site.event_type_id,
            "inviteeName": "Mover",
            "inviteeEmail": "mover@example.org",
            "inviteeTimezone": "UTC",
            "startTime": start.isoformat(),
            "answers": {"company": "Moves"},
        },
        timeout=10,
    ).json()
    tag = widget_tag(
        site.open_key, reschedule_booking=created["id"], manage_token=created["manageToken"]
    )
    page = open_page(host_pages.add(site.base, tag))
    widget = page.locator("#w")
    wait_for_event(page, "ready")
    show_a_free_day(widget)
    new_start = widget.locator(".slots button").first.get_attribute("data-start")
    widget.locator(".slots button").first.click()

    assert not widget.get_by_label("Your name").count()
    widget.get_by_label("Reason").fill("Something came up")
    shoot(page, "reschedule-form")
    widget.get_by_role("button", name="Move my booking").click()

    widget.get_by_role("heading", name="Your booking has moved").wait_for()
    shoot(page, "rescheduled")
    moved = wait_for_event(page, "booked")["detail"]
    assert (moved["id"], moved["rescheduled"]) == (created["id"], True)
    stored = next(b for b in site.bookings() if b["id"] == created["id"])
    assert utc_basic(stored["startTime"]) == utc_basic(new_start) != utc_basic(start.isoformat())


def test_popup_mode_opens_the_booking_in_a_dialog_with_the_form_prefilled(
    site, host_pages, open_page
):
    tag = widget_tag(
        site.open_key, mode="popup", prefill_name="Pre Filled", prefill_email="pre@example.org"
    )
    page = open_page(host_pages.add(site.base, tag))
    widget = page.locator("#w")
    wait_for_event(page, "ready")
    dialog = widget.locator("dialog")
    assert not dialog.is_visible()

    widget.get_by_role("button", name="Book a time").click()

    assert dialog.is_visible()
    assert dialog.get_by_role("heading", name="Intro call").is_visible()
    shoot(page, "popup-open")
    show_a_free_day(widget)
    widget.locator(".slots button").first.click()
    assert widget.get_by_label("Your name").input_value() == "Pre Filled"
    assert widget.get_by_label("E-mail").input_value() == "pre@example.org"
    page.keyboard.press("Escape")
    assert not dialog.is_visible()


def test_loading_the_script_twice_keeps_one_working_element(site, host_pages, open_page):
    twice = (
        widget_tag(site.open_key) + f'\n<script src="{site.base}/widget/v1/slotwise.js"></script>'
    )
    page = open_page(host_pages.add(site.base, twice))

    wait_for_event(page, "ready")

    assert page.evaluate("customElements.get('slotwise-booking').name") == "SlotwiseBooking"
    page.evaluate("document.getElementById('w').refresh()")
    page.wait_for_function("window.slotwiseEvents.filter((e) => e.type === 'ready').length === 2")
    assert page.locator("#w .day, #w [data-focus='later']").first.is_visible()


def book_the_first_free_slot(page, widget, widget_id: str = "w") -> dict:
    """Pick the first free time, fill the form, book; return the ``booked`` event's detail."""
    show_a_free_day(widget)
    widget.locator(".slots button").first.click()
    fill_form(widget, "Grace Hopper", "grace@navy.example")
    widget.get_by_role("button", name="Book").click()
    widget.get_by_role("heading", name="You are booked").wait_for()
    return wait_for_event(page, "booked", widget_id)["detail"]


def test_the_widget_books_on_a_page_that_allows_only_its_server(site, host_pages, open_page):
    page = open_page(
        host_pages.add_plain(site.base, widget_tag(site.open_key)), init_script=RECORD_EVENTS
    )
    widget = page.locator("#w")
    wait_for_event(page, "ready")

    booked = book_the_first_free_slot(page, widget)

    assert booked["status"] == "CONFIRMED"
    assert booked["id"] in {booking["id"] for booking in site.bookings()}
    # Styled by its own sheet, which the page's style-src 'self' did not have to allow.
    font = widget.locator(".sw").first.evaluate("(node) => getComputedStyle(node).fontFamily")
    assert font.startswith("system-ui")


def test_the_hosted_booking_page_books_under_its_own_policy(site, open_page):
    response = httpx.get(site.base + "/book/widget-co/intro", timeout=10)
    assert "script-src 'self';" in response.headers.get("content-security-policy", ""), (
        response.status_code,
        response.text[:300],
    )
    page = open_page(site.base + "/book/widget-co/intro", init_script=RECORD_EVENTS)
    widget = page.locator("slotwise-booking")
    # The page's element has no id.
    wait_for_event(page, "ready", widget_id="")

    booked = book_the_first_free_slot(page, widget, widget_id="")

    assert booked["id"] in {booking["id"] for booking in site.bookings()}


def test_the_interactive_docs_work_under_their_policy(site, open_page):
    policy = httpx.get(site.base + "/api/v1/ui/", timeout=10).headers["content-security-policy"]
    assert "script-src 'self' 'sha256-" in policy
    assert "unsafe" not in policy
    page = open_page(site.base + "/api/v1/ui/")

    page.locator(".opblock-tag").first.wait_for()
    operation = page.locator(".opblock-summary", has_text="/api/v1/me").first
    operation.click()
    page.get_by_role("button", name="Try it out").click()
    page.get_by_role("button", name="Execute").click()

    # Sent from the page to this server (connect-src 'self'); without a key: 401.
    page.locator(".live-responses-table .response-col_status", has_text="401").wait_for()
