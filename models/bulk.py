"""Bulk writing for imports: rows collected as plain dicts and inserted with one executemany per
table, and primary keys drawn up front so new ORM objects need no RETURNING round.

The ORM's unit of work costs far more per row than the database does; for the 100,000-row import the
high-volume rows (events, classifications, assignments, links, jobs) skip it. Rows are inserted in
the order they were added, so per-voice event order (and so ``VoiceEvent.id`` order) is kept.
"""
from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import JSON, inspect, text

from models.base import db


def assign_ids(objects: Iterable[object]) -> None:
    """Give each new object with an empty integer ``id`` primary key the next value of its table's
    sequence (``<table>_id_seq``) on PostgreSQL, so it can be inserted without RETURNING; elsewhere
    (SQLite) do nothing and let the insert number it."""
    if db.session.get_bind().dialect.name != "postgresql":
        return
    waiting: dict[str, list[object]] = defaultdict(list)
    for obj in objects:
        mapper = inspect(obj).mapper
        keys = mapper.primary_key
        if len(keys) == 1 and keys[0].name == "id" and getattr(obj, "id", None) is None:
            waiting[mapper.local_table.name].append(obj)
    with db.session.no_autoflush:  # a flush here would insert the rows being numbered
        for table, rows in waiting.items():
            ids = db.session.execute(
                text(f"SELECT nextval('{table}_id_seq') FROM generate_series(1, :n)"), {"n": len(rows)}
            ).scalars().all()
            for obj, new_id in zip(rows, ids):
                obj.id = new_id


def column_values(obj: object) -> dict[str, Any]:
    """A new (transient) ORM object as a row for ``BulkRows``/COPY, with the columns' Python defaults
    filled in as a flush would."""
    table = inspect(obj).mapper.local_table
    values: dict[str, Any] = {}
    for column in table.columns:
        value = obj.__dict__.get(column.key)
        if value is None and column.default is not None:
            value = column.default.arg(None) if column.default.is_callable else column.default.arg
        values[column.name] = value
    return values


class BulkRows:
    """Rows waiting to be inserted, per model, in the order the models were first given."""

    def __init__(self) -> None:
        self.rows: dict[type, list[dict[str, Any]]] = {}

    def add(self, model: type, **values: Any) -> None:
        self.rows.setdefault(model, []).append(values)

    def add_objects(self, objects: list[object]) -> None:
        """New ORM objects (never added to the session) as rows of their table."""
        for obj in objects:
            self.rows.setdefault(type(obj), []).append(column_values(obj))

    def insert_all(self) -> None:
        """Insert everything (the caller flushes the rows these refer to first, and commits).

        PostgreSQL gets ``COPY … FROM STDIN`` in the session's transaction (several times faster than
        INSERTs for thousands of rows); other databases an executemany INSERT.
        """
        connection = db.session.connection()
        for model, rows in self.rows.items():
            if not rows:
                continue
            if connection.dialect.name == "postgresql":
                _copy(connection.connection.driver_connection, model.__table__, rows)
            else:
                db.session.execute(model.__table__.insert(), rows)
        self.rows.clear()


def _copy(psycopg_connection, table, rows: list[dict[str, Any]]) -> None:
    columns = list(rows[0])
    as_json = [isinstance(table.columns[name].type, JSON) for name in columns]
    names = ", ".join(f'"{name}"' for name in columns)
    with psycopg_connection.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
        for row in rows:
            copy.write_row([
                json.dumps(row[name], ensure_ascii=False) if is_json and row[name] is not None else row[name]
                for name, is_json in zip(columns, as_json)
            ])
