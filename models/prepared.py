"""Queries whose SQL peewee builds once, for the statements every booking and list runs.

peewee turns a query into SQL afresh each time it runs it, walking the query's nodes and
quoting every column. For the small indexed queries of a booking or a page of a list that
costs several times what the database takes to answer them (0.4 ms to build the read of a
bookable event type and its schedule, 0.04 ms for SQLite to run it). A ``Prepared`` query is
built by peewee once for each database kind and shape, with placeholders where values go,
and then runs with the values of each call; its rows come back as the same query's would.

    EVENT_TYPE = Prepared(lambda value: EventType.select().where(EventType.id == value("id")))
    EVENT_TYPE.first(id="evt_…")

``value(name, field)`` is a placeholder, converted at each run as ``field`` converts what it
stores (timestamps to UTC, JSON to text); ``value.many(name, count, field)`` is ``count`` of
them, for an ``IN`` list, whose ``count`` is part of the shape: ``build`` then takes it as a
further argument, and each call passes the shape first.
"""

from peewee import Value

from .base import db


class _Placeholder:
    __slots__ = ("field", "index", "name")

    def __init__(self, name: str, index: int | None, field):
        self.name = name
        self.index = index
        self.field = field

    def bind(self, values: dict):
        value = values[self.name]
        if self.index is not None:
            value = value[self.index]
        return value if self.field is None else self.field.db_value(value)


class _Values:
    """What ``build`` receives: placeholders, left as they are while peewee builds the SQL."""

    def __call__(self, name: str, field=None) -> Value:
        return Value(_Placeholder(name, None, field), converter=False)

    def many(self, name: str, count: int, field=None) -> list[Value]:
        return [Value(_Placeholder(name, i, field), converter=False) for i in range(count)]


class Prepared:
    def __init__(self, build):
        self._build = build
        self._built = {}

    def _for(self, shape: tuple):
        database = db.obj
        key = (type(database), shape)
        built = self._built.get(key)
        if built is None:
            query = self._build(_Values(), *shape)
            sql, parameters = database.get_sql_context().sql(query).query()
            # Two threads may both build it the first time; either result is the same.
            built = self._built[key] = (query, sql, parameters)
        return database, built

    def _run(self, shape: tuple, values: dict):
        database, (query, sql, parameters) = self._for(shape)
        bound = [p.bind(values) if isinstance(p, _Placeholder) else p for p in parameters]
        return query, database.execute_sql(sql, bound)

    def execute(self, *shape, **values):
        """Run the query; return the database cursor."""
        return self._run(shape, values)[1]

    def rows(self, *shape, **values) -> list:
        """The rows, as the query would give them: models, tuples or dicts."""
        query, cursor = self._run(shape, values)
        # peewee's wrapper for this query's rows; it reads the query, never changes it.
        return list(query._get_cursor_wrapper(cursor))

    def first(self, *shape, **values):
        """The first row, or None; the query itself should be limited to one."""
        found = self.rows(*shape, **values)
        return found[0] if found else None

    def scalar(self, *shape, **values):
        """The first column of the first row."""
        row = self.execute(*shape, **values).fetchone()
        return None if row is None else row[0]
