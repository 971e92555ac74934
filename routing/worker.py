"""The RQ worker process: runs jobs inside the app and keeps flushing the outbox."""
from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from contextlib import suppress

from flask import Flask
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import SimpleWorker

from models import utcnow
from routing.dispatch import RQDispatcher, flush_outbox
from routing.jobs import JOBS
from routing.schedule import due_daily_jobs

log = logging.getLogger(__name__)


# A worker takes jobs from its queues in this order: a citizen's voice is routed before an e-mail goes
# out, and both before the nightly jobs, a retraining or a long import.
QUEUE_PRIORITY = ("routing", "mail", "periodic", "training", "slow")


def queue_names() -> list[str]:
    """Every queue a registered job uses, most urgent first."""
    used = {spec.queue for spec in JOBS.values()}
    return [name for name in QUEUE_PRIORITY if name in used] + sorted(used - set(QUEUE_PRIORITY))


REDIS_WAIT = 300.0  # how long a worker keeps trying to reach Redis before it gives up (exit code 1)
_REDIS_ERRORS = (RedisConnectionError, RedisTimeoutError)


def wait_for_redis(connection: Redis, patience: float, *, sleep: Callable[[float], None] = time.sleep,
                   clock: Callable[[], float] = time.monotonic) -> None:
    """Return once Redis answers a PING, trying again after 1, 2, 4 … (at most 30) seconds; after
    ``patience`` seconds re-raise the last connection error."""
    deadline = clock() + patience
    pause = 1.0
    while True:
        try:
            connection.ping()
            return
        except _REDIS_ERRORS as problem:
            left = deadline - clock()
            if left <= 0:
                raise
            log.warning("Redis に接続できません（%s）。%.0f 秒後に再試行します", problem, min(pause, left))
            sleep(min(pause, left))
            pause = min(pause * 2, 30.0)


def _sweep(dispatcher: RQDispatcher) -> None:
    """Hand the outbox over; a Redis error leaves it for the next sweep (the breaker has logged it)."""
    with suppress(RedisError):
        flush_outbox(dispatcher)


def _sweep_forever(app: Flask, dispatcher: RQDispatcher, stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        with app.app_context():
            try:
                due_daily_jobs(utcnow())
                _sweep(dispatcher)
            except Exception:  # keep sweeping; the next round retries
                log.exception("outbox sweep failed")


def run_worker(app: Flask, *, burst: bool = False, sweep_every: float = 15.0,
               only: list[str] | None = None, redis_wait: float = REDIS_WAIT) -> None:
    """Work the queues (all, or ``only`` those); in burst mode flush the outbox once and stop when the
    queues are empty. Redis away at the start, or lost while a job runs, is waited for up to
    ``redis_wait`` seconds (RQ itself only retries while it waits for a job)."""
    names = queue_names()
    unknown = sorted(set(only or ()) - set(names))
    if unknown:
        raise ValueError(f"不明なキューです: {', '.join(unknown)}（使えるキュー: {', '.join(names)}）")
    if only:
        names = [name for name in names if name in only]
    dispatcher = app.extensions["mirai_dispatcher"]
    if not isinstance(dispatcher, RQDispatcher):
        raise RuntimeError(  # noqa: TRY004  (a configuration problem, not a wrong argument type)
            "REDIS_URL が設定されていません。ワーカーは Redis を使う構成でのみ動きます。")
    wait_for_redis(dispatcher.connection, redis_wait)
    stop = threading.Event()
    with app.app_context():
        _sweep(dispatcher)
    if not burst:
        threading.Thread(
            target=_sweep_forever, args=(app, dispatcher, stop, sweep_every), daemon=True
        ).start()
    try:
        while not _work_until_stopped(app, dispatcher, names, burst=burst):
            # Nothing is half-done here, so a stop signal while Redis is away may simply end the process.
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
            log.warning("Redis との接続が切れたため、再接続してからワーカーを起動し直します")
            wait_for_redis(dispatcher.connection, redis_wait)
    finally:
        stop.set()


class _MiraiWorker(SimpleWorker):
    """SimpleWorker that remembers a stop signal (RQ keeps a flag only when one comes mid-job)."""

    stop_signalled = False

    def request_stop(self, signum, frame):
        self.stop_signalled = True
        super().request_stop(signum, frame)


def _work_until_stopped(app: Flask, dispatcher: RQDispatcher, names: list[str], *, burst: bool) -> bool:
    """Run one RQ worker; True when it ended as asked (burst done, or a stop signal), False when Redis
    went away under it (non-burst only: a burst run reports the error)."""
    with app.app_context():
        # SimpleWorker runs jobs in this process, inside the app context (no fork of DB pools).
        worker = _MiraiWorker([dispatcher.queue(name) for name in names], connection=dispatcher.connection)
        try:
            worker.work(burst=burst)
        except _REDIS_ERRORS:
            if worker.stop_signalled:
                return True  # it was stopping anyway; Redis is no longer needed
            if burst:
                raise
            # RQ quits on a Redis error met outside its wait for a job (while a job ends, at its
            # suspension check), then fails again registering its own death.
            return False
    # RQ also returns after an error it logged and quit on; restart only when Redis is the reason.
    return burst or worker.stop_signalled or dispatcher.healthy()
