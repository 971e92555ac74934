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
# A 1280 px window zoomed to 200% (WCAG 1.4.4), and the desktop itself.
ZOOM_200 = {"width": 640, "height": 800}
DESKTOP = {"width": 1280, "height": 800}
WIDTHS = (NARROWEST, PHONE, ZOOM_200, DESKTOP)


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


# Counts a cell's lines of visible text: one line for each character means a column squeezed to a character a line.
_SQUEEZED_CELLS = """() => [...document.querySelectorAll('main td, main th')].filter(cell => {
  let lines = 0, characters = 0;
  const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim();
    if (!text || node.parentElement.closest('.visually-hidden')) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    characters += [...text].length;
    lines += range.getClientRects().length;
  }
  return characters > 1 && lines >= characters;
}).map(cell => cell.innerText.trim().replace(/\\s+/g, ' '))"""


def squeezed_cells(page) -> list[str]:
    """The text of table cells squeezed to a character a line (a table too wide for the screen should scroll in
    its own region instead, keeping its columns readable)."""
    return page.evaluate(_SQUEEZED_CELLS)


def layout_problems(page, widths=WIDTHS) -> list[str]:
    """At each viewport width in turn, what keeps the page from being read there: horizontal overflow (WCAG 1.4.10)
    and table cells squeezed to a character a line. Leaves the page at its last width."""
    problems = []
    for viewport in widths:
        page.set_viewport_size(viewport)
        width = viewport["width"]
        if overflow := horizontal_overflow(page):
            problems.append(f"{width}px: {overflow}px wider than the screen")
        problems += [f"{width}px: squeezed cell {text[:20]!r}" for text in squeezed_cells(page)]
    return problems


def sign_in(page, base: str, login_id: str) -> None:
    """Sign ``login_id`` in through the login page (every test user has the password ``PASSWORD``)."""
    from tests.support import PASSWORD

    page.goto(f"{base}/staff/login")
    page.get_by_label("ログインID").fill(login_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="ログイン").click()


def reflow_and_axe(page, base: str, paths, widths=WIDTHS) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Each page's layout problems at every width and its WCAG violations at the page's own viewport, by path.
    The widths are tried by resizing the loaded page, which is much quicker than loading it again."""
    problems, violations = {}, {}
    viewport = page.viewport_size
    for path in paths:
        page.goto(f"{base}{path}")
        violations[path] = axe_violations(page)
        problems[path] = layout_problems(page, widths)
        page.set_viewport_size(viewport)
    return problems, violations
