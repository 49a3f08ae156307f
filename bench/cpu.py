"""The server's CPU time per request, for each Slotwise target of bench/api.py.

Throughput under load says little on a machine whose other users take the cores; the CPU
time a request costs the server does not depend on them nearly as much. The server and its
data are bench/api.py's; one client sends each target's requests one after the other, and
the server process's CPU time (user and system, from /proc) is read before and after. Each
target is warmed up, then measured ``ROUNDS`` times; the lowest figure is printed, the one
least disturbed by other work on the machine. Linux only.

``SLOTWISE_BENCH_REQUESTS`` (default 300) is the number of requests per round.
"""

import os
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from datetime import time as day_time
from itertools import count
from pathlib import Path

import api
import httpx

REQUESTS = int(os.environ.get("SLOTWISE_BENCH_REQUESTS", "300"))
WARMUP = 30
ROUNDS = 3


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def targets(client: httpx.Client, fixture: api.Fixture, window: str) -> dict:
    """Each target as a function sending one request and checking its answer."""
    key = {"Authorization": f"Bearer {fixture.api_key}"}
    first_slot = int(fixture.first_free_slot.timestamp())
    numbers = count()

    def request(method: str, url: str, status: int, **arguments):
        def send():
            response = client.request(method, url, **arguments)
            if response.status_code != status:
                raise SystemExit(f"{method} {url} answered {response.status_code}: {response.text}")

        return send

    def booking():
        body = api._booking_body(fixture.event_type_id, first_slot, next(numbers))
        headers = {"Content-Type": "application/json"}
        request("POST", "/api/bookings", 201, content=body, headers=headers)()

    return {
        "GET /healthz": request("GET", "/healthz", 200),
        "GET /api/v1/bookings?limit=20": request(
            "GET", "/api/v1/bookings?limit=20", 200, headers=key
        ),
        f"GET /api/v1/availability ({api.AVAILABILITY_DAYS} days)": request(
            "GET", f"/api/v1/availability/{fixture.slug}?{window}", 200, headers=key
        ),
        "POST /api/bookings (distinct slots)": booking,
    }


def main() -> int:
    today = datetime.combine(datetime.now(UTC).date(), day_time(), UTC)
    first_day = (today + timedelta(days=1)).date()
    window = (
        f"timezone=UTC&startDate={first_day}"
        f"&endDate={first_day + timedelta(days=api.AVAILABILITY_DAYS - 1)}"
    )
    with tempfile.TemporaryDirectory(prefix="slotwise-bench-") as directory:
        work = Path(directory)
        fixture = api.prepare(work, today)
        settings = api.slotwise_settings(fixture)
        print(
            f"{REQUESTS} requests per round, lowest of {ROUNDS} rounds, {api.BOOKINGS} bookings, "
            f"SLOTWISE_SQLITE_SYNCHRONOUS={api.SQLITE_SYNCHRONOUS}\n"
            f"\n{'target':<40} {'CPU ms/request':>15}",
            flush=True,
        )
        log = work / "slotwise.log"
        with (
            api.serving("slotwise.app:create_asgi_app", "/healthz", log, **settings) as (base, pid),
            httpx.Client(base_url=base, timeout=30) as client,
        ):
            for name, send in targets(client, fixture, window).items():
                for _ in range(WARMUP):
                    send()
                rounds = []
                for _ in range(ROUNDS):
                    began = cpu_seconds(pid)
                    for _ in range(REQUESTS):
                        send()
                    rounds.append((cpu_seconds(pid) - began) / REQUESTS * 1000)
                print(f"{name:<40} {min(rounds):>15.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
