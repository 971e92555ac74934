"""In a real browser: are the admin pages WCAG 2 AA clean, CSP-clean and usable from the keyboard alone?"""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from models import RoutingRule, User, db, set_setting
from tests.browser_support import NARROWEST, axe_violations, reflow_and_axe, serve, sign_in
from tests.support import make_user

PAGES = ("/admin/", "/admin/sections", "/admin/sections/new", "/admin/departments/new", "/admin/users",
         "/admin/users/new", "/admin/rules", "/admin/rules/new", "/admin/settings", "/admin/templates",
         "/admin/templates/new", "/admin/audit", "/admin/audit?tab=events", "/admin/model", "/admin/api-tokens")

pytestmark = pytest.mark.browser


@pytest.fixture
def live_admin(app) -> Iterator[str]:
    """The app served on a free port, with an administrator account."""
    with app.app_context():
        make_user("boss", "admin")
    with serve(app) as base_url:
        yield base_url


def _sign_in(page, base: str) -> None:
    sign_in(page, base, "boss")
    page.wait_for_url("**/staff/**")


def _reorganized_with_confirmed_voices(app) -> None:
    """What fills the model page's notices and tables: a retired 課 with a successor and voices staff
    confirmed, one of them forwarded."""
    from models import Section
    from routing.workflow import accept, forward
    from tests.section_fixtures import routed_voice

    with app.app_context():
        staff = make_user("kankyo", "section_staff", "生活環境課")
        kept, _, _ = routed_voice()
        accept(kept, staff)
        moved, _, _ = routed_voice()
        sections = {s.name: s for s in db.session.scalars(select(Section))}
        forward(moved, sections["建設課"].id, "道路上のごみのため", staff)
        sections["教育指導課"].active, sections["教育指導課"].successor_id = False, sections["学校総務課"].id
        db.session.commit()


def test_admin_pages_have_no_wcag_2_aa_or_csp_violations(app, live_admin, browser):
    """Does axe find nothing on every admin page (and a form with errors), with no CSP violation logged?
    The model page shows its reorganization notice and its tables of real voices."""
    _reorganized_with_confirmed_voices(app)
    page = browser.new_page(locale="ja-JP")
    console_errors: list[str] = []
    page.on("console", lambda message: console_errors.append(message.text) if message.type == "error" else None)
    _sign_in(page, live_admin)
    found = {}
    for path in PAGES:
        page.goto(f"{live_admin}{path}")
        found[path] = axe_violations(page)
    page.goto(f"{live_admin}/admin/users/new")
    page.get_by_role("button", name="保存する").click()
    page.locator("#error-summary").wait_for()
    found["/admin/users/new (errors)"] = axe_violations(page)
    page.goto(f"{live_admin}/admin/model")
    model_page = page.content()
    page.close()
    assert "まだ反映されていません" in model_page and "建設課の声を生活環境課と判断" in model_page
    assert found == {path: [] for path in found}
    assert [e for e in console_errors if "Content Security Policy" in e] == []


def _checked_import_with_hidden_rows(app, tmp_path) -> int:
    """An import whose check lists a bad row, rows an autofilter hid and a notice: every part of its page. Its
    file is named as files often are, in one unbroken word."""
    from tests.test_import import VOICE_ROWS, check, write
    from tests.test_import_hidden_rows import _workbook

    rows = [*VOICE_ROWS, ["2026-13-01", *VOICE_ROWS[0][1:]]]
    name = "shimin_no_koe_uketsukebo_2026_05_seikatsukankyo_filtered.xlsx"
    return check(app, write(tmp_path, name, _workbook(rows, filter_type="苦情"))).id


PAGE_URL = "https://www.city.tsukubamirai.lg.jp/soshiki/seikatsukankyo/gomi/sodaigomi_moushikomi.html"


