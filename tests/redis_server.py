"""A throw-away redis-server on a free port, for tests that stop and restart Redis."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

needs_redis_server = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not on PATH")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """A redis-server on its own port, started and stopped by the test; it keeps nothing on disk, so a
    restart comes back empty, as the production Redis does after losing its data."""

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()  # as a crash would: nothing is saved
            self.process.wait(timeout=10)
            self.process = None

    @contextmanager
    def hung(self) -> Iterator[None]:
        """The server stopped (SIGSTOP) for the block, as a hung Redis is: the kernel still accepts
        connections, and nothing answers. Always continued afterwards, whatever the block raised."""
        assert self.process is not None, "start the server first"
        os.kill(self.process.pid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.kill(self.process.pid, signal.SIGCONT)
