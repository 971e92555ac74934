"""Can the administrator find who did what in the audit log and the voice events?"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from models import AuditLog, User, Voice, db
from routing.due import JST
from routing.service import route_voice
from tests.support import make_user
from tests.test_admin import field_error, signed_in_admin, store_voice
from web.admin import services


@pytest.fixture
def admin_client(app):
    return signed_in_admin(app)


def _rows(html: str) -> int:
    """How many log rows the page shows (each has one <time>)."""
    return html.count("<time datetime=")


def test_admin_changes_are_listed_newest_first_and_filter_by_action_and_actor(app, admin_client):
    """Does the audit tab list each admin change, newest first, and narrow by action and by actor?"""
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.login_id == "boss"))
        other = make_user("admin2", "admin")
        services.save_department(boss, None, name="第一部", sort_order=1)
        services.save_department(other, None, name="第二部", sort_order=2)
        services.save_settings(other, auto_threshold=0.6, due_days={"default": 10}, escalation_days=3,
                               tarai_forwards=2, retention_years=5, retrain_new_labels=50)
    html = admin_client.get("/admin/audit").get_data(as_text=True)
    assert _rows(html) >= 3  # (sign-ins may be audited too)
    assert html.index("設定の変更") < html.index("第二部") < html.index("第一部")
    assert "routing.auto_threshold" in html and "0.5 → 0.6" in html  # before → after
    html = admin_client.get("/admin/audit?action=department.create").get_data(as_text=True)
    assert _rows(html) == 2 and "設定の変更</" not in html
    html = admin_client.get("/admin/audit?actor=admin2").get_data(as_text=True)
    assert _rows(html) == 2 and "第一部" not in html
    html = admin_client.get("/admin/audit?actor=nobody").get_data(as_text=True)
    assert _rows(html) == 0 and "該当する記録はありません" in html


def test_the_date_range_is_read_in_japan_time(app, admin_client):
    """Is a change at 23:30 JST on 4/1 (14:30 UTC) found under 4/1 and not under 4/2?"""
    late = datetime(2026, 4, 1, 23, 30, tzinfo=JST)
    with app.app_context():
        db.session.add_all([
            AuditLog(action="setting.update", target_type="setting", target_id="a", created_at=late),
            AuditLog(action="setting.update", target_type="setting", target_id="b",
                     created_at=late + timedelta(hours=1)),
        ])
        db.session.commit()
    html = admin_client.get("/admin/audit?date_from=2026-04-01&date_to=2026-04-01").get_data(as_text=True)
    assert _rows(html) == 1 and "setting #a" in html and "2026年4月1日 23:30" in html
    html = admin_client.get("/admin/audit?date_from=2026-04-02&date_to=2026-04-02").get_data(as_text=True)
    assert _rows(html) == 1 and "setting #b" in html


def test_bad_dates_are_explained_in_japanese(app, admin_client):
    """Is a wrong date, or an end before the start, explained next to the field?"""
    html = admin_client.get("/admin/audit?date_from=4月1日").get_data(as_text=True)
    assert field_error(html, "date_from") == "日付は 2026-04-01 の形で入力してください。"
    html = admin_client.get("/admin/audit?date_from=2026-04-02&date_to=2026-04-01").get_data(as_text=True)
    assert field_error(html, "date_to") == "終わりの日は始まりの日以降にしてください。"


@pytest.mark.parametrize("query, field", [
    ("date_to=9999-12-31", "date_to"), ("date_from=0001-01-01", "date_from"),
    ("tab=events&date_to=9999-12-31", "date_to"), ("tab=events&date_from=0001-01-01", "date_from")])
def test_dates_out_of_range_are_explained_not_a_500(app, admin_client, query, field):
    """Do 9999-12-31 and 0001-01-01 on either tab give a Japanese message next to the field?"""
    response = admin_client.get(f"/admin/audit?{query}")
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), field) == (
        "日付は1990年1月1日から2100年12月31日までの間で入力してください。")


def test_a_date_may_be_typed_as_people_write_it(app, admin_client):
    """Is 2026/4/1 (or 全角) read as 2026-04-01, as in the import files?"""
    with app.app_context():
        db.session.add(AuditLog(action="setting.update", target_type="setting", target_id="a",
                                created_at=datetime(2026, 4, 1, 12, 0, tzinfo=JST)))
        db.session.commit()
    for typed in ("2026/4/1", "２０２６/４/１", "2026-4-1"):
        html = admin_client.get(f"/admin/audit?date_from={typed}&date_to={typed}").get_data(as_text=True)
        assert _rows(html) == 1 and field_error(html, "date_from") == "", typed


def test_the_log_is_paginated_fifty_per_page_keeping_the_filters(app, admin_client):
    """With 120 matching rows, are there 50 + 50 + 20, and do the page links keep the filter?"""
    with app.app_context():
        db.session.add_all(AuditLog(action="user.unlock", target_type="user", target_id=str(n)) for n in range(120))
        db.session.add(AuditLog(action="user.create", target_type="user", target_id="x"))
        db.session.commit()
    first = admin_client.get("/admin/audit?action=user.unlock").get_data(as_text=True)
    assert _rows(first) == 50 and "120件（1〜50件目" in first
    next_link = re.search(r'href="([^"]+)" rel="next"', first).group(1)
    assert "page=2" in next_link and "action=user.unlock" in next_link
    last = admin_client.get("/admin/audit?action=user.unlock&page=3").get_data(as_text=True)
    assert _rows(last) == 20 and "101〜120件目" in last and 'rel="next"' not in last


def test_voice_events_filter_by_receipt_number_and_kind(app, admin_client):
    """On the 声の経過 tab, does a 受付番号 show only that voice's events, and the kind filter narrow them?"""
    first, second = store_voice(app), store_voice(app, "市道の舗装がひび割れています。補修をお願いします。")
    with app.app_context():
        route_voice(first)
        route_voice(second)
        receipts = [db.session.get(Voice, v).receipt_no for v in (first, second)]
    html = admin_client.get("/admin/audit?tab=events").get_data(as_text=True)
    assert receipts[0] in html and receipts[1] in html
    html = admin_client.get(f"/admin/audit?tab=events&receipt_no={receipts[0]}").get_data(as_text=True)
    assert receipts[0] in html and receipts[1] not in html
    assert _rows(html) >= 3 and "自動分類" in html  # received, classified, assigned or triaged
    full_width = receipts[0].translate(str.maketrans("0123456789-", "０１２３４５６７８９ー"))
    html = admin_client.get(f"/admin/audit?tab=events&receipt_no={full_width}&action=classified").get_data(
        as_text=True)
    assert _rows(html) == 1 and "自動分類" in html
    html = admin_client.get("/admin/audit?tab=events&receipt_no=2026-999999").get_data(as_text=True)
    assert _rows(html) == 0