def _words_typed_without_a_break(app) -> tuple[int, int]:
    """What staff type with no place to break a line: a URL in a note, a reply template and a rule, a long
    e-mail address, rule and meeting names in ASCII; and an action item, whose table holds a visually hidden
    label. Returns the noted voice's id and the meeting's id."""
    from datetime import date

    from routing.workflow import add_note
    from tests.planner_fixtures import action_item
    from tests.section_fixtures import routed_voice
    from voices.meetings import MeetingInput, create_meeting
    from web.admin.services import save_rule, save_template

    with app.app_context():
        boss = db.session.scalar(select(User).where(User.login_id == "boss"))
        staff = db.session.scalar(select(User).where(User.login_id == "kankyo"))
        staff.email = "hasegawa-michiko.seikatsukankyo@city.tsukubamirai.lg.jp"
        voice_id, _, _ = routed_voice("粗大ごみの申込ページが開けません。")
        add_note(voice_id, f"申込ページ：{PAGE_URL}", boss)
        save_template(boss, None, title="粗大ごみの申込（LoGoForm_sodaigomi）", voice_type="", active=True,
                      body=f"{PAGE_URL} から申し込めます。")
        save_rule(boss, None, name="sodaigomi_moushikomi_page_url", match_type="keyword", pattern=PAGE_URL,
                  section_id=staff.section_id, priority=10, active=True)
        meeting = create_meeting(MeetingInput(name="第3回まちづくり懇談会_MiraidairaStationArea", kind="タウンミーティング",
                                              held_on=date(2026, 5, 20), place="みらい平コミュニティセンター"), boss)
        action_item("AP-5-2-01", "M5-2", "電子申請の拡充")
        db.session.commit()
        return voice_id, meeting.id


def _bounced_remarked_and_unsure(app, meeting_id: int) -> None:
    """A voice forwarded twice (たらい回し), a remark at the meeting, and a voice the model was unsure about,
    which fill the tables of those pages."""
    from models import Meeting, Section
    from routing.workflow import forward
    from tests.section_fixtures import routed_voice
    from voices.intake import submit
    from voices.meetings import add_remark
    from voices.validation import VoiceInput

    with app.app_context():
        boss = db.session.scalar(select(User).where(User.login_id == "boss"))
        bounced, _, _ = routed_voice("公園の遊具が壊れています。修理をお願いします。")
        for name in ("建設課", "都市整備課"):
            forward(bounced, db.session.scalar(select(Section.id).where(Section.name == name)), "担当外のため", boss)
        add_remark(db.session.get(Meeting, meeting_id), VoiceInput(
            body="駅前ロータリーに送迎の車が並び、路線バスが入れません。", voice_type="意見", channel="meeting",
            consent_privacy=True), boss)
        set_setting("routing.auto_threshold", 1.01)
        db.session.commit()
        submit(VoiceInput(body="市役所の駐車場が狭いです。", voice_type="意見", consent_privacy=True))


def test_staff_and_admin_pages_reflow_at_every_width(app, live_admin, browser, tmp_path):
    """At 320 CSS px (a 1280 px window zoomed to 400%), a phone, 640 px (zoomed to 200%) and a desktop, does
    every staff and admin page fit without a horizontal scrollbar (WCAG 1.4.10), wide tables scrolling in their
    own focusable region with no column squeezed to a character a line, and URLs, e-mail addresses and names
    typed without a break wrapping? The queue, triage, たらい回し and meeting tables have rows."""
    _reorganized_with_confirmed_voices(app)
    import_id = _checked_import_with_hidden_rows(app, tmp_path)
    voice_id, meeting_id = _words_typed_without_a_break(app)
    _bounced_remarked_and_unsure(app, meeting_id)
    page = browser.new_page(locale="ja-JP", viewport=NARROWEST)
    _sign_in(page, live_admin)
    problems, violations = reflow_and_axe(page, live_admin, (
        "/staff/", "/staff/queue", "/staff/triage", "/staff/tarai", "/staff/counter", "/staff/meetings",
        f"/staff/meetings/{meeting_id}", f"/staff/voices/{voice_id}", "/staff/imports/", f"/staff/imports/{import_id}",
        "/planner/action-items", *PAGES))
    page.goto(f"{live_admin}/staff/tarai")
    bouncing = page.locator("table.voices").first.inner_text()
    page.goto(f"{live_admin}/staff/triage")
    triage = page.locator("table.voices").inner_text()
    page.close()
    assert "2回" in bouncing and "駐車場" in triage
    assert problems == {path: [] for path in problems}
    assert violations == {path: [] for path in violations}


