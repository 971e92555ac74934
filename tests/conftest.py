"""Shared fixtures: a trained model per session, apps on SQLite and on PostgreSQL + Redis, users."""
from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from models import db
from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, japanese_font_families, serve
from tests.redis_server import RedisServer
from web import create_app
from web.seeding import seed_reference

PG_ADMIN_URL = os.environ.get("MIRAI_TEST_PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_TEST_URL = os.environ.get("MIRAI_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A browser test fails at once, before its fixtures, on a machine without a Japanese font: Chromium
    would draw each character as a box of another width, and the reflow checks would pass on pages that
    overflow on a phone."""
    if item.get_closest_marker("browser") and not japanese_font_families():
        pytest.fail("No Japanese font for Chromium (`fc-list :lang=ja` lists none): the browser tests would "
                    "measure fallback boxes instead of Japanese text. Run `make browser-deps`, which installs "
                    "Debian's fonts-noto-cjk (Noto Sans CJK JP) and fontconfig.", pytrace=False)


@pytest.fixture(autouse=True)
def _rate_limits_start_on_their_storage() -> None:
    """Flask-Limiter's one ``Limiter`` outlives each test's app, and with it its note that the storage
    was unreachable (a test that stopped Redis): it would count the next test's limits in memory until its
    back-off lets it ping the new storage. Each test starts on the storage its own app configures."""
    from web.extensions import limiter

    limiter._storage_dead = False


@pytest.fixture(scope="session")
def small_corpus(tmp_path_factory) -> Path:
    """14 voices per 課 from the shipped corpus: enough to train in a few seconds."""
    from classifier import corpus

    per_section = defaultdict(list)
    for example in corpus.load_corpus(corpus.CORPUS_DIR):
        if len(per_section[example.section]) < 14:
            per_section[example.section].append(example)
    directory = tmp_path_factory.mktemp("small_corpus")
    with open(directory / "small.jsonl", "w", encoding="utf-8") as out:
        out.write("# SYNTHETIC: a slice of the shipped corpus for tests\n")
        for examples in per_section.values():
            for e in examples:
                record = {"text": e.text, "section": e.section, "voice_type": e.voice_type,
                          "measures": list(e.measures)}
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return directory


@pytest.fixture
def small_training_corpus(small_corpus, monkeypatch) -> Path:
    """Training in this test (a retraining, ensure_model) starts from the small corpus, not the shipped one."""
    from classifier.config import CORPUS_DIR_ENV

    monkeypatch.setenv(CORPUS_DIR_ENV, str(small_corpus))
    return small_corpus


@pytest.fixture
def own_model_dir(app, tmp_path, model_dir, small_training_corpus):
    """A model directory of this test's own (the retrain adds versions), starting from the session model;
    retraining starts from the small corpus, to keep the test short."""
    import classifier

    directory = tmp_path / "models"
    shutil.copytree(model_dir, directory)
    app.config["MODEL_DIR"] = str(directory)
    classifier.configure(directory)
    yield directory
    classifier.configure(model_dir)


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory) -> Path:
    """One classifier trained from the shipped corpus, shared by every test of the session."""
    import classifier

    path = tmp_path_factory.mktemp("models")
    previous = os.environ.get("MIRAI_MODEL_DIR")
    os.environ["MIRAI_MODEL_DIR"] = str(path)
    classifier.configure(model_dir=path)
    classifier.ensure_model()
    yield path
    if previous is None:
        os.environ.pop("MIRAI_MODEL_DIR", None)
    else:
        os.environ["MIRAI_MODEL_DIR"] = previous


def _test_app(database_url: str, model_dir: Path, **extra) -> Flask:
    """An app configured for tests, without touching its database."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "MODEL_DIR": str(model_dir),
        "REDIS_URL": None,
        "SERVER_NAME": None,
    }
    config.update(extra)
    os.environ.setdefault("MIRAI_SECRET_KEY", "test-secret")
    return create_app(config)


def _make_app(database_url: str, model_dir: Path, tmp_path: Path, **extra) -> Flask:
    """A test app on a database migrated to head and seeded with the default organization."""
    app = _test_app(database_url, model_dir, **extra)
    with app.app_context():
        upgrade()
        seed_reference()
    return app


@pytest.fixture(scope="session")
def sqlite_template(model_dir, tmp_path_factory) -> Path:
    """An SQLite file migrated and seeded once; each test gets a copy (the migrations stay exercised)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    app = _make_app(f"sqlite:///{path}", model_dir, path.parent)
    with app.app_context():
        db.engine.dispose()  # closes the last connection, which checkpoints the WAL into the file
    return path


@pytest.fixture
def sqlite_app(model_dir, sqlite_template, tmp_path) -> Iterator[Flask]:
    """The embedded default: a fresh SQLite file and in-process jobs."""
    database = tmp_path / "test.db"
    shutil.copyfile(sqlite_template, database)
    app = _test_app(f"sqlite:///{database}", model_dir)
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def app(sqlite_app) -> Flask:
    """The app most tests use: the embedded default (a module may override it to run on PostgreSQL too)."""
    return sqlite_app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database, dropped afterwards."""
    name = f"mirai_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = re.sub(r"/[^/]+$", f"/{name}", PG_ADMIN_URL)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A Redis database reserved for tests, emptied before and after."""
    from redis import Redis

    connection = Redis.from_url(REDIS_TEST_URL)
    connection.flushdb()
    yield REDIS_TEST_URL
    connection.flushdb()
    connection.close()


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A redis-server of this test's own on a free port, which the test may stop, hang and start again."""
    server = RedisServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app_on_both_databases(request) -> Flask:
    """The embedded default, then PostgreSQL with in-process jobs. A module whose SQL differs by dialect
    (dates in JST, rollups, searches) overrides ``app`` with this, so every test runs on both."""
    return request.getfixturevalue("sqlite_app" if request.param == "sqlite" else "pg_inprocess_app")


@pytest.fixture
def pg_inprocess_app(model_dir, tmp_path, pg_database) -> Iterator[Flask]:
    """PostgreSQL with in-process jobs: the production database under workflows that need no worker."""
    app = _make_app(pg_database, model_dir, tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def pg_app(model_dir, tmp_path, pg_database, redis_url) -> Iterator[Flask]:
    """The production path: PostgreSQL and RQ on Redis."""
    app = _make_app(pg_database, model_dir, tmp_path, REDIS_URL=redis_url)
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The ``app`` fixture served on a free local port."""
    with serve(app) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (its own browser download does not work here)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
