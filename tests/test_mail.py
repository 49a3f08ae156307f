"""E-mails about bookings: what invitee and host receive over real SMTP, retries, the log."""

import logging
import re
import shutil
import smtplib
import ssl
import subprocess
from datetime import UTC, datetime, time, timedelta
from email.message import EmailMessage as MimeMessage
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.smtp import AuthResult
from icalendar import Calendar

from conftest import bearer
from models import DomainEvent, EmailMessage, Schedule, db, utcnow
from services import events, mail, work
from services.mail.content import short_start, time_range
from smtp_server import free_port, smtp_server

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
EVERY_DAY = [
    {"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "08:00", "end": "18:00"}
]
MEETING_URL = "https://meet.example.com/ada"


@pytest.fixture
def berlin_schedule(tenant):
    with db.connection_context():
        return Schedule.create(
            organization=tenant.organization,
            owner=tenant.owner,
            name="Berlin office",
            timezone=BERLIN,
            rules=EVERY_DAY,
        )


@pytest.fixture
def event_type(make_event_type, berlin_schedule):
    return make_event_type(
        schedule=berlin_schedule,
        title="Intro call",
        location={"type": "video", "value": MEETING_URL},
    )


@pytest.fixture
def request_type(make_event_type, berlin_schedule):
    """An event type whose bookings wait for the host's confirmation."""
    return make_event_type(
        "request", schedule=berlin_schedule, title="Consultation", requires_confirmation=True
    )


def berlin(days: int, hour: int) -> datetime:
    """An instant some days from now at a Berlin wall-clock hour, in UTC."""
    day = datetime.now(UTC).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), ZoneInfo(BERLIN)).astimezone(UTC)


def book(client, event_type_id: str, start: datetime, **extra) -> dict:
    body = {
        "eventTypeId": event_type_id,
        "inviteeName": "Grace Hopper",
        "inviteeEmail": "grace@navy.example",
        "inviteeTimezone": NEW_YORK,
        "startTime": start.isoformat(),
        **extra,
    }
    response = client.post("/api/bookings", json=body)
    assert response.status_code == 201, response.json()
    return response.json()


def settings(app, **overrides) -> dict:
    return {**app.app.config, "SMTP_URL": None, **overrides}


def dispatch(config: dict) -> list[EmailMessage]:
    """Dispatch every recorded event as the job runner does; return the e-mails created."""
    created = []

    def compose(event):
        messages = mail.compose(event, config=config)
        created.extend(messages)
        return messages

    with db.connection_context():
        waiting = DomainEvent.select(DomainEvent.id).where(DomainEvent.dispatched_at.is_null())
        for event in list(waiting.order_by(DomainEvent.created_at)):
            events.dispatch(event.id, now=utcnow(), compose_emails=compose)
    return created


def send(message_id: str, config: dict, now: datetime | None = None) -> datetime | None:
    with db.connection_context():
        return mail.send(message_id, now=now or utcnow(), config=config)


def row(message_id: str) -> EmailMessage:
    with db.connection_context():
        return EmailMessage.get_by_id(message_id)


def deliver(config: dict) -> list[EmailMessage]:
    """Dispatch the recorded events and send their e-mails; return the rows as they end."""
    messages = dispatch(config)
    for message in messages:
        send(message.id, config)
    return [row(message.id) for message in messages]


def bodies(message: MimeMessage) -> tuple[str, str]:
    return message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()


def subject(message: MimeMessage) -> str:
    # A subject that fits a line only on its own is folded right after "Subject:"; the
    # stdlib parser keeps the fold's space, mail clients drop it.
    return message["Subject"].strip()


def invitation(message: MimeMessage):
    """The attached calendar, its Content-Type's method and the calendar's one event."""
    (attachment,) = message.iter_attachments()
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_filename() == "invite.ics"
    calendar = Calendar.from_ical(attachment.get_content())
    (event,) = calendar.walk("VEVENT")
    return calendar, attachment.get_param("method"), event


def local_range(start: datetime, end: datetime, zone: str) -> str:
    first, last = start.astimezone(ZoneInfo(zone)), end.astimezone(ZoneInfo(zone))
    return f"{first:%A}, {first.day} {first:%B %Y}, {first:%H:%M}–{last:%H:%M} ({zone})"