def test_an_admin_adds_a_rule_with_the_keyboard_only(app, live_admin, browser):
    """Can a rule be added by typing and Tab/Enter alone, reaching the menu from the staff header?"""
    page = browser.new_page(locale="ja-JP")
    page.set_default_timeout(5000)
    _sign_in(page, live_admin)
    page.goto(f"{live_admin}/admin/templates")
    page.get_by_role("link", name="管理", exact=True).focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="振り分けルール").first.focus()
    page.keyboard.press("Enter")
    page.get_by_role("link", name="ルールを追加").focus()
    page.keyboard.press("Enter")
    page.get_by_label("ルール名").focus()
    page.keyboard.type("カーブミラー")
    page.keyboard.press("Tab")  # 条件の種類: keep キーワード
    page.keyboard.press("Tab")
    page.keyboard.type("カーブミラー")
    page.keyboard.press("Tab")
    for _ in range(40):  # arrow down through the 課 (grouped by 部) to 建設課
        if page.locator("#section_id option:checked").inner_text() == "建設課":
            break
        page.keyboard.press("ArrowDown")
    page.get_by_role("button", name="保存する").focus()
    page.keyboard.press("Enter")
    page.get_by_text("ルール「カーブミラー」を追加しました。").wait_for()
    page.close()
    with app.app_context():
        rule = db.session.scalar(select(RoutingRule))
        assert (rule.name, rule.pattern, rule.section.name) == ("カーブミラー", "カーブミラー", "建設課")


def test_the_api_token_page_with_tokens_in_every_state_and_a_refused_form_is_clean_and_reflows(app, live_admin, browser):
    """With tokens expired, expiring soon, revoked, restricted and unrestricted, and after a read token was
    asked for without its 課, is the page free of WCAG violations, does it reflow from 320 CSS px to a desktop,
    and does the error summary lead to the choice that is missing?"""
    from datetime import timedelta

    from models import ApiToken, Section, utcnow
    from web.api.tokens import issue_token, revoke_token

    with app.app_context():
        kankyo = db.session.scalar(select(Section.id).where(Section.name == "生活環境課"))
        now = utcnow()
        for name, expires_in in (("電子申請（まもなく期限）", timedelta(days=3)), ("旧コールセンター", timedelta(days=-2))):
            row, _ = issue_token(name, section_ids=[kankyo])
            row.expires_at = now + expires_in
        issue_token("広聴の集計", ["voices:read"], all_sections=True)
        revoke_token(issue_token("廃止した連携", ["voices:create"])[0].id)
        db.session.commit()
        assert db.session.query(ApiToken).count() == 4
    page = browser.new_page(locale="ja-JP", viewport=NARROWEST)
    _sign_in(page, live_admin)
    problems, violations = reflow_and_axe(page, live_admin, ("/admin/api-tokens",))
    page.get_by_label("連携先の名前").fill("集計システム")
    page.get_by_role("button", name="発行する").click()
    page.locator("#error-summary").wait_for()
    summary = page.locator("#error-summary").inner_text()
    violations["(errors)"] = axe_violations(page)
    page.close()
    assert problems == {"/admin/api-tokens": []}
    assert violations == {"/admin/api-tokens": [], "(errors)": []}
    assert "声を読める範囲：声を読める課を選ぶか" in summary
