"""Fixtures: an app on a fresh database per test, an organization, keys of every kind.

The suite runs on SQLite, a new file per test. With SLOTWISE_TEST_DATABASE_URL
(postgresql://…) it runs on that database instead, emptied before each test, and with
SLOTWISE_TEST_REDIS_URL its job queue and rate limits use that Redis, flushed likewise.
Run in parallel (pytest -n N), each worker takes a database and a Redis database of its own
beside the ones named (test_gw0, test_gw1, ...; the Redis database numbers after it).
"""

import contextlib
import functools
import os
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from urllib.parse import urlsplit

import pytest
import redis
from peewee import sort_models

from models import ALL_MODELS, EventType, Organization, Schedule, User, db, open_database
from models.schema import migrate
from services import bookings, keys, organizations
from services.recent_keys import RECENT_KEYS
from slotwise import jobs
from slotwise.app import create_app

SECRET = "test-secret-key"
# "gw0", "gw1", ... in a worker of pytest-xdist; empty in a serial run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")


def _own_postgresql(url: str) -> str:
    """The worker's own database beside the one ``url`` names, created if missing."""
    if not WORKER or not url.startswith("postgresql"):
        return url
    parts = urlsplit(url)
    name = f"{parts.path.lstrip('/')}_{WORKER}"
    server = open_database(url)
    with server.connection_context():
        if not server.execute_sql(
            "SELECT 1 FROM pg_database WHERE datname = %s", (name,)
        ).fetchone():
            # CREATE DATABASE cannot run inside the transaction psycopg2 opened for the query.
            server.connection().rollback()
            server.connection().autocommit = True
            server.execute_sql(f'CREATE DATABASE "{name}"')
    server.close_all()
    return parts._replace(path=f"/{name}").geturl()


def _own_redis(url: str) -> str:
    """The worker's own Redis database: the numbers after the one ``url`` names."""
    if not WORKER or not url.startswith("redis"):
        return url
    parts = urlsplit(url)
    number = int(parts.path.lstrip("/") or 0) + 1 + int(WORKER.removeprefix("gw"))
    return parts._replace(path=f"/{number}").geturl()


POSTGRESQL_URL = _own_postgresql(os.environ.get("SLOTWISE_TEST_DATABASE_URL", ""))
REDIS_URL = _own_redis(os.environ.get("SLOTWISE_TEST_REDIS_URL", ""))
ON_POSTGRESQL = POSTGRESQL_URL.startswith("postgresql")
ON_REDIS = REDIS_URL.startswith("redis")


@dataclass
class Tenant:
    """An organization with its owner and a full-access live key."""

    organization: Organization
    owner: User
    key: str


def config_for(database_url: str) -> dict:
    return {
        "DATABASE_URL": database_url,
        "SECRET_KEY": SECRET,
        "VALIDATE_RESPONSES": True,
        "RATELIMIT_ENABLED": False,
        "REDIS_URL": REDIS_URL if ON_REDIS else None,
        # Jobs wait in the queue; the tests of side effects run them on purpose.
        "INPROCESS_WORKER": False,
    }


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/slotwise.db"


_schema_ready = False


def empty_postgresql() -> None:
    """Build the schema once per run, then delete every row before each test."""
    global _schema_ready
    database = open_database(POSTGRESQL_URL)
    with database.connection_context():
        if not _schema_ready:
            database.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
            db.initialize(database)
            migrate()
            _schema_ready = True
        # DELETE, each table after those referring to it: a test leaves a few rows, and
        # TRUNCATE of two dozen tables took 70 ms a test where this takes 5.
        with database.atomic():
            for model in reversed(sort_models(ALL_MODELS)):
                model.delete().execute(database)


def fresh_database_url(sqlite_url: str) -> str:
    """The suite's database, empty, and a flushed Redis if one is used."""
    if ON_REDIS:
        redis.Redis.from_url(REDIS_URL).flushdb()
    if not ON_POSTGRESQL:
        return sqlite_url
    empty_postgresql()
    return POSTGRESQL_URL


