"""Are the migrations reviewed code that reproduce the models exactly?"""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import select

from models import ApiToken, Reply, User, Voice, VoiceEvent, db, utcnow
from tests.section_fixtures import build_world, routed_voice
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


def test_upgrading_withdraws_unsent_replies_left_on_finished_voices(app_on_both_databases):
    """Replies left pending, approved or draft on a voice finished before 完了 and 対応なし withdrew them
    become withdrawn, each with its timeline event; a sent reply and an open voice's reply are untouched."""
    app = app_on_both_databases
    with app.app_context():
        world = build_world()
        staff = db.session.scalar(select(User).where(User.login_id == "kankyo"))
        finished = db.session.get(Voice, world.voice_id)
        finished.status, finished.no_action_reason = "no_action", "duplicate"
        open_id, *_ = routed_voice("公園の街灯が夜になっても点かず、子どもの帰り道が暗くて心配です。")
        rows = {state: Reply(voice_id=world.voice_id, body=state, author_id=staff.id, state=state)
                for state in ("draft", "pending", "approved", "sent")}
        open_reply = Reply(voice_id=open_id, body="open", author_id=staff.id, state="pending")
        db.session.add_all([*rows.values(), open_reply])
        db.session.commit()
        ids = {state: reply.id for state, reply in rows.items()}
        open_reply_id = open_reply.id

        downgrade(revision="0007_reorganization")
        upgrade()
        db.session.expire_all()

        states = {state: db.session.get(Reply, reply_id).state for state, reply_id in ids.items()}
        assert states == {"draft": "withdrawn", "pending": "withdrawn", "approved": "withdrawn", "sent": "sent"}
        assert db.session.get(Reply, open_reply_id).state == "pending"
        events = db.session.scalars(select(VoiceEvent).where(VoiceEvent.kind == "reply_withdrawn")
                                    .order_by(VoiceEvent.id)).all()
        assert [(e.voice_id, e.data) for e in events] == [
            (world.voice_id, {"reply_id": ids[state], "reason": "対応なしにしたため"})
            for state in ("draft", "pending", "approved")
        ]
        assert all(e.actor_id is None and e.created_at.tzinfo is not None for e in events)
        db.session.remove()
        db.engine.dispose()



def test_upgrading_gives_existing_tokens_90_days_and_keeps_read_tokens_reading_every_section(app_on_both_databases):
    """Tokens issued before tokens expired get 90 days from the migration (not unlimited); one that could read
    every 課 keeps that until it is replaced, and one that reads nothing is restricted to nothing."""
    app = app_on_both_databases
    old_tokens = sa.table("api_tokens", sa.column("name", sa.String), sa.column("token_hash", sa.String),
                          sa.column("prefix", sa.String), sa.column("scopes", sa.JSON),
                          sa.column("created_at", sa.DateTime(timezone=True)))
    with app.app_context():
        downgrade(revision="0010_login_failures")
        with db.engine.begin() as connection:
            connection.execute(old_tokens.insert(), [
                {"name": name, "token_hash": name * 64, "prefix": "mv_" + name, "scopes": scopes,
                 "created_at": utcnow()}
                for name, scopes in (("a", ["voices:create", "voices:read"]), ("b", ["voices:create"]))])
        before = utcnow()
        upgrade()
        after = utcnow()
        db.session.expire_all()

        tokens = {row.name: row for row in db.session.scalars(select(ApiToken))}
        assert {name: (row.all_sections, row.sections) for name, row in tokens.items()} == {
            "a": (True, []), "b": (False, [])}
        for row in tokens.values():
            assert before + timedelta(days=90) <= row.expires_at <= after + timedelta(days=90)
            assert row.active
        db.session.remove()
        db.engine.dispose()
