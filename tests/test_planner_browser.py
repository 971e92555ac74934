"""In a real browser: can a planner open the matrix, a measure page and download an export, and does the
public みえる化 page meet WCAG 2 AA?"""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from models import User, Voice, db
from routing import links
from tests.browser_support import (
    NARROWEST,
    PHONE,
    axe_violations,
    horizontal_overflow,
    reflow_and_axe,
    serve,
    sign_in,
    squeezed_cells,
)
from tests.planner_fixtures import action_item, boundary_voices, pii_voices
from tests.support import make_user

pytestmark = pytest.mark.browser


@pytest.fixture
def planner_server(app) -> Iterator[str]:
    """The app with fixture voices, a planner, an action item and two published voices, served locally."""
    with app.app_context():
        boundary_voices()
        make_user("planner", "planner", "企画政策課")
        admin = make_user("admin", "admin")
        action_item("AP-5-2-01", "M5-2", "電子申請の拡充")
        for voice_id in pii_voices(2):
            voice = db.session.get(Voice, voice_id)
            voice.status = "answered"  # only an answered or finished voice is published
            db.session.commit()
            links.publish(voice_id, voice.body, "ご意見ありがとうございます。電子申請を拡充します。",
                          db.session.get(User, admin.id))
    with serve(app) as base_url:
        yield base_url


def test_a_planner_opens_the_matrix_a_measure_page_and_downloads_an_export(planner_server, browser, tmp_path):
    context = browser.new_context(locale="ja-JP", accept_downloads=True)
    page = context.new_page()
    sign_in(page, planner_server, "planner")
    page.get_by_role("link", name="改革項目ダッシュボード").click()
    page.get_by_role("heading", name="改革項目マトリクス").wait_for()
    page.get_by_label("年度", exact=True).select_option("2025")
    page.get_by_role("button", name="年度で表示").click()
    page.locator("#measure-matrix a[href*='/planner/measures/M5-2']").click()
    page.get_by_role("heading", name="M5-2").wait_for()
    assert "月別件数（M5-2）" in page.locator("body").inner_text()
    with page.expect_download() as info:
        page.locator("#trend-heading ~ p.downloads a", has_text="CSV（UTF-8）").click()
    path = tmp_path / "trend.csv"
    info.value.save_as(path)
    content = path.read_bytes()
    assert content.startswith(b"\xef\xbb\xbf") and "令和7年度（2025年度）" in content.decode("utf-8-sig")
    context.close()


def test_the_planner_pages_reflow_at_every_width(planner_server, browser):
    """From 320 CSS px to a desktop, do the matrix, a measure page, the action plan and the report fit the width,
    wide tables scrolling in their own focusable region with no column squeezed to a character a line
    (WCAG 1.4.10, 2.1.1)?"""
    page = browser.new_page(locale="ja-JP", viewport=NARROWEST)
    sign_in(page, planner_server, "planner")
    page.get_by_role("link", name="改革項目ダッシュボード").wait_for()
    problems, violations = reflow_and_axe(page, planner_server, (
        "/planner/?year=2025", "/planner/measures/M5-2?year=2025", "/planner/action-items", "/planner/report?year=2025"))
    page.close()
    assert problems == {path: [] for path in problems}
    assert violations == {path: [] for path in violations}


@pytest.mark.parametrize("viewport", [None, PHONE, NARROWEST], ids=["desktop", "phone", "320px"])
def test_the_public_mieruka_page_has_no_wcag_2_aa_violations(planner_server, browser, viewport):
    """On a desktop, a phone and at 320 CSS px: is the page clean for axe, and do its wide tables scroll in
    regions a keyboard can reach, rather than the whole page scrolling sideways?"""
    page = browser.new_page(locale="ja-JP", **({"viewport": viewport} if viewport else {}))
    page.goto(f"{planner_server}/mieruka/?year=2025")
    page.get_by_role("heading", name="市民の声のみえる化").wait_for()
    assert axe_violations(page) == []
    assert horizontal_overflow(page) == 0
    assert squeezed_cells(page) == []
    assert "ご意見ありがとうございます" in page.locator("main").inner_text()
    page.close()
