"""The same server on PostgreSQL: schema, keys in three styles, rotation, team updates.

Runs when SLOTWISE_TEST_DATABASE_URL names a PostgreSQL database (CI sets it); the
database's public schema is emptied before each test.
"""

import os

import pytest
from playhouse.schema_diff import diff_models

from conftest import bearer, config_for, make_tenant
from models import ALL_MODELS, db, open_database
from models.schema import migrate
from slotwise.app import create_app

DATABASE_URL = os.environ.get("SLOTWISE_TEST_DATABASE_URL", "")

pytestmark = pytest.mark.skipif(
    not DATABASE_URL.startswith("postgresql"),
    reason="PostgreSQL tests need SLOTWISE_TEST_DATABASE_URL=postgresql://...",
)


@pytest.fixture
def pg_client():
    database = open_database(DATABASE_URL)
    with database.connection_context():
        database.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    app = create_app(config_for(DATABASE_URL))
    migrate()
    with app.test_client() as client:
        yield client
    if not db.is_closed():
        db.close()


@pytest.fixture
def pg_tenant(pg_client):
    return make_tenant("Acme", "ada@acme.example")


def test_migrations_build_the_schema_the_models_describe(pg_client):
    with db.connection_context():
        diff = diff_models(db.obj, list(ALL_MODELS))

    assert not diff.create_tables
    assert not diff.add_columns
    assert not diff.drop_columns
    assert not diff.add_indexes
    # The exclusion constraint against double booking exists only in the migration.
    assert [index.name for index in diff.drop_indexes] == ["booking_no_overlap"]


def test_keys_authenticate_in_every_style(pg_client, pg_tenant):
    key = pg_tenant.key
    for headers in (bearer(key), {"X-Api-Key": key}):
        assert pg_client.get("/api/v1/me", headers=headers).status_code == 200
    assert pg_client.get("/api/v1/me", auth=("", key)).status_code == 200
    assert pg_client.get("/api/v1/me", headers=bearer(key[:-1] + "0")).status_code == 401


def test_key_lifecycle(pg_client, pg_tenant):
    created = pg_client.post(
        "/api/v1/api-keys",
        headers=bearer(pg_tenant.key),
        json={"name": "Deploy", "scopes": ["team:read"], "expiresAt": "2099-01-01T00:00:00Z"},
    ).json()
    rotated = pg_client.post(
        f"/api/v1/api-keys/{created['id']}/rotate",
        headers=bearer(pg_tenant.key),
        json={"gracePeriodMinutes": 5},
    ).json()

    assert pg_client.get("/api/v1/team", headers=bearer(created["key"])).status_code == 200
    assert pg_client.get("/api/v1/team", headers=bearer(rotated["key"])).status_code == 200
    assert rotated["expiresAt"] == "2099-01-01T00:00:00.000Z"
    revoked = pg_client.delete(f"/api/v1/api-keys/{rotated['id']}", headers=bearer(pg_tenant.key))
    assert revoked.status_code == 204
    assert pg_client.get("/api/v1/team", headers=bearer(rotated["key"])).status_code == 401


def test_team_updates_persist(pg_client, pg_tenant):
    pg_client.put("/api/v1/team", headers=bearer(pg_tenant.key), json={"timezone": "Asia/Tokyo"})

    team = pg_client.get("/api/v1/team", headers=bearer(pg_tenant.key)).json()

    assert team["timezone"] == "Asia/Tokyo"
    assert pg_client.get("/readyz").status_code == 200
