"""Schema migrations: scripts in models/migrations, applied in order and recorded once."""

import shutil
import textwrap

import pytest
from peewee import CharField, OperationalError, SqliteDatabase
from playhouse.schema_diff import diff_models

import models
from conftest import SECRET
from models import Organization, db, open_database
from models.schema import MIGRATIONS_DIR, migrate, pending
from services import organizations

# Tables the migration runner owns rather than a model.
RUNNER_TABLES = {"schema_migration"}


@pytest.fixture
def bound(tmp_path):
    """The process-wide database proxy bound to a fresh, empty SQLite file."""
    db.initialize(open_database(f"sqlite:///{tmp_path}/migrations.db"))
    yield db
    if not db.is_closed():
        db.close()


@pytest.fixture
def migrations_copy(tmp_path):
    """A copy of the project's migrations, to which a test can add newer ones."""
    directory = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, directory, ignore=shutil.ignore_patterns("__pycache__"))
    return directory


def add_migration(directory, name: str, body: str) -> None:
    (directory / f"{name}.py").write_text(textwrap.dedent(body))


def applied_names() -> list[str]:
    with db.connection_context():
        return [row[0] for row in db.execute_sql("SELECT name FROM schema_migration ORDER BY id")]


def shipped_migrations() -> list[str]:
    return sorted(path.stem for path in MIGRATIONS_DIR.glob("[0-9]*.py"))


def test_migrating_a_fresh_database_creates_the_tables_and_records_0001(bound):
    applied = migrate()

    assert applied[0] == "0001_initial"
    assert applied == shipped_migrations()
    assert applied_names() == applied
    with db.connection_context():
        tables = set(db.get_tables())
    assert {model._meta.table_name for model in models.ALL_MODELS} <= tables


def test_migrating_again_applies_nothing(bound):
    migrate()

    assert migrate() == []
    assert applied_names() == shipped_migrations()


def test_pending_lists_what_is_not_yet_applied(bound):
    assert pending() == shipped_migrations()
    with db.connection_context():
        # Asking must not create anything.
        assert db.get_tables() == []

    migrate()

    assert pending() == []


def test_migrated_schema_matches_the_models(bound):
    migrate()

    with db.connection_context():
        difference = diff_models(db.obj, models.ALL_MODELS)

    # A model changed without a migration (or the reverse) shows up here.
    assert not difference, f"models and migrations disagree:\n{difference}"


def test_schema_check_notices_a_model_change_without_its_migration(bound):
    migrate()

    class ChangedOrganization(Organization):
        website = CharField(null=True)

        class Meta:
            table_name = "organization"

    with db.connection_context():
        difference = diff_models(db.obj, [ChangedOrganization])

    assert [field.name for field in difference.add_columns] == ["website"]


def _columns_and_constraints(database) -> dict:
    return {
        table: {
            "columns": sorted(
                (c.name, c.data_type, c.null, c.primary_key, c.default)
                for c in database.get_columns(table)
            ),
            # SQLite names no column for an index on an expression (LOWER(short_code)).
            "indexes": sorted(
                (tuple(column or "(expression)" for column in i.columns), i.unique)
                for i in database.get_indexes(table)
            ),
            "foreign keys": sorted(
                (fk.column, fk.dest_table, fk.dest_column)
                for fk in database.get_foreign_keys(table)
            ),
        }
        for table in database.get_tables()
        if table not in RUNNER_TABLES
    }


def _index_names(database) -> dict:
    return {
        table: sorted(i.name for i in database.get_indexes(table))
        for table in database.get_tables()
        if table not in RUNNER_TABLES
    }


def _schemas(bound, tmp_path, describe):
    """Describe the migrated database and one created straight from the models."""
    migrate()
    with db.connection_context():
        migrated = describe(db.obj)
    reference = SqliteDatabase(str(tmp_path / "from-models.db"))
    with reference.bind_ctx(models.ALL_MODELS), reference.connection_context():
        reference.create_tables(models.ALL_MODELS)
        from_models = describe(reference)
    return migrated, from_models


def test_migrated_columns_types_and_constraints_match_the_models(bound, tmp_path):
    # diff_models compares names only; this also compares types, nullability and keys.
    migrated, from_models = _schemas(bound, tmp_path, _columns_and_constraints)

    assert migrated == from_models


def test_migrated_index_names_match_the_models(bound, tmp_path):
    migrated, from_models = _schemas(bound, tmp_path, _index_names)

    assert migrated == from_models


def test_an_older_database_is_upgraded_keeping_its_rows(bound, migrations_copy):
    assert migrate(directory=migrations_copy) == shipped_migrations()
    with db.connection_context():
        acme, _, _ = organizations.bootstrap(secret=SECRET, org_name="Acme", email="a@acme.example")
        globex, _, _ = organizations.bootstrap(
            secret=SECRET, org_name="Globex", email="h@globex.example"
        )
    # Numbered well past the shipped scripts, so it stays the newest as real ones are added.
    add_migration(
        migrations_copy,
        "0900_organization_website",
        """\
        from peewee import CharField


        def up(migrator, db):
            migrator.migrate(
                migrator.add_column(
                    "organization", "website", CharField(max_length=200, default="")
                )
            )
        """,
    )

    assert pending(directory=migrations_copy) == ["0900_organization_website"]
    assert migrate(directory=migrations_copy) == ["0900_organization_website"]

    assert pending(directory=migrations_copy) == []
    with db.connection_context():
        assert "website" in {column.name for column in db.get_columns("organization")}
        rows = db.execute_sql(
            "SELECT id, name, slug, website FROM organization ORDER BY slug"
        ).fetchall()
        assert Organization.select().count() == 2
    assert rows == [(acme.id, "Acme", "acme", ""), (globex.id, "Globex", "globex", "")]
    assert applied_names()[-1] == "0900_organization_website"


