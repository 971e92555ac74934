"""Choose the job back-end for an app: RQ when ``REDIS_URL`` is set, otherwise in-process."""
from __future__ import annotations

from flask import Flask
from redis import Redis

from routing.breaker import DEFAULT_COOLDOWN, CircuitBreaker
from routing.dispatch import InlineDispatcher, RQDispatcher


def init_app(app: Flask) -> None:
    """Bind a dispatcher (and the Redis client, if any) to ``app.extensions``; connects lazily."""
    url = app.config.get("REDIS_URL")
    if url:
        connection = Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        app.extensions["mirai_redis"] = connection
        breaker = CircuitBreaker(app.config.get("REDIS_COOLDOWN", DEFAULT_COOLDOWN))
        app.extensions["mirai_dispatcher"] = RQDispatcher(connection, breaker)
    else:
        app.extensions["mirai_dispatcher"] = InlineDispatcher()
