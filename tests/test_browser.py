"""In a real browser: can a citizen submit the form, and do the public pages meet WCAG 2 AA (JIS X 8341-3 AA)?"""
from __future__ import annotations

import pytest

from tests.browser_support import DESKTOP, axe_violations, layout_problems

pytestmark = pytest.mark.browser


def test_a_citizen_submits_the_form_on_a_phone(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="ja-JP")
    page = context.new_page()
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="声を送る").click()
    page.get_by_label("要望").check()
    page.get_by_label("内容").fill("駅前の駐輪場が足りず、歩道に自転車があふれています。増設をお願いします。")
    page.get_by_label("個人情報の取扱いに同意する").check()
    page.get_by_role("button", name="確認画面へ").click()
    page.get_by_role("heading", name="入力内容の確認").wait_for()
    assert "駐輪場" in page.locator("dl.confirm").inner_text()
    page.get_by_role("button", name="送信する").click()
    page.get_by_role("heading", name="送信が完了しました").wait_for()
    receipt = page.locator("#receipt-no").inner_text()
    code = page.locator("#access-code").inner_text()
    assert receipt.count("-") == 1 and len(code) == 8

    page.get_by_role("link", name="対応状況を確認する").click()
    page.get_by_label("受付番号").fill(receipt)
    page.get_by_label("確認コード").fill(code)
    page.get_by_role("button", name="確認する").click()
    assert page.locator("#status-label").inner_text() in ("担当課決定", "振り分け待ち")
    context.close()


_GAP_BELOW_HEADER = ("document.querySelector('main').firstElementChild.getBoundingClientRect().top"
                     " - document.querySelector('.site-header').getBoundingClientRect().bottom")


def test_public_pages_have_no_wcag_2_aa_violations(live_server, browser):
    """Is every public page, the form with errors, the confirmation and the completion page too, free of WCAG
    violations, and does each fit every width from 320 CSS px to a desktop, its content clear of the header?"""
    page = browser.new_page(locale="ja-JP", viewport=DESKTOP)
    found: dict[str, list[str]] = {}
    problems: dict[str, list[str]] = {}
    gaps: dict[str, float] = {}

    def check(name: str) -> None:
        found[name] = axe_violations(page)
        problems[name] = layout_problems(page)
        gaps[name] = page.evaluate(_GAP_BELOW_HEADER)

    for path in ("/", "/voice/new", "/status"):
        page.goto(f"{live_server}{path}")
        check(path)
    page.goto(f"{live_server}/voice/new")
    page.get_by_role("button", name="確認画面へ").click()
    page.locator("#error-summary").wait_for()
    check("/voice/new (errors)")
    page.get_by_label("感謝").check()
    page.get_by_label("内容").fill("図書館の職員の方がとても親切でした。")
    page.get_by_label("個人情報の取扱いに同意する").check()
    page.get_by_role("button", name="確認画面へ").click()
    check("/voice/new (confirm)")
    page.get_by_role("button", name="送信する").click()
    check("/voice/complete")
    page.close()
    assert found == {path: [] for path in found}
    assert problems == {path: [] for path in problems}
    assert min(gaps.values()) >= 16, gaps  # main's 1rem padding: the 手順 boxes do not touch the header


_FOCUSED = "() => { const e = document.activeElement; return [e.id, getComputedStyle(e).outlineStyle]; }"


def _focused_id(page) -> str:
    """The id of the focused element, after checking that the focus can be seen (WCAG 2.4.7)."""
    element_id, outline = page.evaluate(_FOCUSED)
    assert outline != "none", f"#{element_id} has focus but no visible outline"
    return element_id


def test_a_citizen_corrects_and_sends_the_form_with_the_keyboard_alone(live_server, browser):
    """Does focus land on the error summary, does each of its links lead into its field, and can the form be
    finished from there by keyboard alone?"""
    page = browser.new_page(locale="ja-JP", viewport={"width": 375, "height": 667})
    page.set_default_timeout(5000)
    page.goto(f"{live_server}/voice/new")
    page.get_by_role("button", name="確認画面へ").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert _focused_id(page) == "error-summary"
    assert page.locator("#body").get_attribute("aria-invalid") == "true"
    assert page.locator("#body").get_attribute("aria-describedby") == "body-hint body-error"
    assert page.locator("#voice_type").get_attribute("aria-describedby") == "voice_type-error"

    page.keyboard.press("Tab")  # the summary's first link: 種別
    assert page.evaluate("document.activeElement.textContent").startswith("種別：")
    page.keyboard.press("Enter")
    assert _focused_id(page) == "voice_type-1"  # the first choice, not the fieldset that cannot take focus
    page.keyboard.press("Space")
    page.get_by_role("link", name="内容：内容を入力してください。").focus()
    page.keyboard.press("Enter")
    assert _focused_id(page) == "body"
    page.keyboard.type("公園のトイレが夜間も使えるようにしてほしいです。")
    page.get_by_role("link", name="個人情報の取扱い：個人情報の取扱いに同意してください。").focus()
    page.keyboard.press("Enter")
    assert _focused_id(page) == "consent_privacy"
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "確認画面へ"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("heading", name="入力内容の確認").wait_for()
    assert "苦情" in page.locator("dl.confirm").inner_text()
    page.get_by_role("button", name="送信する").focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.get_by_role("heading", name="送信が完了しました").wait_for()
    page.close()


def test_a_wrong_receipt_number_or_code_is_announced_focused_and_tied_to_the_fields(live_server, browser):
    """Does the status page's title say which state it shows, is the not-found message focused, and are both
    fields marked invalid and described by it?"""
    page = browser.new_page(locale="ja-JP", viewport={"width": 375, "height": 667})
    page.goto(f"{live_server}/status")
    page.locator("#receipt_no").fill("2026-999999")
    page.locator("#access_code").fill("ABCDEFGH")
    with page.expect_navigation():
        page.locator("#access_code").press("Enter")
    assert page.title().startswith("受付番号または確認コードが正しくありません - 対応状況の確認")
    assert _focused_id(page) == "status-error"
    for field in ("#receipt_no", "#access_code"):
        assert page.locator(field).get_attribute("aria-invalid") == "true"
        assert page.locator(field).get_attribute("aria-describedby") == "status-error"
    assert axe_violations(page) == []
    page.close()