def test_a_page_number_past_any_integer_column_shows_the_last_page(app, admin_client):
    """Does ?page=99999999999999999999 show the log's last page instead of a server error?"""
    with app.app_context():
        db.session.add(AuditLog(action="setting.update", target_type="setting", target_id="only"))
        db.session.commit()
    for page in ("99999999999999999999", str(2**63), "-99999999999999999999", "abc"):
        response = admin_client.get(f"/admin/audit?page={page}")
        assert response.status_code == 200, page
        assert "setting #only" in response.get_data(as_text=True), page


def test_the_receipt_filter_reads_a_number_as_the_status_page_does(app, admin_client):
    """Is 2026000001 (no hyphen) or one with a U+2010 hyphen the same 受付番号, and junk simply no match?"""
    voice_id = store_voice(app)
    with app.app_context():
        route_voice(voice_id)
        receipt = db.session.get(Voice, voice_id).receipt_no
    year, number = receipt.split("-")
    for typed in (year + number, f"{year}\u2010{number}"):
        html = admin_client.get(f"/admin/audit?tab=events&receipt_no={typed}").get_data(as_text=True)
        assert _rows(html) >= 3 and receipt in html, typed
    assert _rows(admin_client.get("/admin/audit?tab=events&receipt_no=%01").get_data(as_text=True)) == 0
