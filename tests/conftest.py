"""Fixtures: an app on a fresh database per test, an organization, keys of every kind."""

from dataclasses import dataclass
from datetime import datetime

import pytest

from models import EventType, Organization, Schedule, User, db
from models.schema import migrate
from services import keys, organizations
from slotwise.app import create_app

SECRET = "test-secret-key"


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
        # Jobs wait in the queue; the tests of side effects run them on purpose.
        "INPROCESS_WORKER": False,
    }


@pytest.fixture
def database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path}/slotwise.db"


@pytest.fixture
def app(database_url):
    application = create_app(config_for(database_url))
    migrate()
    yield application
    if not db.is_closed():
        db.close()


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


@pytest.fixture
def make_event_type(tenant):
    """Create an event type of the tenant's owner on their default schedule (Mon–Fri 9–17 UTC)."""

    def create(slug: str = "intro", **fields) -> EventType:
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

    return create