@pytest.fixture
def smtp():
    with smtp_server() as server:
        yield server


@pytest.fixture
def config(app, smtp):
    return settings(app, SMTP_URL=smtp.url)


# What arrives


def test_a_new_booking_mails_the_invitee_then_the_host(client, tenant, event_type, smtp, config):
    booking = book(client, event_type.id, berlin(3, 10))

    invitee_row, host_row = deliver(config)

    assert [message.rcpt_tos for message in smtp.messages] == [
        ["grace@navy.example"],
        ["ada@acme.example"],
    ]
    invitee, host = (message.parsed() for message in smtp.messages)
    assert invitee["From"] == "Slotwise <no-reply@localhost>"
    assert smtp.messages[0].mail_from == "no-reply@localhost"
    assert invitee["To"] == "Grace Hopper <grace@navy.example>"
    assert host["To"] == "Ada Lovelace <ada@acme.example>"
    assert (invitee["Message-ID"], host["Message-ID"]) == (
        f"<{invitee_row.id}@localhost>",
        f"<{host_row.id}@localhost>",
    )
    for message in (invitee, host):
        assert message.get_content_type() == "multipart/mixed"
        text, html = bodies(message)
        assert "Intro call" in text
        assert "<html" in html
        assert "Intro call" in html
    with db.connection_context():
        created_at = DomainEvent.get(DomainEvent.booking_id == booking["id"]).created_at
    assert invitee["Date"].datetime == created_at.replace(microsecond=0)
    assert [(r.template, r.to, r.status, r.attempts) for r in (invitee_row, host_row)] == [
        ("booking_created_invitee", "grace@navy.example", "sent", 1),
        ("booking_created_host", "ada@acme.example", "sent", 1),
    ]
    assert invitee_row.sent_at is not None
    assert invitee_row.booking_id == booking["id"]


def test_the_invitation_carries_the_booking_in_utc(client, event_type, smtp, config):
    start = berlin(3, 10)
    booking = book(client, event_type.id, start)

    deliver(config)

    for received in smtp.messages:
        calendar, method, event = invitation(received.parsed())
        assert method == "REQUEST"
        assert calendar["METHOD"] == "REQUEST"
        assert str(event["UID"]) == f"{booking['id']}@slotwise"
        assert event["SEQUENCE"] == 0
        assert event["STATUS"] == "CONFIRMED"
        assert event.decoded("DTSTART") == start
        assert event.decoded("DTEND") == start + timedelta(minutes=30)
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)
        assert str(event["SUMMARY"]) == "Intro call"
        assert str(event["LOCATION"]) == MEETING_URL
        assert str(event["ORGANIZER"]) == "mailto:ada@acme.example"
        assert event["ORGANIZER"].params["CN"] == "Ada Lovelace"
        assert str(event["ATTENDEE"]) == "mailto:grace@navy.example"
        assert event["ATTENDEE"].params["CN"] == "Grace Hopper"


def test_each_reads_the_time_in_their_own_zone(client, event_type, smtp, config):
    start = berlin(3, 10)
    end = start + timedelta(minutes=30)
    book(client, event_type.id, start)

    deliver(config)

    invitee, host = (message.parsed() for message in smtp.messages)
    invitee_text, invitee_html = bodies(invitee)
    host_text, host_html = bodies(host)
    assert local_range(start, end, NEW_YORK) in invitee_text
    assert local_range(start, end, NEW_YORK) in invitee_html
    assert local_range(start, end, BERLIN) in host_text
    assert local_range(start, end, BERLIN) in host_html
    assert f"({BERLIN})" not in invitee_text
    new_york = start.astimezone(ZoneInfo(NEW_YORK))
    assert subject(invitee) == (
        f"Confirmed: Intro call with Ada Lovelace on "
        f"{new_york:%a} {new_york.day} {new_york:%b} {new_york:%H:%M} ({NEW_YORK})"
    )
    assert subject(host) == (
        f"Confirmed: Intro call with Grace Hopper on "
        f"{start.astimezone(ZoneInfo(BERLIN)):%a} {start.astimezone(ZoneInfo(BERLIN)).day} "
        f"{start.astimezone(ZoneInfo(BERLIN)):%b} 10:00 ({BERLIN})"
    )


