"""API views."""
from __future__ import annotations

from flask import current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from models import db
from routing.dispatch import pending_count
from web.api import bp


def _workers(dispatcher) -> dict[str, int] | None:
    """How many RQ workers listen on each queue the app uses (None for in-process jobs or without Redis).

    A queue nobody listens on takes voices that are never routed, while Redis itself answers pings."""
    if dispatcher.backend != "rq":
        return None
    from redis.exceptions import RedisError
    from rq import Worker

    from routing.worker import queue_names

    try:
        listening = [set(worker.queue_names()) for worker in Worker.all(connection=dispatcher.connection)]
    except RedisError:
        return None
    return {name: sum(name in names for names in listening) for name in queue_names()}


def _model() -> dict:
    """The active classifier version and whether this process can load it."""
    import classifier
    from classifier import artifacts

    try:
        version = classifier.active_version()
    except (OSError, ValueError) as error:  # an unreadable registry is a broken model folder, not a crash
        return {"ok": False, "version": None, "error": type(error).__name__}
    return {"ok": version is not None and artifacts.is_loadable(version), "version": version}


@bp.get("/health")
def health():
    """Database, queue, workers and model; 503 when the database is unreachable. ``degraded`` (200)
    when voices are still stored but would not be routed: Redis down (or failed within the breaker's
    cool-down), a queue without a worker, or no usable model."""
    database = {"ok": True, "dialect": db.engine.dialect.name}
    try:
        db.session.execute(text("SELECT 1"))
        pending = pending_count()
    except SQLAlchemyError as error:
        db.session.rollback()
        database = {"ok": False, "dialect": db.engine.dialect.name, "error": type(error).__name__}
        pending = None
    dispatcher = current_app.extensions["mirai_dispatcher"]
    queue = {"backend": dispatcher.backend, "ok": dispatcher.healthy(), "outbox_pending": pending}
    if breaker := getattr(dispatcher, "breaker", None):
        # "open": Redis failed within the cool-down, and this process leaves new jobs in the outbox
        # without asking it until the next probe, in retry_in seconds.
        queue["circuit"] = {"state": breaker.state(), "retry_in": round(breaker.retry_in(), 1)}
    workers = _workers(dispatcher) if queue["ok"] else None
    if workers is not None:
        queue["workers"] = workers
        queue["queues_without_worker"] = [name for name, count in workers.items() if count == 0]
        queue["ok"] = not queue["queues_without_worker"]
    model = _model()
    status = "ok" if database["ok"] and queue["ok"] and model["ok"] else "degraded"
    return jsonify(status=status, database=database, queue=queue, model=model), 200 if database["ok"] else 503