def test_a_failing_migration_changes_nothing_and_stays_pending(bound, migrations_copy):
    migrate(directory=migrations_copy)
    add_migration(
        migrations_copy,
        "0900_broken",
        """\
        from peewee import CharField


        def up(migrator, db):
            migrator.migrate(migrator.add_column("organization", "website", CharField(null=True)))
            db.execute_sql("SELECT * FROM no_such_table")
        """,
    )

    with pytest.raises(OperationalError):
        migrate(directory=migrations_copy)

    assert pending(directory=migrations_copy) == ["0900_broken"]
    with db.connection_context():
        assert "website" not in {column.name for column in db.get_columns("organization")}


def test_migrate_keeps_a_connection_the_caller_opened(bound):
    db.connect()
    with db.atomic():
        migrate()
        assert not db.is_closed()
        assert Organization.select().count() == 0

    assert not db.is_closed()
    assert pending() == []
    assert not db.is_closed()


def test_migrate_closes_the_connection_it_opened(bound):
    migrate()

    assert db.is_closed()


def test_0005_gives_existing_event_types_and_bookings_their_owner_as_host(bound, tmp_path):
    before = tmp_path / "before-0005"
    before.mkdir()
    for script in MIGRATIONS_DIR.glob("000[1-4]_*.py"):
        shutil.copy(script, before)
    migrate(directory=before)
    with db.connection_context():
        _, owner, _ = organizations.bootstrap(
            secret=SECRET, org_name="Acme", email="a@acme.example"
        )
        schedule_id = db.execute_sql("SELECT id FROM schedule").fetchone()[0]
        stamp = "2026-12-01 10:00:00"
        db.execute_sql(
            "INSERT INTO event_type (id, organization_id, owner_id, schedule_id, title, slug, "
            "description, duration_minutes, buffer_before_minutes, buffer_after_minutes, "
            "minimum_notice_minutes, booking_window_days, seats_per_slot, "
            "requires_confirmation, active, questions, created_at, updated_at) "
            "VALUES ('evt_old', ?, ?, ?, 'Old', 'old', '', 30, 5, 10, 0, 60, 1, 0, 1, '[]', ?, ?)",
            (owner.organization_id, owner.id, schedule_id, stamp, stamp),
        )
        db.execute_sql(
            "INSERT INTO contact (id, organization_id, email, name, created_at, updated_at, "
            "phone, company, notes, phones, addresses, websites, unsubscribed, bounced) "
            "VALUES ('con_old', ?, 'g@example.com', 'G', ?, ?, '', '', '', '[]', '[]', '[]', 0, 0)",
            (owner.organization_id, stamp, stamp),
        )
        for booking_id, status, hour in (
            ("bkg_live", "CONFIRMED", 10),
            ("bkg_gone", "CANCELLED", 11),
        ):
            db.execute_sql(
                "INSERT INTO booking (id, organization_id, event_type_id, host_id, contact_id, "
                "status, start_at, end_at, buffer_before_minutes, buffer_after_minutes, seat_key, "
                "invitee_name, invitee_email, invitee_timezone, notes, answers, created_at, "
                "updated_at, sequence) VALUES (?, ?, 'evt_old', ?, 'con_old', ?, ?, ?, 5, 10, ?, "
                "'G', 'g@example.com', 'UTC', '', '{}', ?, ?, 0)",
                (
                    booking_id,
                    owner.organization_id,
                    owner.id,
                    status,
                    f"2026-12-01 {hour}:00:00",
                    f"2026-12-01 {hour}:30:00",
                    booking_id,
                    stamp,
                    stamp,
                ),
            )

    assert migrate() == [name for name in shipped_migrations() if name >= "0005"]

    with db.connection_context():
        assert db.execute_sql(
            "SELECT event_type_id, host_id, position FROM event_type_host"
        ).fetchall() == [("evt_old", owner.id, 0)]
        assert db.execute_sql("SELECT assignment FROM event_type").fetchall() == [("single",)]
        rows = db.execute_sql(
            "SELECT booking_id, host_id, event_type_id, start_at, end_at, "
            "buffer_before_minutes, buffer_after_minutes, seat_key, active "
            "FROM booking_host ORDER BY booking_id"
        ).fetchall()
    assert rows == [
        (
            "bkg_gone",
            owner.id,
            "evt_old",
            "2026-12-01 11:00:00",
            "2026-12-01 11:30:00",
            5,
            10,
            "bkg_gone",
            0,
        ),
        (
            "bkg_live",
            owner.id,
            "evt_old",
            "2026-12-01 10:00:00",
            "2026-12-01 10:30:00",
            5,
            10,
            "bkg_live",
            1,
        ),
    ]
