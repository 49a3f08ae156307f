"""Load the HTTP API of a real Slotwise server and of a bare Flask app; print what each took.

Both run under uvicorn with the same settings (one worker, log level warning, no access
log), one after the other. Slotwise runs on a fresh SQLite database holding one
organization (plan business, rate limits off) whose host has 2,000 confirmed bookings over
the coming year and an event type bookable around the clock in 30-minute slots. Each target
gets the same load, 32 keep-alive connections, from wrk when it is installed (Debian's
package) and otherwise from the Python load generator below; a warm-up is run and thrown
away, then the target is measured:

- the bare app's 20-item JSON list;
- the same list from Connexion alone (bench/connexion_app.py), to tell Connexion's cost from
  Slotwise's;
- ``GET /api/v1/bookings?limit=20`` with a secret key;
- ``GET /api/v1/availability/{slug}`` over 30 days, at 32 connections and at one (the
  time one request takes when it does not queue behind 31 others);
- ``POST /api/bookings`` without a key, every request on a slot of its own.

The server runs no jobs, as in production, where ``slotwise worker`` processes do: each
booking's e-mails and webhooks wait in the queue. Afterwards a ``slotwise worker`` drains
that queue and the time it took is printed too.

Targets: the list at least 40 % of the bare app's requests/s with a p99 of at most 50 ms;
availability p50 at most 15 ms (one connection); at least 150 public bookings/s. The exit
status is 1 when a target is missed or any request failed.

``SLOTWISE_BENCH_SECONDS`` (default 10) is the measured time per target;
``SLOTWISE_BENCH_TOOL=python`` uses the Python load generator even where wrk is installed.
"""

import asyncio
import contextlib
import itertools
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from models import (
    Booking,
    Contact,
    DomainEvent,
    EmailMessage,
    EventType,
    Schedule,
    db,
    new_id,
    open_database,
)
from models.schema import migrate
from services import organizations

ROOT = Path(__file__).resolve().parent.parent
WRK_SCRIPT = Path(__file__).with_name("wrk.lua")

SECONDS = int(os.environ.get("SLOTWISE_BENCH_SECONDS", "10"))
WARMUP_SECONDS = min(3, SECONDS)
CONNECTIONS = 32
# wrk's threads: one per core of the machine the figures in docs/benchmarks.md come from.
WRK_THREADS = 2
UVICORN_SETTINGS = ("--workers", "1", "--log-level", "warning", "--no-access-log")

SECRET = "bench-secret-not-for-production"
BOOKINGS = 2000
CONTACTS = 200
AVAILABILITY_DAYS = 30
SLOT = timedelta(minutes=30)
# Public bookings go to days after the existing bookings, up to the end of the window.
FIRST_FREE_DAY = 366
BOOKING_WINDOW_DAYS = 730

DRAIN_TIMEOUT = 600
# The default: each commit waits for the disk, under the write lock (docs/benchmarks.md).
SQLITE_SYNCHRONOUS = "full"

TARGET_LIST_SHARE = 0.40
TARGET_LIST_P99_MS = 50.0
TARGET_AVAILABILITY_P50_MS = 15.0
TARGET_BOOKINGS_PER_SECOND = 150.0


@dataclass(frozen=True)
class Fixture:
    database_url: str
    api_key: str
    slug: str
    event_type_id: str
    first_free_slot: datetime


@dataclass(frozen=True)
class Result:
    tool: str
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds


# The data


def prepare(directory: Path, today: datetime) -> Fixture:
    """A SQLite database with one busy host; ``today`` is a UTC midnight."""
    url = f"sqlite:///{directory / 'bench.db'}"
    db.initialize(open_database(url))
    migrate()
    with db.connection_context(), db.atomic():
        org, owner, api_key = organizations.bootstrap(
            secret=SECRET, org_name="Bench", email="host@bench.example", plan="business"
        )
        every_day = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        schedule = Schedule.create(
            organization=org,
            owner=owner,
            name="Around the clock",
            timezone="UTC",
            rules=[{"days": every_day, "start": "00:00", "end": "24:00"}],
        )
        event_type = EventType.create(
            organization=org,
            owner=owner,
            schedule=schedule,
            title="Bench call",
            slug="bench",
            duration_minutes=30,
            booking_window_days=BOOKING_WINDOW_DAYS,
        )
        _insert_bookings(event_type, today + timedelta(days=1))
    db.close()
    return Fixture(
        url, api_key, event_type.slug, event_type.id, today + timedelta(days=FIRST_FREE_DAY)
    )