def test_the_host_reads_where_and_what_the_invitee_answered(
    client, make_event_type, berlin_schedule, smtp, config
):
    event_type = make_event_type(
        "questions",
        schedule=berlin_schedule,
        title="Intro call",
        location={"type": "phone", "value": "+1 202 555 0100"},
        questions=[{"id": "company", "label": "Your company", "type": "text"}],
    )
    book(
        client,
        event_type.id,
        berlin(3, 10),
        notes="About the compiler",
        answers={"company": "US Navy"},
    )

    deliver(config)

    invitee, host = (message.parsed() for message in smtp.messages)
    host_text, host_html = bodies(host)
    assert "Where:   Phone: +1 202 555 0100" in host_text
    assert "Invitee: Grace Hopper <grace@navy.example>, America/New_York" in host_text
    assert "Notes:   About the compiler" in host_text
    assert "Your company: US Navy" in host_text
    assert "US Navy" in host_html
    invitee_text, _ = bodies(invitee)
    assert "Where: Phone: +1 202 555 0100" in invitee_text
    assert "US Navy" not in invitee_text


def test_times_read_as_in_print():
    start = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)

    assert time_range(start, start + timedelta(minutes=30), BERLIN) == (
        "Tuesday, 1 December 2026, 09:00–09:30 (Europe/Berlin)"
    )
    assert time_range(start, start + timedelta(hours=16), BERLIN) == (
        "Tuesday, 1 December 2026, 09:00 – Wednesday, 2 December 2026, 01:00 (Europe/Berlin)"
    )
    assert short_start(start, NEW_YORK) == "Tue 1 Dec 03:00 (America/New_York)"


def test_the_invitees_manage_link_opens_their_booking(client, event_type, smtp, config):
    start = berlin(3, 10)
    booking = book(client, event_type.id, start)

    deliver(config)

    invitee_text, invitee_html = bodies(smtp.messages[0].parsed())
    (link,) = set(re.findall(r"https?://\S+/manage/\S+", invitee_text))
    assert link == booking["manageUrl"]
    assert f'href="{link}"' in invitee_html
    response = client.get(link.removeprefix(config["BASE_URL"]))
    assert response.status_code == 200
    assert "Intro call" in response.text
    assert time_range(start, start + timedelta(minutes=30), NEW_YORK) in response.text
    _, _, event = invitation(smtp.messages[0].parsed())
    assert link in str(event["DESCRIPTION"])


def test_the_host_never_gets_the_invitees_manage_token(client, event_type, smtp, config):
    booking = book(client, event_type.id, berlin(3, 10))

    deliver(config)

    assert booking["manageToken"].encode() in smtp.messages[0].raw
    assert booking["manageToken"].encode() not in smtp.messages[1].raw


def test_what_the_invitee_typed_arrives_escaped_in_html(client, event_type, smtp, config):
    name = "Zoë <script>alert(1)</script>"
    book(client, event_type.id, berlin(3, 10), inviteeName=name, notes="<b>call me</b>")

    invitee_row, _ = deliver(config)

    assert invitee_row.message.isascii()
    invitee, host = (message.parsed() for message in smtp.messages)
    assert invitee["To"].addresses[0].display_name == name
    for message in (invitee, host):
        text, html = bodies(message)
        assert name in text
        assert "<script>" not in html
        assert "Zoë &lt;script&gt;alert(1)&lt;/script&gt;" in html
    host_text, host_html = bodies(host)
    assert "<b>call me</b>" in host_text
    assert "&lt;b&gt;call me&lt;/b&gt;" in host_html
    assert subject(host).startswith(f"Confirmed: Intro call with {name} on ")


# Changes of a booking


