"""The RQ worker process: runs jobs inside the app and keeps flushing the outbox."""
from __future__ import annotations

import logging
import threading

from flask import Flask
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


def _sweep_forever(app: Flask, dispatcher: RQDispatcher, stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        with app.app_context():
            try:
                due_daily_jobs(utcnow())
                flush_outbox(dispatcher)
            except Exception:  # keep sweeping; the next round retries
                log.exception("outbox sweep failed")


def run_worker(app: Flask, *, burst: bool = False, sweep_every: float = 15.0,
               only: list[str] | None = None) -> None:
    """Work the queues (all, or ``only`` those); in burst mode flush the outbox once and stop when the
    queues are empty."""
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
    stop = threading.Event()
    sweeper = None
    with app.app_context():
        flush_outbox(dispatcher)
    if not burst:
        sweeper = threading.Thread(
            target=_sweep_forever, args=(app, dispatcher, stop, sweep_every), daemon=True
        )
        sweeper.start()
    try:
        with app.app_context():
            queues = [dispatcher.queue(name) for name in names]
            # SimpleWorker runs jobs in this process, inside the app context (no fork of DB pools).
            SimpleWorker(queues, connection=dispatcher.connection).work(burst=burst)
    finally:
        stop.set()
