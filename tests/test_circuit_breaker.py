"""Does the dispatcher's circuit breaker stop asking a failing Redis, let exactly one probe through after
the cool-down, and log once per outage rather than once per voice?"""
from __future__ import annotations

import logging
import threading

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from routing.breaker import CircuitBreaker, CircuitOpen


def _fail(breaker: CircuitBreaker, **attempt) -> None:
    with pytest.raises(RedisTimeoutError), breaker.attempt(**attempt):
        raise RedisTimeoutError("Timeout reading from socket")


@pytest.fixture
def breaker_log(caplog, monkeypatch):
    """The breaker's log records. Alembic's logging set-up (any migration run earlier in this process)
    disables the loggers that existed before it, so this one is switched back on for the test."""
    monkeypatch.setattr(logging.getLogger("routing.breaker"), "disabled", False)
    return caplog


def _warnings(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records
            if record.name == "routing.breaker" and record.levelno >= logging.WARNING]


def test_after_a_redis_error_redis_is_not_asked_until_the_cool_down_ends(breaker_log):
    breaker = CircuitBreaker(cooldown=3600)
    assert breaker.state() == "closed"
    _fail(breaker)
    for _voice in range(3):
        with pytest.raises(CircuitOpen), breaker.attempt():
            pytest.fail("Redis was asked while the breaker is open")
    assert breaker.state() == "open" and breaker.retry_in() > 0
    assert len(_warnings(breaker_log)) == 1 and "Timeout reading from socket" in _warnings(breaker_log)[0]

    with breaker.attempt(force=True):  # the outbox sweep asks anyway; Redis answers, so it closes
        pass
    assert breaker.state() == "closed" and breaker.retry_in() == 0
    assert _warnings(breaker_log)[-1].startswith("Redis answers again")


def test_after_the_cool_down_one_thread_probes_while_the_others_still_skip_redis():
    breaker = CircuitBreaker(cooldown=0)
    _fail(breaker)
    assert breaker.state() == "half-open"
    inside, answer = threading.Event(), threading.Event()

    def probe():
        with breaker.attempt():
            inside.set()
            answer.wait(30)  # Redis is slow to answer this one

    prober = threading.Thread(target=probe)
    prober.start()
    try:
        assert inside.wait(30)
        with pytest.raises(CircuitOpen), breaker.attempt():
            pytest.fail("a second thread asked Redis while the probe was out")
        assert breaker.state() == "open"
    finally:
        answer.set()
        prober.join(30)
    assert breaker.state() == "closed"


def test_a_failed_probe_opens_it_again_without_a_second_warning(breaker_log):
    breaker = CircuitBreaker(cooldown=0)
    _fail(breaker)
    with pytest.raises(ValueError), breaker.attempt():  # not Redis's doing: the next call may probe
        raise ValueError("a job that cannot be pickled")
    assert breaker.state() == "half-open"
    with pytest.raises(RedisConnectionError), breaker.attempt():
        raise RedisConnectionError("Error 111 connecting to redis:6379. Connection refused.")
    assert breaker.state() == "half-open"  # cool-down 0: open again, and due for the next probe
    assert len(_warnings(breaker_log)) == 1