def test_a_reschedule_keeps_the_uid_and_raises_the_sequence(
    client, tenant, event_type, smtp, config
):
    first, second = berlin(3, 10), berlin(4, 11)
    booking = book(client, event_type.id, first)
    deliver(config)

    moved = client.post(
        f"/api/v1/bookings/{booking['id']}/reschedule",
        json={"startTime": second.isoformat(), "reason": "A clash"},
        headers=bearer(tenant.key),
    )
    assert moved.status_code == 200
    rows = deliver(config)

    assert [r.template for r in rows] == ["booking_rescheduled_invitee", "booking_rescheduled_host"]
    invitee = smtp.messages[2].parsed()
    assert subject(invitee).startswith("Rescheduled: Intro call with Ada Lovelace on ")
    text, _ = bodies(invitee)
    assert local_range(second, second + timedelta(minutes=30), NEW_YORK) in text
    assert "Was:   " + local_range(first, first + timedelta(minutes=30), NEW_YORK) in text
    assert "Reason: A clash" in text
    _, _, before = invitation(smtp.messages[0].parsed())
    calendar, method, after = invitation(invitee)
    assert (method, calendar["METHOD"]) == ("REQUEST", "REQUEST")
    assert after["UID"] == before["UID"] == f"{booking['id']}@slotwise"
    assert (before["SEQUENCE"], after["SEQUENCE"]) == (0, 1)
    assert after.decoded("DTSTART") == second


def test_a_cancellation_asks_calendars_to_remove_the_event(
    client, tenant, event_type, smtp, config
):
    booking = book(client, event_type.id, berlin(3, 10))
    deliver(config)

    client.post(
        f"/api/v1/bookings/{booking['id']}/cancel",
        json={"reason": "Travel plans changed"},
        headers=bearer(tenant.key),
    )
    rows = deliver(config)

    assert [r.template for r in rows] == ["booking_cancelled_invitee", "booking_cancelled_host"]
    for received in smtp.messages[2:]:
        message = received.parsed()
        assert subject(message).startswith("Cancelled: Intro call with ")
        calendar, method, event = invitation(message)
        assert (method, calendar["METHOD"], event["STATUS"]) == ("CANCEL", "CANCEL", "CANCELLED")
        assert event["UID"] == f"{booking['id']}@slotwise"
        assert event["SEQUENCE"] == 1
        text, _ = bodies(message)
        assert "Reason: Travel plans changed" in text
        assert "removes this booking from your calendar" in text
        assert booking["manageToken"].encode() not in received.raw


def test_a_request_is_tentative_until_the_host_confirms(client, tenant, request_type, smtp, config):
    booking = book(client, request_type.id, berlin(3, 10))
    deliver(config)
    client.post(f"/api/v1/bookings/{booking['id']}/confirm", headers=bearer(tenant.key))
    deliver(config)

    subjects = [subject(received.parsed()).split(":")[0] for received in smtp.messages]
    assert subjects == ["Requested", "Requested", "Confirmed", "Confirmed"]
    states = [
        (method, event["STATUS"], event["SEQUENCE"])
        for method, event in (invitation(r.parsed())[1:] for r in smtp.messages)
    ]
    assert states == [
        ("REQUEST", "TENTATIVE", 0),
        ("REQUEST", "TENTATIVE", 0),
        ("REQUEST", "CONFIRMED", 1),
        ("REQUEST", "CONFIRMED", 1),
    ]


def test_a_declined_request_is_removed_from_calendars(client, tenant, request_type, smtp, config):
    booking = book(client, request_type.id, berlin(3, 10))
    deliver(config)
    client.post(f"/api/v1/bookings/{booking['id']}/decline", headers=bearer(tenant.key))
    rows = deliver(config)

    assert [r.template for r in rows] == ["booking_declined_invitee", "booking_declined_host"]
    message = smtp.messages[2].parsed()
    assert subject(message).startswith("Declined: Consultation with Ada Lovelace on ")
    calendar, method, event = invitation(message)
    assert (method, calendar["METHOD"], event["STATUS"], event["SEQUENCE"]) == (
        "CANCEL",
        "CANCEL",
        "CANCELLED",
        1,
    )


def test_events_that_are_not_about_a_booking_compose_nothing(app, client, event_type):
    book(client, event_type.id, berlin(3, 10))

    with db.connection_context():
        contact_event = DomainEvent.get(DomainEvent.type == "contact.created")
        assert mail.compose(contact_event, config=settings(app)) == []
        assert EmailMessage.select().count() == 0


