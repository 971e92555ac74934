"""The みらいボイス web application (app factory)."""
from __future__ import annotations

from pathlib import Path

from flask import Flask, Request
from sqlalchemy import event
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

import routing.queue
from classifier.config import configure as configure_classifier
from models import User, db
from web.config import Config, instance_dir
from web.extensions import csrf, limiter, login_manager, migrate

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "models" / "migrations")
BIGINT_MAX = 2**63 - 1


class BoundedIntegerConverter(IntegerConverter):
    """``<int:…>`` up to the largest 64-bit id: /staff/voices/99999999999999999999 is a 404, not an overflow."""

    def __init__(self, map, fixed_digits=0, min=None, max=BIGINT_MAX, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class _ParametersWithoutNul(ImmutableMultiDict):
    """Query and form parameters with NUL removed from names and texts (uploaded files are left alone).

    No one types a NUL, and PostgreSQL refuses one in any text it compares or stores, so a tampered
    ``?actor=%00`` or login id would otherwise be a server error wherever a parameter reaches a query."""

    def __init__(self, mapping=None):
        if isinstance(mapping, list):
            mapping = [(key.replace("\0", ""), value.replace("\0", "") if isinstance(value, str) else value)
                       for key, value in mapping]
        super().__init__(mapping)


class MiraiRequest(Request):
    parameter_storage_class = _ParametersWithoutNul


def create_app(test_config: dict | None = None) -> Flask:
    """Build the app; nothing connects to a database or Redis until it is used."""
    app = Flask(__name__, instance_path=instance_dir(), instance_relative_config=True)
    app.request_class = MiraiRequest
    app.url_map.converters["int"] = BoundedIntegerConverter  # before any route is added
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(Config(app.instance_path).as_dict())
    if test_config:
        app.config.update(test_config)

    if proxies := app.config.get("TRUSTED_PROXIES"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS_DIR)
    csrf.init_app(app)
    login_manager.init_app(app)
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    if app.config["RATELIMIT_STORAGE_URI"].startswith("redis"):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_connect_timeout": 1, "socket_timeout": 1})
    limiter.init_app(app)
    configure_classifier(model_dir=app.config["MODEL_DIR"])
    routing.queue.init_app(app)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)

    from web import api, auth, cli, errors, filters, public, security, staff

    app.register_blueprint(public.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(api.bp)
    from web import admin

    app.register_blueprint(admin.bp)
    csrf.exempt(api.bp)
    from web import abuse, counter, imports

    app.register_blueprint(counter.bp)  # issue 4: counter/phone, meetings, imports, abuse protection
    app.register_blueprint(imports.bp)
    from web import planner, transparency

    app.register_blueprint(planner.bp)  # issue 6: planner dashboards, voice ↔ measure links, みえる化
    app.register_blueprint(planner.links_bp)
    app.register_blueprint(transparency.bp)
    abuse.register(app)
    errors.register(app)
    filters.register(app)
    security.register(app)
    auth.register(app)
    cli.register(app)
    return app


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The signed-in user, unless deactivated, their password was changed since they signed in, or the
    session's server-side record is ended or out of time (signed out, ended by an administrator)."""
    from web.auth import session_record_allows

    user_id, _, stamp = session_id.partition(":")
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    if user is None or not user.active or stamp != user.password_stamp or not session_record_allows(user):
        return None
    return user


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()
