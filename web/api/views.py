"""API views."""
from __future__ import annotations

from flask import current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from models import db
from routing.dispatch import pending_count
from web.api import bp


@bp.get("/health")
def health():
    """Database and queue state; 503 when the database is unreachable."""
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
    status = "ok" if database["ok"] and queue["ok"] else "degraded"
    return jsonify(status=status, database=database, queue=queue), 200 if database["ok"] else 503
