"""Creating and upgrading the database schema with peewee's migration runner.

Each change to the models ships as a numbered script in ``models/migrations/``; applied
scripts are recorded in the ``schema_migration`` table, so running :func:`migrate` on any
older database brings it up to date, and on an up-to-date one does nothing.
"""

import contextlib
from pathlib import Path

from playhouse.migrations import Runner

from .base import db

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def _runner(directory: Path) -> Runner:
    return Runner(db.obj, str(directory), table_name="schema_migration")


def _connected():
    # A connection the caller opened (perhaps inside a transaction) stays open;
    # closing it under them would fail or end their transaction.
    return contextlib.nullcontext() if not db.is_closed() else db.connection_context()


def migrate(directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Apply every pending migration in order; return the names applied."""
    with _connected():
        return _runner(directory).up()


def pending(directory: Path = MIGRATIONS_DIR) -> list[str]:
    """Names of the migrations not yet applied to the bound database."""
    with _connected():
        return [m.name for m in _runner(directory).status() if not m.applied]
