"""The database handle, the base model and the field types every model shares."""

import contextlib
import functools
import json
import logging
import secrets
import string
import threading
from datetime import UTC, datetime
from urllib.parse import unquote, urlsplit

from peewee import DatabaseProxy, DateTimeField, Model, Node, SqliteDatabase, TextField, Value
from playhouse.pool import PooledPostgresqlDatabase, PooledSqliteDatabase

db = DatabaseProxy()


class _WithoutValues(logging.Filter):
    """peewee logs every query with its values at DEBUG: secrets among them (webhook
    secrets, widget keys, password hashes), and e-mail addresses. Keep the SQL only."""

    def filter(self, record):
        if isinstance(record.msg, tuple) and len(record.msg) == 2:
            sql, values = record.msg
            record.msg = "%s -- %d values not logged"
            record.args = (sql, len(values or ()))
        return True


# On the logger itself, so that it holds whatever handlers a process configures.
logging.getLogger("peewee").addFilter(_WithoutValues())

_ID_ALPHABET = string.ascii_lowercase + string.digits


_ID_LENGTH = 20
_ID_SPACE = len(_ID_ALPHABET) ** _ID_LENGTH


def new_id(prefix: str) -> str:
    """Return an opaque, random, prefixed identifier such as ``org_4k2x...``."""
    # One draw from the operating system for the whole id, written in base 36: each
    # character as uniform as a choice of its own, which would cost a draw each.
    number = secrets.randbelow(_ID_SPACE)
    characters = []
    for _ in range(_ID_LENGTH):
        number, digit = divmod(number, len(_ID_ALPHABET))
        characters.append(_ID_ALPHABET[digit])
    return prefix + "_" + "".join(characters)


class UTCDateTimeField(DateTimeField):
    """A timestamp stored as naive UTC and read back as an aware UTC datetime."""

    def db_value(self, value):
        if isinstance(value, datetime) and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return super().db_value(value)

    def python_value(self, value):
        if isinstance(value, str):
            # SQLite hands back text: the C parser is many times faster than peewee's
            # strptime tries, and lists are made of these.
            try:
                value = datetime.fromisoformat(value)
            except ValueError:
                value = super().python_value(value)
        else:
            value = super().python_value(value)
        if isinstance(value, datetime):
            return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return value


class JSONField(TextField):
    """JSON kept as text, so SQLite and PostgreSQL store it the same way."""

    def db_value(self, value):
        return None if value is None else json.dumps(value, separators=(",", ":"))

    def python_value(self, value):
        return None if value is None else json.loads(value)


class BaseModel(Model):
    class Meta:
        database = db
        legacy_table_names = False

    @classmethod
    def create(cls, **values):
        """Insert one row, as peewee's ``create`` does, from SQL built once.

        peewee builds the SQL of every insert afresh, which takes longer than SQLite takes
        to run it, and a booking inserts several rows. The SQL is built by peewee the first
        time a model inserts a set of columns, and kept; rows with an expression for a
        value, or with an automatic id, go through peewee's own ``create``.
        """
        # A model is a peewee node too, but stands for its id.
        if cls._meta.auto_increment or any(
            isinstance(value, Node) and not isinstance(value, Model) for value in values.values()
        ):
            return super().create(**values)
        instance = cls(**values)
        instance._insert()
        return instance

    def insert_new(self) -> bool:
        """Insert this row unless that would break a unique constraint; whether it did."""
        return self._insert(ignore_conflicts=True) > 0

    def _insert(self, ignore_conflicts: bool = False) -> int:
        data = self.__data__
        self._populate_unsaved_relations(data)
        database = self._meta.database
        sql, order = _insert_sql(type(self), tuple(data), ignore_conflicts, type(database.obj))
        fields = self._meta.fields
        row = [fields[name].db_value(value) for name, value in data.items()]
        inserted = database.execute_sql(sql, [row[position] for position in order]).rowcount
        self._dirty.clear()
        return inserted


