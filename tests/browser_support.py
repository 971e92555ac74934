"""Browser-test helpers: the system Chromium, a live server for an app, and axe-core checks."""
from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
# Without the background-networking flags Chromium keeps dialling out, which this closed network refuses.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
# WCAG 2.0 A/AA (JIS X 8341-3:2016 AA) and the 2.1 additions (input purpose, reflow, non-text contrast, …).
WCAG_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
# The small screens the pages must work on: a common phone, and 320 CSS px (1280 px at 400% zoom).
PHONE = {"width": 375, "height": 667}
NARROWEST = {"width": 320, "height": 640}


@cache
def japanese_font_families() -> list[str]:
    """The font families fontconfig offers for Japanese, which Chromium draws kana and kanji with (empty
    without one, or without fontconfig's ``fc-list``)."""
    try:
        listed = subprocess.run(["fc-list", ":lang=ja", "family"], capture_output=True, text=True, check=True,
                                timeout=30).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return sorted({line.split(",")[0] for line in listed.splitlines() if line.strip()})


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """Serve ``app`` on a free local port for the duration of the block; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def axe_violations(page) -> list[str]:
    """WCAG 2.0/2.1 A/AA violations on the page, one readable line each (empty when clean)."""
    results = Axe().run(page, options=WCAG_AA)
    return [f"{v['id']}: {v['help']} ({len(v['nodes'])})" for v in results.response["violations"]]


def horizontal_overflow(page) -> int:
    """How many CSS px the page is wider than the viewport (0 when it reflows without a horizontal scrollbar)."""
    return page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")


def sign_in(page, base: str, login_id: str) -> None:
    """Sign ``login_id`` in through the login page (every test user has the password ``PASSWORD``)."""
    from tests.support import PASSWORD

    page.goto(f"{base}/staff/login")
    page.get_by_label("ログインID").fill(login_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()


def reflow_and_axe(page, base: str, paths) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Each page's horizontal overflow (CSS px) and WCAG violations, by path."""
    overflow, violations = {}, {}
    for path in paths:
        page.goto(f"{base}{path}")
        overflow[path] = horizontal_overflow(page)
        violations[path] = axe_violations(page)
    return overflow, violations
