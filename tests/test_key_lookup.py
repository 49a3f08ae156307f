"""Checking a secret takes the same steps whatever part of a guess is right.

Not a stopwatch test (too noisy to fail reliably): it records the SQL each check issues and
the constant-time comparisons it makes, which must not depend on whether anything with the
guess's prefix, or the booking a token names, exists.
"""

import contextlib
import hmac
import logging
import re
import secrets
import string

import pytest

from conftest import SECRET, book_a_weekday
from models import db, utcnow
from services import bookings
from services.auth import authenticate
from services.errors import AuthenticationFailed, NotFound

ALPHABET = string.ascii_letters + string.digits


class Steps(logging.Handler):
    """The SQL statements peewee runs (it logs them without their values) and the
    comparisons made."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.statements: list[str] = []
        self.comparisons = 0

    def emit(self, record):
        self.statements.append(record.getMessage())


@pytest.fixture
def record(monkeypatch):
    """``with record() as steps:`` collects the steps of what runs inside."""
    real_compare = hmac.compare_digest

    @contextlib.contextmanager
    def recording():
        steps = Steps()

        def counted(a, b):
            steps.comparisons += 1
            return real_compare(a, b)

        logger = logging.getLogger("peewee")
        level = logger.level
        logger.setLevel(logging.DEBUG)
        logger.addHandler(steps)
        monkeypatch.setattr(hmac, "compare_digest", counted)
        try:
            yield steps
        finally:
            monkeypatch.setattr(hmac, "compare_digest", real_compare)
            logger.removeHandler(steps)
            logger.setLevel(level)

    return recording


def random_text(length: int) -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def steps_of_refusal(record, raw_key: str):
    with db.connection_context(), record() as steps, pytest.raises(AuthenticationFailed) as refused:
        authenticate(raw_key, secret=SECRET, now=utcnow())
    assert refused.value.code == "invalid_api_key"
    return steps


def test_a_wrong_key_costs_the_same_whatever_prefix_it_shares(record, tenant):
    known = tenant.key
    guesses = {
        "a wholly made-up key": "sw_live_" + random_text(len(known) - 8),
        "a known prefix, a wrong rest": known[:-8] + random_text(8),
        "all but the last character": known[:-1] + ("a" if known[-1] != "a" else "b"),
        "an unknown mode's prefix": "sw_test_" + known[8:],
    }

    steps = {name: steps_of_refusal(record, guess) for name, guess in guesses.items()}

    with db.connection_context(), record() as accepted:
        authenticate(known, secret=SECRET, now=utcnow())
    for name, taken in steps.items():
        assert taken.comparisons == 1, name
        # By the hash of the whole key, and nothing else about it.
        assert re.search(r'WHERE \("t1"\."key_hash" = (\?|%s)\)', taken.statements[0]), name
        # The query that finds the key is the one a genuine key runs first.
        assert taken.statements == accepted.statements[:1], name


@pytest.fixture
def booking(make_event_type):
    found, _token = book_a_weekday(make_event_type().id)
    return found


@pytest.mark.parametrize("token", ["mt_" + "A" * 32, "mt_é", ""])
def test_a_wrong_manage_token_costs_the_same_whether_the_booking_exists(record, booking, token):
    taken = {}
    for booking_id in (booking.id, "bkg_" + random_text(20)):
        with db.connection_context(), record() as steps, pytest.raises(NotFound):
            bookings.for_invitee(booking_id, token, SECRET)
        taken[booking_id] = steps

    existing, unknown = taken.values()
    assert existing.comparisons == unknown.comparisons == 1
    assert existing.statements == unknown.statements