def test_an_address_no_server_takes_fails_alone(client, event_type, smtp, config):
    book(client, event_type.id, berlin(3, 10), inviteeEmail="<grace>@navy.example")

    invitee_row, host_row = deliver(config)

    assert invitee_row.status == "failed"
    assert invitee_row.error.startswith("Not a deliverable address: ")
    assert host_row.status == "sent"
    assert [message.rcpt_tos for message in smtp.messages] == [["ada@acme.example"]]


# Transport


def test_without_an_smtp_url_messages_are_stored_and_logged(
    app, client, event_type, caplog, monkeypatch
):
    def no_connection(*args, **kwargs):
        raise AssertionError("no SMTP connection may be opened")

    monkeypatch.setattr(smtplib, "SMTP", no_connection)
    monkeypatch.setattr(smtplib, "SMTP_SSL", no_connection)
    booking = book(client, event_type.id, berlin(3, 10))

    with caplog.at_level(logging.INFO, logger="slotwise.mail"):
        rows = deliver(settings(app))

    assert [(r.status, r.sent_at, r.attempts) for r in rows] == [("stored", None, 0)] * 2
    logged = [r for r in caplog.records if r.name == "slotwise.mail"]
    assert [record.levelno for record in logged] == [logging.INFO, logging.INFO]
    for record, message in zip(logged, rows, strict=True):
        assert message.id in record.getMessage()
        assert "stored" in record.getMessage()
    assert booking["manageToken"] not in caplog.text
    assert "invite.ics" not in caplog.text
    assert "Hello" not in caplog.text


def test_a_refused_message_waits_for_its_retry(app, client, event_type):
    book(client, event_type.id, berlin(3, 10))
    with smtp_server(reply="554 5.7.1 Message rejected") as server:
        config = settings(app, SMTP_URL=server.url, RETRY_SECONDS=(60, 300))
        message, _ = dispatch(config)
        now = utcnow()

        retry_at = send(message.id, config, now=now)

        assert now + timedelta(seconds=54) <= retry_at <= now + timedelta(seconds=66)
        failed = row(message.id)
        assert (failed.status, failed.attempts, failed.error) == (
            "pending",
            1,
            "554 5.7.1 Message rejected",
        )
        assert failed.next_attempt_at == retry_at
        assert failed.locked_until is None
        assert send(message.id, config, now=retry_at - timedelta(seconds=1)) is None
        assert server.handler.refused == 1


def test_after_the_last_wait_the_message_is_given_up(app, client, event_type, caplog):
    book(client, event_type.id, berlin(3, 10))
    with smtp_server(reply="554 5.7.1 Message rejected") as server:
        config = settings(app, SMTP_URL=server.url, RETRY_SECONDS=(60, 300))
        message, _ = dispatch(config)
        now = utcnow()

        first_retry = send(message.id, config, now=now)
        second_retry = send(message.id, config, now=first_retry)
        assert second_retry - first_retry >= timedelta(seconds=270)
        assert send(message.id, config, now=second_retry) is None

        given_up = row(message.id)
        assert (given_up.status, given_up.attempts, given_up.locked_until) == ("failed", 3, None)
        assert send(message.id, config, now=second_retry + timedelta(days=1)) is None
        assert server.handler.refused == 3
    assert "given up after 3 attempts" in caplog.text


def test_an_unreachable_server_is_retried(app, client, event_type):
    book(client, event_type.id, berlin(3, 10))
    config = settings(app, SMTP_URL=f"smtp://127.0.0.1:{free_port()}")
    message, _ = dispatch(config)

    assert send(message.id, config) is not None

    failed = row(message.id)
    assert failed.status == "pending"
    assert failed.error.startswith("ConnectionRefusedError: ")


