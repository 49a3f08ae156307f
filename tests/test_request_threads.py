"""SLOTWISE_REQUEST_THREADS: how many threads of one process run requests at once."""

import asyncio
import threading
import time

import httpx
import pytest

from conftest import config_for
from models import db
from slotwise.app import create_app


def _threads_serving(settings: dict, requests: int = 12) -> set[str]:
    """Send ``requests`` slow requests at once; return the names of the threads that ran them."""
    app = create_app(settings)
    seen = set()

    @app.app.before_request
    def _slowly():
        seen.add(threading.current_thread().name)
        # Long enough that every free thread takes a request before any is done.
        time.sleep(0.1)

    async def send_all():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://slotwise") as client:
            return await asyncio.gather(*(client.get("/healthz") for _ in range(requests)))

    try:
        answers = asyncio.run(send_all())
    finally:
        if not db.is_closed():
            db.close()
    assert [answer.status_code for answer in answers] == [200] * requests
    return seen


@pytest.mark.parametrize(
    ("setting", "threads"), [({"REQUEST_THREADS": 1}, 1), ({"REQUEST_THREADS": 3}, 3), ({}, 2)]
)
def test_requests_run_on_the_configured_number_of_threads(database_url, setting, threads):
    assert len(_threads_serving({**config_for(database_url), **setting})) == threads