@pytest.fixture
def database_url(sqlite_url) -> str:
    """The suite's database for this test."""
    return fresh_database_url(sqlite_url)


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory):
    """One app for the tests that need no special configuration: building one takes long."""
    url = f"sqlite:///{tmp_path_factory.mktemp('app')}/unused.db"
    return create_app(config_for(POSTGRESQL_URL if ON_POSTGRESQL else url))


@contextlib.contextmanager
def serving(shared_app, database_url: str):
    """The shared app on ``database_url``, for a test or for a module's tests together."""
    db.initialize(open_database(database_url))
    migrate()
    # Another test may have pointed the job queue elsewhere.
    jobs.build(dict(shared_app.app.config))
    RECENT_KEYS.forget()
    try:
        yield shared_app
    finally:
        if not db.is_closed():
            db.close()
        if ON_POSTGRESQL:
            # Each test opens a new pool; close its connections rather than wait for collection.
            db.obj.close_all()


@pytest.fixture
def app(shared_app, database_url):
    with serving(shared_app, database_url) as application:
        yield application


@pytest.fixture
def client(app):
    with app.test_client() as test_client:
        yield test_client


def make_tenant(org_name: str, email: str, **options) -> Tenant:
    with db.connection_context():
        org, owner, raw_key = organizations.bootstrap(
            secret=SECRET, org_name=org_name, email=email, **options
        )
    return Tenant(organization=org, owner=owner, key=raw_key)


@pytest.fixture
def tenant(app) -> Tenant:
    return make_tenant("Acme", "ada@acme.example", name="Ada Lovelace", plan="pro")


@pytest.fixture
def other_tenant(app) -> Tenant:
    return make_tenant("Globex", "hank@globex.example")


@pytest.fixture
def make_key(tenant):
    """Issue a key for the tenant's owner: ``make_key(scopes=[...], expires_at=..., mode=...)``."""

    def issue(
        scopes: list[str] | None = None,
        expires_at: datetime | None = None,
        mode: str = "live",
        name: str = "test key",
    ) -> str:
        with db.connection_context():
            _, raw_key = keys.issue_key(
                tenant.owner,
                secret=SECRET,
                name=name,
                scopes=scopes,
                expires_at=expires_at,
                mode=mode,
            )
        return raw_key

    return issue


def bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def add_event_type(tenant: Tenant, slug: str = "intro", **fields) -> EventType:
    """Create an event type of the tenant's owner on their default schedule (Mon–Fri 9–17 UTC)."""
    with db.connection_context():
        schedule = Schedule.get((Schedule.owner == tenant.owner) & Schedule.is_default)
        return EventType.create(
            organization=tenant.organization,
            owner=tenant.owner,
            schedule=fields.pop("schedule", schedule),
            title=fields.pop("title", slug.title()),
            slug=slug,
            duration_minutes=fields.pop("duration_minutes", 30),
            **fields,
        )


@pytest.fixture
def make_event_type(tenant):
    """``make_event_type(slug, **fields)``: :func:`add_event_type` for the tenant."""
    return functools.partial(add_event_type, tenant)


def book_a_weekday(event_type_id: str):
    """Book 10:00 UTC on the first weekday a week or more ahead (the default schedule is
    Monday to Friday) for Grace Hopper; return the booking and its manage token."""
    start = datetime.combine(datetime.now(UTC).date() + timedelta(days=7), time(10), UTC)
    while start.weekday() >= 5:
        start += timedelta(days=1)
    with db.connection_context():
        return bookings.book(
            event_type_id,
            bookings.Invitee("Grace Hopper", "grace@navy.example", "UTC"),
            start,
            actor=bookings.INVITEE,
            now=datetime.now(UTC),
            secret=SECRET,
        )
