"""Primary keys for many new rows at once, so bulk inserts need no RETURNING round (PostgreSQL).

The ORM inserts rows whose primary key is already known with one ``executemany``; rows without one
must come back through ``INSERT … RETURNING``, which for thousands of rows is several times slower.
On PostgreSQL the keys are drawn from each table's own sequence (``<table>_id_seq``), so they never
collide with rows inserted the ordinary way. Elsewhere (SQLite) this does nothing.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import inspect, text

from models.base import db


def assign_ids(objects: Iterable[object]) -> None:
    """Give each new object with an empty integer ``id`` primary key the next value of its sequence."""
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
