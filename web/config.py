"""Configuration from environment variables, in one class."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from routing.breaker import DEFAULT_COOLDOWN


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{Path(instance_path) / 'mirai.db'}"
    # Accept the common short forms and use the psycopg 3 driver for PostgreSQL.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if not url.startswith(("postgresql+psycopg://", "sqlite://")):
        raise RuntimeError(
            f"DATABASE_URL must start with postgresql:// (or sqlite:// for a trial), got {_scheme(url)!r}")
    return url


def _scheme(url: str) -> str:
    """The part of a URL before ``://`` (never the password after it), for an error message."""
    return url.split("://", 1)[0] + "://" if "://" in url else "(no scheme)"


def _redis_url() -> str | None:
    url = os.environ.get("REDIS_URL", "").strip() or None
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise RuntimeError(
            f"REDIS_URL must look like redis://host:6379/0 (or rediss://, unix://), got {_scheme(url)!r}")
    return url


def _secret_key(instance_path: str) -> str:
    """MIRAI_SECRET_KEY, or a key generated once and kept in the instance folder."""
    key = os.environ.get("MIRAI_SECRET_KEY", "").strip()
    if key:
        return key
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def instance_dir() -> str | None:
    """MIRAI_INSTANCE_DIR as an absolute path, or None for Flask's default (``instance/`` in a checkout).

    An installed package's default lies under the Python prefix (``/usr/local/var/web-instance``), which
    a service account cannot create and which containers do not share; the image sets this variable.
    """
    value = os.environ.get("MIRAI_INSTANCE_DIR", "").strip()
    return str(Path(value).expanduser().resolve()) if value else None


def _env(name: str, default: str = "") -> str:
    """A variable's value, with an empty one read as unset (compose passes ``${VAR:-}`` as "")."""
    return os.environ.get(name, "").strip() or default


def _count_env(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit():
        raise RuntimeError(f"{name} must be a whole number of 0 or more, got {value!r}")
    return int(value)


class Config:
    """Settings read when the app is created. Admin-editable settings live in the ``settings`` table."""

    def __init__(self, instance_path: str):
        self.SECRET_KEY = _secret_key(instance_path)
        self.SQLALCHEMY_DATABASE_URI = _database_url(instance_path)
        self.SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
        if self.SQLALCHEMY_DATABASE_URI.startswith("postgresql"):
            # A powered-off host answers nothing: give up after 10 s instead of the system's two minutes.
            self.SQLALCHEMY_ENGINE_OPTIONS["connect_args"] = {"connect_timeout": 10}
        self.REDIS_URL = _redis_url()
        # After a Redis error, submissions leave their jobs in the outbox without asking Redis for this
        # many seconds (routing/breaker.py), so a hung Redis costs one socket timeout per cool-down.
        self.REDIS_COOLDOWN = _count_env("MIRAI_REDIS_COOLDOWN", DEFAULT_COOLDOWN)
        self.MODEL_DIR = os.environ.get("MIRAI_MODEL_DIR") or str(Path(instance_path) / "models")
        self.CITY_NAME = _env("MIRAI_CITY_NAME", "つくばみらい市")
        # Planner, report and public breakdowns by 地区 or 年代 show a non-zero count below this as 「3未満」
        # (voices.disclosure); 0 or 1 shows every count. A deployment setting, not an admin one, so the
        # protection cannot be switched off from the browser.
        self.MIN_CELL = _count_env("MIRAI_MIN_CELL", 3)
        # Reverse proxies in front of the app (TLS termination): with N > 0 the client address, scheme
        # and host come from the last N X-Forwarded-* entries. Keep 0 when clients reach the app directly,
        # or anyone could choose their own address and escape the per-IP rate limits.
        self.TRUSTED_PROXIES = _count_env("MIRAI_TRUSTED_PROXIES", 0)
        self.MAX_CONTENT_LENGTH = _count_env("MIRAI_MAX_REQUEST_BYTES", 1024 * 1024)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = os.environ.get("MIRAI_SECURE_COOKIES", "0") == "1"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        # A signed-in session ends after this many hours, or after this many minutes unused (web/auth.py).
        self.SESSION_MAX_HOURS = _count_env("MIRAI_SESSION_MAX_HOURS", 12)
        self.SESSION_IDLE_MINUTES = _count_env("MIRAI_SESSION_IDLE_MINUTES", 240)
        self.WTF_CSRF_TIME_LIMIT = 6 * 3600  # a citizen may take a long while to write
        # Abuse protection of the public endpoints (issue 4): limits per client IP, in Flask-Limiter's
        # notation ("10 per minute;200 per day"); the form and POST /api/v1/voices share one budget.
        self.RATE_LIMIT_SUBMIT = os.environ.get("MIRAI_RATE_LIMIT_SUBMIT", "10 per minute;200 per day")
        self.RATE_LIMIT_STATUS = os.environ.get("MIRAI_RATE_LIMIT_STATUS", "30 per minute;300 per day")
        self.RATE_LIMIT_LOGIN = os.environ.get("MIRAI_RATE_LIMIT_LOGIN", "20 per minute")
        self.RATE_LIMIT_API_TOKEN = os.environ.get("MIRAI_RATE_LIMIT_API_TOKEN", "600 per minute")
        self.RATELIMIT_ENABLED = os.environ.get("MIRAI_RATE_LIMITS", "1") != "0"
        # Uploads on the import page may be larger than MAX_CONTENT_LENGTH (which caps everything else).
        self.IMPORT_MAX_BYTES = _count_env("MIRAI_IMPORT_MAX_BYTES", 200 * 1024 * 1024)
        self.MAIL_SERVER = _env("MAIL_SERVER") or None
        self.MAIL_PORT = _count_env("MAIL_PORT", 25)
        self.MAIL_USE_TLS = _env("MAIL_USE_TLS", "0") == "1"
        self.MAIL_USERNAME = _env("MAIL_USERNAME")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")  # not stripped: spaces may belong to it
        self.MAIL_SENDER = _env("MAIL_SENDER", "koucho@city.example.lg.jp")
        self.DEMO_PASSWORD = os.environ.get("MIRAI_DEMO_PASSWORD", "mirai-demo")

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}