def _insert_bookings(event_type: EventType, first_day: datetime) -> None:
    """BOOKINGS confirmed bookings at distinct half-hours of the year from ``first_day``."""
    generator = random.Random(2026)  # noqa: S311 - repeatable test data, not secrets
    contacts = [
        {
            "id": new_id("con"),
            "organization": event_type.organization_id,
            "email": f"contact{n}@bench.example",
            "name": f"Contact {n}",
        }
        for n in range(CONTACTS)
    ]
    Contact.insert_many(contacts).execute()
    rows = []
    for n, half_hour in enumerate(generator.sample(range(365 * 48), BOOKINGS)):
        start = first_day + half_hour * SLOT
        contact = contacts[n % CONTACTS]
        booking_id = new_id("bkg")
        rows.append(
            {
                "id": booking_id,
                "organization": event_type.organization_id,
                "event_type": event_type.id,
                "host": event_type.owner_id,
                "contact": contact["id"],
                "status": "CONFIRMED",
                "start_at": start,
                "end_at": start + SLOT,
                "seat_key": booking_id,
                "invitee_name": contact["name"],
                "invitee_email": contact["email"],
                "invitee_timezone": "UTC",
            }
        )
    for first in range(0, len(rows), 500):
        Booking.insert_many(rows[first : first + 500]).execute()


# The servers


def slotwise_settings(fixture: Fixture) -> dict[str, str]:
    """The Slotwise server's settings: no rate limits, no jobs, SQLite's default durability."""
    return {
        "DATABASE_URL": fixture.database_url,
        "SECRET_KEY": SECRET,
        "RATELIMIT_ENABLED": "0",
        "INPROCESS_WORKER": "0",
        "SQLITE_SYNCHRONOUS": SQLITE_SYNCHRONOUS,
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serving(factory: str, probe: str, log: Path, **variables: str):
    """Run ``uvicorn --factory FACTORY`` until PROBE answers 200; yield (base URL, pid)."""
    port = _free_port()
    env = {name: value for name, value in os.environ.items() if not name.startswith("SLOTWISE_")}
    env.update({f"SLOTWISE_{name}": value for name, value in variables.items()})
    command = [sys.executable, "-m", "uvicorn", "--factory", factory, "--port", str(port)]
    with log.open("w") as errors:
        process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", *UVICORN_SETTINGS],
            cwd=ROOT,
            env=env,
            stdout=errors,
            stderr=errors,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{factory} did not start:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.TransportError):
                if httpx.get(base + probe, timeout=5).status_code == 200:
                    break
            time.sleep(0.1)
        yield base, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# The load


@dataclass(frozen=True)
class Load:
    url: str
    headers: dict
    # (event type id, first slot as Unix seconds): POST a booking, the n-th on slot n.
    booking: tuple[str, int] | None = None


def drive(load: Load, seconds: int, tool: str, connections: int = CONNECTIONS) -> Result:
    if tool == "wrk":
        return _wrk(load, seconds, connections)
    return _python_load(load, seconds, connections)


def _wrk(load: Load, seconds: int, connections: int) -> Result:
    threads = min(WRK_THREADS, connections)
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    for name, value in load.headers.items():
        command += ["-H", f"{name}: {value}"]
    command += ["-s", str(WRK_SCRIPT), load.url]
    if load.booking is not None:
        event_type_id, first = load.booking
        command += ["--", "book", event_type_id, str(first), str(WRK_THREADS)]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(line for line in output.splitlines() if line.startswith("WRK_SUMMARY "))
    summary = json.loads(line.removeprefix("WRK_SUMMARY "))
    return Result(
        tool="wrk",
        requests=summary["requests"],
        seconds=summary["duration_us"] / 1e6,
        p50_ms=summary["p50_us"] / 1000,
        p99_ms=summary["p99_us"] / 1000,
        errors=summary["non_2xx"] + summary["socket_errors"],
    )


