"""Does the import's forked predictor process end with the worker that forked it?"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# A stand-in worker: ignores SIGTERM as RQ's warm shutdown does, forks the predictor the way imports do,
# prints the predictor's pid, and is then killed outright.
WORKER = """
import multiprocessing, os, signal, sys
from concurrent.futures import ProcessPoolExecutor
from voices.importers.service import _predictor_process_start

signal.signal(signal.SIGTERM, lambda *_: None)
pool = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                           initializer=_predictor_process_start)
print(pool.submit(os.getpid).result(), flush=True)
if sys.argv[1] == "kill-worker":
    os.kill(os.getpid(), signal.SIGKILL)
signal.pause()
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _wait_gone(pid: int, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    return False


def _start(mode: str) -> tuple[subprocess.Popen, int]:
    worker = subprocess.Popen([sys.executable, "-c", WORKER, mode], cwd=REPO, stdout=subprocess.PIPE, text=True)
    return worker, int(worker.stdout.readline())


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux /proc to watch the process")
def test_the_predictor_ends_when_the_worker_is_killed():
    worker, predictor = _start("kill-worker")
    worker.wait(timeout=30)
    assert _wait_gone(predictor), "the predictor outlived its worker"


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="needs Linux /proc to watch the process")
def test_the_predictor_stops_on_sigterm_though_its_worker_ignores_it():
    worker, predictor = _start("stay")
    try:
        os.kill(predictor, 15)
        assert _wait_gone(predictor)
    finally:
        worker.kill()
        worker.wait(timeout=30)
