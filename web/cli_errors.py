"""One line instead of a traceback when a ``flask --app web …`` command cannot reach PostgreSQL or Redis.

Every command, ours and Flask-Migrate's ``db …`` alike, runs inside the click context that loaded the
app, so the translation hangs off that context once (``attach``) rather than off each command.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import click
from flask import Flask
from flask.cli import ScriptInfo
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError


def masked_database_url(url: str) -> str:
    """``postgresql+psycopg://mirai:secret@db:5432/mirai`` → ``postgresql://mirai:***@db:5432/mirai``."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return _mask_password(url)
    return parsed.set(drivername=parsed.get_backend_name()).render_as_string(hide_password=True)


def masked_redis_url(url: str) -> str:
    """``redis://:secret@redis:6379/0`` → ``redis://:***@redis:6379/0``."""
    return _mask_password(url)


def _mask_password(url: str) -> str:
    return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)


def _first_line(problem: BaseException) -> str:
    return next((line.strip() for line in str(problem).splitlines() if line.strip()), type(problem).__name__)


def explain(problem: BaseException, *, database_url: str, redis_url: str | None) -> str | None:
    """The operator's one-line message for ``problem``, or None when it is not a connection problem
    (a bug keeps its traceback)."""
    if isinstance(problem, DBAPIError) and (problem.statement is None or problem.connection_invalidated):
        # No statement: the connection (or pool_pre_ping's reconnection) failed; invalidated: it broke mid-way.
        verb = "に接続できません" if problem.statement is None else "との接続が切れました"
        reason = _first_line(problem.orig if problem.orig is not None else problem)
        return f"データベース{verb}（{masked_database_url(database_url)}）：{reason}"
    if isinstance(problem, (RedisConnectionError, RedisTimeoutError)):
        where = masked_redis_url(redis_url) if redis_url else "REDIS_URL"
        # A Redis that hangs (process stopped, packets dropped) accepts the connection and never answers.
        verb = "が応答しません" if isinstance(problem, RedisTimeoutError) else "に接続できません"
        return f"Redis {verb}（{where}）：{_first_line(problem)}"
    return None


@contextmanager
def connection_errors_as_messages(app: Flask) -> Iterator[None]:
    """Turn a connection failure escaping a command into a ``ClickException`` (one line, exit code 1)."""
    # Read now: the app context is gone by the time this context manager unwinds.
    database_url = app.config.get("SQLALCHEMY_DATABASE_URI") or ""
    redis_url = app.config.get("REDIS_URL")
    try:
        yield
    except Exception as problem:
        message = explain(problem, database_url=database_url, redis_url=redis_url)
        if message is None:
            raise
        raise click.ClickException(message) from None


def attach(app: Flask) -> None:
    """When ``app`` is being loaded by the ``flask`` command, wrap the whole command invocation."""
    ctx = click.get_current_context(silent=True)
    if ctx is None or not isinstance(ctx.find_object(ScriptInfo), ScriptInfo):
        return  # gunicorn, tests, a Python shell: no command line to speak to
    # Click ≥ 8.2 hands a resource the exception that unwinds the context, so the root context sees
    # every command's failure, including those of plugin groups such as ``db``.
    ctx.find_root().with_resource(connection_errors_as_messages(app))
