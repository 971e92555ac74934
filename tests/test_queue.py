"""Can section staff find their voices: filters, Japanese search, counts, bulk accept, rules?"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import RoutingRule, Section, Voice, db
from tests.section_fixtures import routed_voice
from tests.support import csrf_token_from, login, make_user


@pytest.fixture
def app(app_on_both_databases):
    """Every test here runs on SQLite and on PostgreSQL."""
    return app_on_both_databases


ROAD = "自宅前の市道にカーブミラーがなく、見通しが悪くて車同士がぶつかりそうになります。設置をお願いします。"


def test_search_filters_and_counts(app):
    with app.app_context():
        make_user("kankyo", "section_staff", "生活環境課")
        first, receipt_a, _ = routed_voice()
        second, receipt_b, _ = routed_voice("近所の空き地で毎晩のように野焼きをしていて、煙と臭いで窓を開けられません。", voice_type="苦情")
        third, receipt_c, _ = routed_voice("粗大ごみの申込み方法を教えてください。", voice_type="問合せ")
        sections = {db.session.get(Voice, i).section.name for i in (first, second, third)}
        assert sections == {"生活環境課"}
    client = app.test_client()
    login(client, "kankyo")

    def listed(query: str) -> set[str]:
        html = client.get(f"/staff/queue?{query}").get_data(as_text=True)
        return {r for r in (receipt_a, receipt_b, receipt_c) if r in html}

    assert listed("") == {receipt_a, receipt_b, receipt_c}
    assert listed("q=カラス") == {receipt_a}
    assert listed("q=野焼き") == {receipt_b}
    assert listed("q=粗大ゴミ") == {receipt_c}  # ゴミ and ごみ normalise to the same token
    assert listed(f"q={receipt_b}") == {receipt_b}
    too_long = client.get(f"/staff/queue?q={'ごみ' * 51}").get_data(as_text=True)
    assert "キーワードは100文字以内で入力してください。" in too_long and 'aria-invalid="true"' in too_long
    assert all(r in too_long for r in (receipt_a, receipt_b, receipt_c))  # not searched: every voice listed
    assert listed("voice_type=問合せ") == {receipt_c}
    assert listed("overdue=y") == set()
    html = client.get("/staff/queue").get_data(as_text=True)
    assert "担当課決定 <strong>3</strong>件" in html

    token = csrf_token_from(html)
    client.post("/staff/queue/accept", data={"voice_id": [str(first), str(second)], "csrf_token": token})
    assert listed("status=in_progress") == {receipt_a, receipt_b}


def test_an_administrator_rule_wins_over_the_model(app):
    with app.app_context():
        section = db.session.scalar(select(Section).where(Section.name == "防災課"))
        db.session.add(RoutingRule(name="カーブミラーは交通安全", match_type="keyword", pattern="カーブミラー",
                                   section_id=section.id, priority=10))
        db.session.commit()
        voice_id, _, _ = routed_voice(ROAD, voice_type="要望")
        voice = db.session.get(Voice, voice_id)
        assert voice.section.name == "防災課"
        assert voice.assignments[-1].decided_by == "rule"
        assert "カーブミラーは交通安全" in voice.events[-1].data["reason"]
        assert voice.latest_classification is not None  # the model's view is still kept for audit


@pytest.mark.parametrize("query, field", [("date_to=9999-12-31", "date_to"), ("date_from=0001-01-01", "date_from")])
def test_a_date_filter_out_of_range_is_explained_and_ignored(app, query, field):
    """Do 9999-12-31 and 0001-01-01 (500s before) give a Japanese message next to the field, listing every voice?"""
    with app.app_context():
        make_user("kankyo", "section_staff", "生活環境課")
        _, receipt, _ = routed_voice()
    client = app.test_client()
    login(client, "kankyo")
    response = client.get(f"/staff/queue?{query}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<p class="field-error" id="{field}-error"><span>日付は1990年1月1日から2100年12月31日までの間で入力してください。' in html
    assert receipt in html


def test_a_date_filter_may_be_typed_without_zero_padding(app):
    """Is 受付日 2026/4/1 read as 2026-04-01 (and a date that is not one explained in Japanese)?"""
    with app.app_context():
        make_user("kankyo", "section_staff", "生活環境課")
        _, receipt, _ = routed_voice()
    client = app.test_client()
    login(client, "kankyo")
    html = client.get("/staff/queue?date_from=2000/4/1&date_to=２１００/１/１").get_data(as_text=True)
    assert receipt in html and "field-error" not in html
    html = client.get("/staff/queue?date_from=2100/1/1").get_data(as_text=True)
    assert receipt not in html
    html = client.get("/staff/queue?date_from=4月1日").get_data(as_text=True)
    assert "日付は 2026-04-01 の形で入力してください。" in html and receipt in html
