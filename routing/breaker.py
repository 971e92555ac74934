"""A per-process circuit breaker for handing jobs to Redis.

A Redis that hangs (its process stopped, packets dropped) accepts connections and then answers nothing,
so every call waits for the socket timeout. The voice is stored either way (its job waits in the
outbox), so after one Redis error the dispatcher stops asking Redis for ``cooldown`` seconds; then one
call goes through as a probe (half-open) while the others still skip Redis, and its success closes the
breaker. Each process (gunicorn worker, RQ worker, command) keeps its own breaker.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from redis.exceptions import RedisError

log = logging.getLogger(__name__)

DEFAULT_COOLDOWN = 30  # seconds; REDIS_COOLDOWN in the app config (MIRAI_REDIS_COOLDOWN)


class CircuitOpen(Exception):
    """Redis failed within the cool-down (or another thread is probing it): the call was not made."""


class CircuitBreaker:
    """Closed → open after a ``RedisError`` → half-open after ``cooldown`` seconds (one probe) → closed."""

    def __init__(self, cooldown: float = DEFAULT_COOLDOWN):
        self.cooldown = cooldown
        self._lock = threading.Lock()
        self._opened_at: float | None = None
        self._probing = False

    @contextmanager
    def attempt(self, *, force: bool = False) -> Iterator[None]:
        """Run the block against Redis, or raise ``CircuitOpen`` at once while the breaker is open.

        A ``RedisError`` from the block opens the breaker (and propagates); finishing the block closes
        it. ``force`` makes the call whatever the state (the outbox sweep); its outcome counts the same."""
        probe = self._admit(force)
        try:
            yield
        except RedisError as error:
            self._failed(error)
            raise
        except BaseException:  # not Redis's doing: this call proves nothing either way
            if probe:
                with self._lock:
                    self._probing = False
            raise
        self._succeeded()

    def state(self) -> str:
        """``closed``; ``open`` while the cool-down runs; ``half-open`` once the next call will probe."""
        with self._lock:
            if self._opened_at is None:
                return "closed"
            return "open" if self._remaining() > 0 or self._probing else "half-open"

    def retry_in(self) -> float:
        """Seconds until the next call may probe Redis (0 when closed or half-open)."""
        with self._lock:
            return 0.0 if self._opened_at is None else max(self._remaining(), 0.0)

    def _remaining(self) -> float:
        return self._opened_at + self.cooldown - time.monotonic()

    def _admit(self, force: bool) -> bool:
        """Whether the call may go ahead, as the half-open probe (True) or not (False); else raise."""
        with self._lock:
            if self._opened_at is None or force:
                return False
            if self._probing or self._remaining() > 0:
                raise CircuitOpen
            self._probing = True
            return True

    def _failed(self, error: RedisError) -> None:
        with self._lock:
            opening = self._opened_at is None
            self._opened_at = time.monotonic()
            self._probing = False
        if opening:  # once per opening, not once per voice
            log.warning("Redis failed (%s); jobs stay in the outbox and Redis is not asked again for %.0f s",
                        error, self.cooldown)
        else:
            log.info("Redis failed again (%s); next try in %.0f s", error, self.cooldown)

    def _succeeded(self) -> None:
        with self._lock:
            was_open = self._opened_at is not None
            self._opened_at = None
            self._probing = False
        if was_open:  # at the opening's level, so that both ends of an outage show in the log
            log.warning("Redis answers again; jobs are handed to it as they come")
