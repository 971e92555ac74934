"""A scratch PostgreSQL database with the app migrated and seeded on it, for the benchmark scripts."""
from __future__ import annotations

import argparse
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text

PG_ADMIN_URL = os.environ.get("MIRAI_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def bench_arguments(doc: str, *, voices: int) -> argparse.Namespace:
    """--voices N (default `voices`) and --keep (leave the scratch database), described by the script's doc."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--voices", type=int, default=voices)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database afterwards")
    return parser.parse_args()


@contextmanager
def scratch_app(name: str, *, keep: bool = False) -> Iterator[tuple[object, str]]:
    """(app, database URL) inside an app context on a new database ``name``, migrated to head and seeded
    with the default organization; the database is dropped afterwards unless ``keep``."""
    from flask_migrate import upgrade

    from web import create_app
    from web.seeding import seed_reference

    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "REDIS_URL": None,
                          "MODEL_DIR": os.environ.get("MIRAI_MODEL_DIR", tempfile.mkdtemp())})
        with app.app_context():
            upgrade()
            seed_reference()
            yield app, url
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