def test_a_message_is_sent_once_whoever_holds_it(client, event_type, smtp, config):
    book(client, event_type.id, berlin(3, 10))
    message, _ = dispatch(config)
    now = utcnow()
    with db.connection_context():
        assert work.claim(EmailMessage, message.id, now, timedelta(seconds=120)) is not None

    assert send(message.id, config, now=now) is None
    assert smtp.messages == []

    later = now + timedelta(seconds=121)
    send(message.id, config, now=later)
    send(message.id, config, now=later)
    assert len(smtp.messages) == 1


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("smtp://mail.example.org", ("mail.example.org", 25, "plain", "", "")),
        ("smtp://mail.example.org:2525", ("mail.example.org", 2525, "plain", "", "")),
        ("smtp://mail.example.org?starttls=1", ("mail.example.org", 587, "starttls", "", "")),
        (
            "smtp://u@mail.example.org:25?starttls=true",
            ("mail.example.org", 25, "starttls", "u", ""),
        ),
        ("smtp://mail.example.org?starttls=0", ("mail.example.org", 25, "plain", "", "")),
        ("smtps://ada:p%40ss@mail.example.org", ("mail.example.org", 465, "tls", "ada", "p@ss")),
        (
            "smtps://ada:secret@mail.example.org:4650",
            ("mail.example.org", 4650, "tls", "ada", "secret"),
        ),
    ],
)
def test_the_smtp_url_picks_host_port_security_and_login(url, expected):
    found = mail.parse_smtp_url(url)

    assert (found.host, found.port, found.security, found.username, found.password) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://user:hunter2@mail.example.org",
        "smtp://user:hunter2@",
        "smtps://user:hunter2@mail.example.org?starttls=1",
        "smtp://user:hunter2@mail.example.org:port",
    ],
)
def test_a_bad_smtp_url_is_refused_without_showing_the_password(url):
    with pytest.raises(mail.SmtpUrlError) as refused:
        mail.parse_smtp_url(url)

    assert "hunter2" not in str(refused.value)


# aiosmtpd warns about AUTH without TLS, which is what this test wants.
@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_the_login_in_the_smtp_url_is_used(app, client, event_type):
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=True, auth_data=auth_data)

    book(client, event_type.id, berlin(3, 10))
    with smtp_server(
        authenticator=authenticator, auth_required=True, auth_require_tls=False
    ) as server:
        config = settings(app, SMTP_URL=f"smtp://ada:p%40ss@127.0.0.1:{server.port}")
        rows = deliver(config)

        assert [r.status for r in rows] == ["sent", "sent"]
        assert logins == [(b"ada", b"p@ss")] * 2


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1: (certificate file, key file)."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


@pytest.mark.parametrize("scheme", ["smtps", "starttls"])
def test_tls_modes_deliver_over_tls(app, client, event_type, certificate, monkeypatch, scheme):
    cert, key = certificate
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    # The client verifies the server against the default trust store, here the test's.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    if scheme == "smtps":
        options = {"ssl_context": server_context}
    else:
        options = {"tls_context": server_context, "require_starttls": True}
    book(client, event_type.id, berlin(3, 10))

    with smtp_server(**options) as server:
        url = f"smtps://127.0.0.1:{server.port}"
        if scheme == "starttls":
            url = f"smtp://127.0.0.1:{server.port}?starttls=1"
        rows = deliver(settings(app, SMTP_URL=url))

        assert [r.status for r in rows] == ["sent", "sent"]
        assert len(server.messages) == 2


# The log in the API


def test_the_booking_shows_its_emails_oldest_first(client, tenant, event_type, smtp, config):
    booking = book(client, event_type.id, berlin(3, 10))
    path = f"/api/v1/bookings/{booking['id']}"
    assert client.get(path, headers=bearer(tenant.key)).json()["emailLogs"] == []

    invitee_row, host_row = deliver(config)
    logs = client.get(path, headers=bearer(tenant.key)).json()["emailLogs"]

    assert logs == [
        {
            "id": message.id,
            "to": message.to,
            "subject": message.subject,
            "template": message.template,
            "status": "sent",
            "sentAt": message.sent_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "error": "",
            "createdAt": message.created_at.isoformat(timespec="milliseconds").replace(
                "+00:00", "Z"
            ),
        }
        for message in (invitee_row, host_row)
    ]
    assert logs[0]["subject"].startswith("Confirmed: Intro call with Ada Lovelace on ")
