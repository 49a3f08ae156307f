"""Creating and upgrading the database schema with peewee's migration runner.

Each change to the models ships as a numbered script in ``models/migrations/``; applied
scripts are recorded in the ``schema_migration`` table, so running :func:`migrate` on any
older database brings it up to date, and on an up-to-date one does nothing.
"""

from pathlib import Path

from playhouse.migrations import Runner

from .base import db

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _runner(directory: Path) -> Runner:
    return Runner(db.obj, str(directory), table_name="schema_migration")


def migrate(directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every pending migration in order; return the names applied."""
    with db.connection_context():
        return _runner(directory).up()


def pending(directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Names of the migrations not yet applied to the bound database."""
    with db.connection_context():
        return [m.name for m in _runner(directory).status() if not m.applied]