def _booking_body(event_type_id: str, first: int, n: int) -> bytes:
    start = datetime.fromtimestamp(first, UTC) + n * SLOT
    return json.dumps(
        {
            "eventTypeId": event_type_id,
            "inviteeName": f"Invitee {n}",
            "inviteeEmail": f"invitee-{first}-{n}@bench.example",
            "inviteeTimezone": "UTC",
            "startTime": start.strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    ).encode()


def _python_load(load: Load, seconds: int, connections: int) -> Result:
    """Keep-alive HTTP/1.1 connections, each sending its next request on an answer."""
    parts = urlsplit(load.url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    method = "GET" if load.booking is None else "POST"
    head = f"{method} {target} HTTP/1.1\r\nHost: {parts.netloc}\r\n" + "".join(
        f"{name}: {value}\r\n" for name, value in load.headers.items()
    )
    numbers = itertools.count()
    latencies: list[float] = []
    errors = 0

    def next_request() -> bytes:
        if load.booking is None:
            return (head + "\r\n").encode()
        body = _booking_body(*load.booking, next(numbers))
        headers = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        return (head + headers).encode() + body

    async def connection(deadline: float) -> None:
        nonlocal errors
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        try:
            while time.perf_counter() < deadline:
                began = time.perf_counter()
                writer.write(next_request())
                status = await _read_response(reader)
                latencies.append(time.perf_counter() - began)
                errors += not 200 <= status < 300
        finally:
            writer.close()

    async def run() -> float:
        began = time.perf_counter()
        await asyncio.gather(*(connection(began + seconds) for _ in range(connections)))
        return time.perf_counter() - began

    elapsed = asyncio.run(run())
    ordered = sorted(latencies)
    return Result(
        tool="python",
        requests=len(ordered),
        seconds=elapsed,
        p50_ms=ordered[len(ordered) // 2] * 1000,
        p99_ms=ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)] * 1000,
        errors=errors,
    )


async def _read_response(reader: asyncio.StreamReader) -> int:
    """Read one response (uvicorn always sends Content-Length here); return its status."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    fields = dict(line.split(":", 1) for line in head[1:] if line)
    length = next(int(value) for name, value in fields.items() if name.lower() == "content-length")
    await reader.readexactly(length)
    return int(head[0].split(" ", 2)[1])


class BookingLoad:
    """Public bookings on slots no earlier run has used, warm-up included."""

    def __init__(self, base: str, event_type_id: str, first_slot: datetime):
        self.url = base + "/api/bookings"
        self.event_type_id = event_type_id
        self.next_slot = int(first_slot.timestamp())

    def drive(self, seconds: int, tool: str) -> Result:
        result = drive(Load(self.url, {}, (self.event_type_id, self.next_slot)), seconds, tool)
        # No thread numbers more than WRK_THREADS * (its answered + in-flight requests).
        used = max(WRK_THREADS, 1) * (result.requests + CONNECTIONS)
        self.next_slot += used * int(SLOT.total_seconds())
        return result


# The run


def _check(base: str, fixture: Fixture, window: str) -> None:
    """Fail early, and readably, if a GET target does not answer what it should."""
    headers = {"Authorization": f"Bearer {fixture.api_key}"}
    listed = httpx.get(base + "/api/v1/bookings?limit=20", headers=headers, timeout=30)
    if listed.status_code != 200 or len(listed.json()["data"]) != 20:
        raise SystemExit(f"GET /api/v1/bookings answered {listed.status_code}: {listed.text}")
    slots = httpx.get(
        f"{base}/api/v1/availability/{fixture.slug}?{window}", headers=headers, timeout=30
    )
    if slots.status_code != 200 or not slots.json()["slots"]:
        raise SystemExit(f"GET /api/v1/availability answered {slots.status_code}: {slots.text}")


def measure(run) -> Result:
    """Warm the target up, then measure it."""
    run(WARMUP_SECONDS)
    return run(SECONDS)


def drain(fixture: Fixture, work: Path) -> tuple[int, float]:
    """Run ``slotwise worker`` until every booking's e-mails are written; (bookings, seconds)."""
    db.initialize(open_database(fixture.database_url))
    with db.connection_context():
        booked = DomainEvent.select().where(DomainEvent.type == "booking.created").count()
    env = {name: value for name, value in os.environ.items() if not name.startswith("SLOTWISE_")}
    env.update(SLOTWISE_DATABASE_URL=fixture.database_url, SLOTWISE_SECRET_KEY=SECRET)
    slotwise = str(Path(sys.executable).with_name("slotwise"))
    with (work / "worker.log").open("w") as log:
        worker = subprocess.Popen(
            [slotwise, "worker", "--workers", "2"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    began = time.monotonic()
    try:
        while True:
            with db.connection_context():
                waiting = (
                    DomainEvent.select().where(DomainEvent.dispatched_at.is_null()).count()
                    + EmailMessage.select().where(EmailMessage.status == "pending").count()
                )
            if not waiting:
                return booked, time.monotonic() - began
            if worker.poll() is not None or time.monotonic() - began > DRAIN_TIMEOUT:
                raise SystemExit(f"The worker did not drain the queue:\n{work / 'worker.log'}")
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        db.close()


def main() -> int:
    tool = os.environ.get("SLOTWISE_BENCH_TOOL") or ("wrk" if shutil.which("wrk") else "python")
    today = datetime.combine(datetime.now(UTC).date(), day_time(), UTC)
    first_day = (today + timedelta(days=1)).date()
    window = (
        f"timezone=UTC&startDate={first_day}"
        f"&endDate={first_day + timedelta(days=AVAILABILITY_DAYS - 1)}"
    )
    results = {}
    with tempfile.TemporaryDirectory(prefix="slotwise-bench-") as directory:
        work = Path(directory)
        fixture = prepare(work, today)
        print(
            f"{CONNECTIONS} connections, {WARMUP_SECONDS} s warm-up and {SECONDS} s measured "
            f"per target, {BOOKINGS} bookings, load from {tool}, "
            f"SLOTWISE_SQLITE_SYNCHRONOUS={SQLITE_SYNCHRONOUS}",
            flush=True,
        )
        with serving("bench.bare_app:create_app", "/items", work / "bare.log") as (base, _):
            results["bare Flask, 20-item list"] = measure(
                lambda seconds: drive(Load(base + "/items", {}), seconds, tool)
            )
        any_token = {"Authorization": "Bearer any"}
        with serving("bench.connexion_app:create_app", "/openapi.json", work / "connexion.log") as (
            base,
            _,
        ):
            results["Connexion alone, the same list"] = measure(
                lambda seconds: drive(Load(base + "/items?limit=20", any_token), seconds, tool)
            )
        with serving(
            "slotwise.app:create_asgi_app",
            "/healthz",
            work / "slotwise.log",
            **slotwise_settings(fixture),
        ) as (base, _):
            _check(base, fixture, window)
            key = {"Authorization": f"Bearer {fixture.api_key}"}
            list_load = Load(base + "/api/v1/bookings?limit=20", key)
            results["GET /api/v1/bookings?limit=20"] = measure(
                lambda seconds: drive(list_load, seconds, tool)
            )
            slots_load = Load(f"{base}/api/v1/availability/{fixture.slug}?{window}", key)
            results[f"GET /api/v1/availability ({AVAILABILITY_DAYS} days)"] = measure(
                lambda seconds: drive(slots_load, seconds, tool)
            )
            results["  the same, one connection"] = measure(
                lambda seconds: drive(slots_load, seconds, tool, connections=1)
            )
            bookings = BookingLoad(base, fixture.event_type_id, fixture.first_free_slot)
            results["POST /api/bookings (distinct slots)"] = measure(
                lambda seconds: bookings.drive(seconds, tool)
            )
        drained = drain(fixture, work)
    return report(results, drained)


def report(results: dict[str, Result], drained: tuple[int, float]) -> int:
    print(f"\n{'target':<40} {'tool':<7} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, result in results.items():
        print(
            f"{name:<40} {result.tool:<7} {result.per_second:>8.1f} {result.p50_ms:>8.2f} "
            f"{result.p99_ms:>8.2f} {result.errors:>7}"
        )
    bare, connexion, listed, _slots, one_by_one, booked = results.values()
    share = listed.per_second / bare.per_second
    print(f"\nlist / bare throughput: {share:.2f}")
    print(f"Connexion alone / bare throughput: {connexion.per_second / bare.per_second:.2f}")
    count, seconds = drained
    print(
        f"slotwise worker wrote the e-mails of {count} bookings in {seconds:.1f} s "
        f"({count / seconds:.1f} bookings/s)"
    )
    checks = [
        (f"list >= {TARGET_LIST_SHARE:.0%} of the bare app's req/s", share >= TARGET_LIST_SHARE),
        (f"list p99 <= {TARGET_LIST_P99_MS:.0f} ms", listed.p99_ms <= TARGET_LIST_P99_MS),
        (
            f"availability p50 <= {TARGET_AVAILABILITY_P50_MS:.0f} ms (one connection)",
            one_by_one.p50_ms <= TARGET_AVAILABILITY_P50_MS,
        ),
        (
            f"public bookings >= {TARGET_BOOKINGS_PER_SECOND:.0f}/s",
            booked.per_second >= TARGET_BOOKINGS_PER_SECOND,
        ),
        ("no failed request", not any(result.errors for result in results.values())),
    ]
    for text, met in checks:
        print(f"{'PASS' if met else 'FAIL'}  {text}")
    return 0 if all(met for _, met in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
