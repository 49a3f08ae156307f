"""No secret reaches a log: not keys, passwords, login or manage tokens, webhook secrets
or signatures, whatever the log level.

The real commands run as an operator runs them, ``slotwise serve`` at its most verbose
(``--log-level debug``: every logger, SQL included); everything they write is searched.
"""

import json
import re
import subprocess
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from servers import SLOTWISE, cli_env, serving
from slotwise.logs import without_tokens
from webhook_receiver import WebhookReceiver

SECRET = "log-test-server-secret"
PASSWORD = "correct horse battery staple"
WRONG_PASSWORD = "incorrect donkey battery staple"


def run(*args: str, database_url: str, cwd, stdin: str | None = None):
    return subprocess.run(
        [SLOTWISE, *args],
        env=cli_env(database_url, SECRET_KEY=SECRET),
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


class Api:
    def __init__(self, base: str):
        self.base = base

    def __call__(self, method: str, path: str, key: str | None = None, **options):
        headers = options.pop("headers", {})
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return httpx.request(method, self.base + path, headers=headers, timeout=10, **options)


def exercise(api: Api, receiver: WebhookReceiver, bootstrapped: dict) -> list[str]:
    """Create, use and misuse every kind of secret; return them all."""
    key = bootstrapped["apiKey"]
    secrets = [key, bootstrapped["widgetKey"], PASSWORD, WRONG_PASSWORD]

    created = api("POST", "/api/v1/api-keys", key, json={"name": "CRM sync"}).json()
    rotated = api("POST", f"/api/v1/api-keys/{created['id']}/rotate", key, json={}).json()
    secrets += [created["key"], rotated["key"]]

    wrong_keys = [
        key[:-6] + "zzzzzz",
        "sw_live_" + "Q" * 40,
        "sw_test_" + key[8:],
        key[:-1],
    ]
    for wrong in wrong_keys:
        assert api("GET", "/api/v1/me", wrong).status_code == 401
    assert api("GET", "/api/v1/me", headers={"X-Api-Key": wrong_keys[0]}).status_code == 401
    assert httpx.get(api.base + "/api/v1/me", auth=("", wrong_keys[1])).status_code == 401
    secrets += wrong_keys

    email = bootstrapped["user"]["email"]
    login = api("POST", "/api/auth/login", json={"email": email, "password": PASSWORD}).json()
    refused = api("POST", "/api/auth/login", json={"email": email, "password": WRONG_PASSWORD})
    assert refused.status_code == 401
    assert api("GET", "/api/v1/me", login["token"]).status_code == 200
    assert api("GET", "/api/v1/me", login["token"][:-4] + "AAAA").status_code == 401
    secrets += [login["token"], login["token"][:-4] + "AAAA"]

    widget = api("POST", "/api/v1/widget-keys", key, json={"name": "Site"}).json()["key"]
    secrets.append(widget)

    # Some receivers take their own secret in the address.
    hook_path = "/hooks/T01/B02/" + "x3Fq9ZpL2mWn7Rt5Yv8K"
    hook = {"url": receiver.url + hook_path, "events": ["booking.created", "booking.cancelled"]}
    secrets.append(hook_path)
    endpoint = api("POST", "/api/v1/webhooks", key, json=hook).json()
    new_secret = api("POST", f"/api/v1/webhooks/{endpoint['id']}/rotate-secret", key).json()
    assert api("POST", f"/api/v1/webhooks/{endpoint['id']}/test", key).status_code == 200
    secrets += [endpoint["secret"], new_secret["secret"]]

    event_type = {"title": "Intro", "slug": "intro", "durationMinutes": 30}
    assert api("POST", "/api/v1/event-types", key, json=event_type).status_code == 201
    public = {"X-Widget-Key": widget}
    start_date = datetime.now(UTC).date() + timedelta(days=1)
    query = {"timezone": "UTC", "startDate": start_date.isoformat()}
    slots = api("GET", "/api/public/availability/intro", headers=public, params=query).json()
    booking = api(
        "POST",
        "/api/bookings",
        headers=public,
        json={
            "eventTypeId": slots["eventTypeId"],
            "inviteeName": "Grace Hopper",
            "inviteeEmail": "grace@navy.example",
            "inviteeTimezone": "UTC",
            "startTime": slots["slots"][0]["start"],
        },
    ).json()
    token = booking["manageToken"]
    secrets.append(token)
    assert api("GET", f"/manage/{booking['id']}", params={"token": token}).status_code == 200
    assert api("GET", f"/api/bookings/{booking['id']}", params={"token": token}).status_code == 200
    cancelled = api("POST", f"/manage/{booking['id']}/cancel", data={"token": token})
    assert cancelled.status_code == 303

    # The ping, the booking, its cancellation: each signed.
    delivered = receiver.wait_for(3, timeout=20)
    signatures = [received.headers["slotwise-signature"] for received in delivered]
    secrets += [part.split("=", 1)[1] for header in signatures for part in header.split(",")[1:]]
    return secrets


def test_no_secret_reaches_the_logs_of_a_server_at_its_most_verbose(tmp_path, sqlite_url):
    bootstrap = run(
        "bootstrap", "--org", "Acme", "--email", "ada@acme.example", "--json",
        database_url=sqlite_url, cwd=tmp_path,
    )  # fmt: skip
    bootstrapped = json.loads(bootstrap.stdout)
    password = run(
        "users", "set-password", "--email", "ada@acme.example", "--password-stdin",
        database_url=sqlite_url, cwd=tmp_path, stdin=PASSWORD + "\n",
    )  # fmt: skip

    with (
        WebhookReceiver() as receiver,
        serving(
            tmp_path,
            sqlite_url,
            "--log-level",
            "debug",
            SECRET_KEY=SECRET,
            WEBHOOKS_ALLOW_PRIVATE="1",
            RATELIMIT_ENABLED="0",
            RETRY_SECONDS="1",
        ) as (base, out_path, err_path),
    ):
        secrets = exercise(Api(base), receiver, bootstrapped)
    logs = "\n".join(
        [
            bootstrap.stderr,
            password.stdout,
            password.stderr,
            out_path.read_text(),
            err_path.read_text(),
        ]
    )

    leaked = sorted({secret for secret in secrets if secret in logs})
    assert leaked == [], "secrets in the logs"
    # What was logged: requests (the manage links' tokens hidden) and SQL (its values not).
    assert re.search(r'"GET /manage/bkg_\w+\?token=\[hidden\] HTTP/1.1" 200', logs)
    assert "SELECT" in logs
    assert "values not logged" in logs
    assert len(secrets) >= 20
    for secret in secrets:
        assert len(secret) >= 12, "too short to search for"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /manage/bkg_1?token=mt_abc HTTP/1.1", "GET /manage/bkg_1?token=[hidden] HTTP/1.1"),
        ("/api/bookings/b?lang=de&token=mt_abc&x=1", "/api/bookings/b?lang=de&token=[hidden]&x=1"),
        ("/manage/b%3Ftoken=mt_abc", "/manage/b%3Ftoken=[hidden]"),
        ("/api/v1/contacts?search=token", "/api/v1/contacts?search=token"),
    ],
)
def test_the_access_log_hides_token_parameters(line, expected):
    assert without_tokens(line) == expected