@functools.cache
def _insert_sql(
    model, names: tuple[str, ...], ignore_conflicts: bool, _dialect: type
) -> tuple[str, list[int]]:
    """The INSERT of ``names``' columns, and which name each of its parameters is."""
    # Each parameter's value is its name's position, left unconverted, so the order in
    # which peewee writes the columns can be read off the parameters.
    fields = model._meta.fields
    query = model.insert(
        {fields[name]: Value(position, converter=False) for position, name in enumerate(names)}
    )
    if ignore_conflicts:
        query = query.on_conflict_ignore()
    sql, order = query.sql()
    if sorted(order) != list(range(len(names))):
        raise AssertionError(f"peewee wrote {order} for the columns {names} of {model}")
    return sql, order


class UnsupportedDatabaseURL(ValueError):
    pass


def open_database(url: str, pool_size: int = 32, sqlite_synchronous: str = "full"):
    """Build (without connecting) the database that ``url`` names.

    ``sqlite:///relative.db``, ``sqlite:////absolute.db`` and ``postgresql://user@host/name``
    are understood. Connections are pooled: for PostgreSQL ``pool_size`` per process, enough
    for the web server's and the job consumer's threads; for SQLite as many as are in use.
    ``sqlite_synchronous`` is SQLite's ``synchronous`` pragma (``full`` or ``normal``).
    """
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = sqlite_path(url)
        if not path or path == ":memory:":
            # Each thread would get its own empty in-memory database.
            raise UnsupportedDatabaseURL(f"SQLite needs a file path, not {url!r}")
        # Pooled too: opening a connection and setting its pragmas cost more than most
        # queries, and a request opened two (the key's lookup, then the handler). SQLite
        # has no server to spare, so the pool is unbounded; a connection serves one
        # thread at a time, and one returned inside a transaction is rolled back.
        return PooledSqliteDatabase(
            path,
            max_connections=None,
            check_same_thread=False,
            pragmas={
                "journal_mode": "wal",
                "synchronous": sqlite_synchronous,
                "foreign_keys": 1,
                "busy_timeout": 10_000,
            },
        )
    if parts.scheme in ("postgres", "postgresql"):
        return PooledPostgresqlDatabase(
            unquote(parts.path.lstrip("/")) or None,
            max_connections=pool_size,
            # Connections idle this long are replaced, so a restarted server is survived.
            stale_timeout=300,
            # Wait this long for a free connection before failing the request.
            timeout=10,
            host=parts.hostname,
            port=parts.port,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            connect_timeout=5,
        )
    raise UnsupportedDatabaseURL(
        f"Unsupported database URL scheme {parts.scheme!r}: use sqlite:/// or postgresql://"
    )


def sqlite_path(url: str) -> str | None:
    """Return the file path of a SQLite URL, or None for any other database."""
    parts = urlsplit(url)
    if parts.scheme != "sqlite":
        return None
    return unquote(parts.path[1:]) if parts.path.startswith("/") else unquote(parts.path)


def utcnow() -> datetime:
    return datetime.now(UTC)


# SQLite admits one writer at a time. The threads of one process wait for it here, each woken
# the moment the lock is free, rather than in SQLite's busy handler, which polls with sleeps
# of up to 100 ms and under load leaves the database idle between writers.
_SQLITE_WRITER = threading.RLock()


@contextlib.contextmanager
def write_transaction():
    """A transaction that serializes writers from its first statement.

    On SQLite it takes the write lock at BEGIN (two deferred transactions that both read
    and then write fail with "database is locked") and gives it back as soon as the
    outermost one commits, before its after-commit callbacks run; PostgreSQL locks rows as
    it goes.
    """
    if not isinstance(db.obj, SqliteDatabase):
        with db.atomic():
            yield
        return
    if db.in_transaction():
        with _SQLITE_WRITER, db.atomic("IMMEDIATE"):
            yield
        return
    _SQLITE_WRITER.acquire()
    held = True

    def release():
        nonlocal held
        held = False
        _SQLITE_WRITER.release()

    try:
        with db.atomic("IMMEDIATE"):
            # The first thing done after the commit: the work the transaction handed to
            # the queue (services.work) is enqueued with the lock free for the next writer.
            db.after_commit(release)
            yield
    finally:
        if held:
            release()
