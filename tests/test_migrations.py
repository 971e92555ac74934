"""Are the migrations reviewed code that reproduce the models exactly?"""
from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from models import db
from web import MIGRATIONS_DIR, create_app


def _script() -> ScriptDirectory:
    config = Config()
    config.set_main_option("script_location", MIGRATIONS_DIR)
    return ScriptDirectory.from_config(config)


def test_there_is_exactly_one_head():
    assert len(_script().get_heads()) == 1


def test_every_revision_has_a_message():
    for revision in _script().walk_revisions():
        assert revision.doc and revision.doc.strip(), revision.revision


def _schema_diff(database_url: str, tmp_path) -> list:
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "x",
                      "MODEL_DIR": str(tmp_path / "models"), "REDIS_URL": None})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        db.engine.dispose()
    return diff


@pytest.mark.postgres
def test_migrating_an_empty_postgresql_database_gives_the_models_schema(pg_database, tmp_path):
    assert _schema_diff(pg_database, tmp_path) == []


def test_migrating_an_empty_sqlite_database_gives_the_models_schema(tmp_path):
    assert _schema_diff(f"sqlite:///{tmp_path / 'm.db'}", tmp_path) == []
