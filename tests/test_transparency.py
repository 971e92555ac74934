"""The public みえる化 page: counts per measure, answer times per 部, and only consented, redacted voices."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import Section, User, Voice, db
from routing import links
from routing.answer_times import answer_days_by_department
from routing.service import RoutingError
from tests.planner_fixtures import PII_STRINGS, add_voice, boundary_voices, jst, pii_voices
from tests.support import make_user
from voices import stats


@pytest.fixture
def app(app_on_both_databases):
    """Every test here runs on SQLite and on PostgreSQL."""
    return app_on_both_databases


def _publish_all(ids, body_suffix=""):
    admin = db.session.scalar(select(User).where(User.role == "admin"))
    for voice_id in ids:
        voice = db.session.get(Voice, voice_id)
        voice.status = "answered"  # only an answered or finished voice is published
        db.session.commit()
        # Staff edit the text, but forget a phone number: the redaction on top must still catch it.
        links.publish(voice_id, voice.body + body_suffix, "山田太郎様、ご意見ありがとうございます。電話0297-58-2111まで。", admin)


def test_the_public_page_needs_no_login_and_shows_counts_per_measure(app, client):
    with app.app_context():
        boundary_voices()
    html = client.get("/mieruka/?year=2025").get_data(as_text=True)
    assert "市民の声のみえる化" in html
    row = html.split('<th scope="row">M5-2</th>')[1].split("</tr>")[0]
    assert "<td>2</td>" in row  # 2025年度: 2 voices
    row = html.split('<th scope="row">M5-3</th>')[1].split("</tr>")[0]
    assert "<td>1</td><td>1</td>" in row  # 2025年度 1, 2024年度 1 (the 3/31 voice)


def test_only_consented_and_approved_voices_are_published_and_they_are_redacted(app, client):
    with app.app_context():
        make_user("admin", "admin")
        consented = pii_voices(2)
        refused = add_voice(jst(2025, 8, 1, 9), ["M5-2"], body="公開に同意していない声です。", consent_publish=False).id
        unapproved = add_voice(jst(2025, 8, 2, 9), ["M5-2"], body="承認されていない声です。", consent_publish=True).id
        _publish_all(consented, "（連絡先 090-9999-8888）")
        try:
            links.publish(refused, "公開に同意していない声です。", "", db.session.scalar(select(User)))
        except RoutingError:
            pass
        else:
            raise AssertionError("a voice without consent was published")
    html = client.get("/mieruka/?year=2025").get_data(as_text=True)
    assert "公開している声と回答（2件）" in html
    assert "オンラインで申請できるように" in html and "ご意見ありがとうございます" in html
    assert "公開に同意していない" not in html and "承認されていない" not in html
    leaked = [s for s in (*PII_STRINGS, "090-9999-8888", "0297-58-2111") if s in html]
    assert leaked == []
    assert unapproved


def test_a_voice_is_published_only_with_the_citys_answer(app, client):
    """/mieruka shows voices beside the city's answers: not a voice still being handled, nor an empty answer."""
    with app.app_context():
        admin = make_user("admin", "admin")
        voice_id = add_voice(jst(2025, 8, 1, 9), ["M5-2"], body="公民館の予約をネットでしたい。", consent_publish=True).id
        with pytest.raises(RoutingError, match="回答済みか完了"):
            links.publish(voice_id, "公民館の予約をネットでしたい。", "検討します。", admin)
        db.session.get(Voice, voice_id).status = "closed"
        db.session.commit()
        with pytest.raises(RoutingError, match="公開する回答を入力"):
            links.publish(voice_id, "公民館の予約をネットでしたい。", "  ", admin)
        links.publish(voice_id, "公民館の予約をネットでしたい。", "来年度から予約できるようにします。", admin)
    html = client.get("/mieruka/?year=2025").get_data(as_text=True)
    assert "公開している声と回答（1件）" in html and "来年度から予約できるようにします。" in html


def test_unpublished_voices_disappear(app, client):
    with app.app_context():
        make_user("admin", "admin")
        ids = pii_voices(1)
        _publish_all(ids)
        links.unpublish(ids[0], db.session.scalar(select(User)))
    assert "公開している声と回答（0件）" in client.get("/mieruka/?year=2025").get_data(as_text=True)


def test_average_working_days_to_answer_per_department(app, client):
    """Received Fri 2025-06-13, answered Tue 06-17 → 2 営業日; another answered the next working day → 1."""
    with app.app_context():
        section = db.session.scalar(select(Section).where(Section.name == "企画政策課"))
        department = section.department.name
        add_voice(jst(2025, 6, 13, 10), [], section_id=section.id, status="answered",
                  answered_at=jst(2025, 6, 17, 15))
        add_voice(jst(2025, 6, 16, 10), [], section_id=section.id, status="answered",
                  answered_at=jst(2025, 6, 17, 9))
        assert answer_days_by_department(stats.fiscal_year_period(2025)) == [(department, 1.5, 2)]
    html = client.get("/mieruka/?year=2025").get_data(as_text=True)
    assert f'<th scope="row">{department}</th><td>1.5日</td><td>2件</td>' in html


def test_per_measure_monthly_trend_on_the_public_page(app, client):
    with app.app_context():
        boundary_voices()
        assert stats.monthly_counts_by_measure(2025)["M5-2"] == [1, 0, 1] + [0] * 9
        assert stats.monthly_counts_by_measure(2025)["M1-1"][11] == 1  # 2026-03-31 is March of 2025年度
    html = client.get("/mieruka/?year=2025").get_data(as_text=True)
    row = html.split('id="m-measure-trend"')[1].split('<th scope="row">M5-2</th>')[1].split("</tr>")[0]
    assert row.startswith("<td>1</td><td>0</td><td>1</td>") and row.endswith("<td>2</td>")


def test_a_page_number_past_any_integer_column_shows_the_last_page(app, client):
    """Does ?page=99999999999999999999 (or junk, or a negative page) show a page instead of a server error?"""
    with app.app_context():
        make_user("admin", "admin")
        _publish_all(pii_voices(1))
    for page in ("99999999999999999999", str(2**63), str(2**31), "-99999999999999999999", "abc", "0"):
        response = client.get(f"/mieruka/?page={page}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200, page
        assert "公開している声と回答（1件）" in html and "ご意見ありがとうございます" in html, page


def test_each_page_of_published_voices_has_its_own_title(app, client):
    """WCAG 2.4.2: are page 1 and page 2 of the published voices told apart by their titles?"""
    import re

    with app.app_context():
        make_user("admin", "admin")
        _publish_all(pii_voices(21))  # one more than a page holds
    titles = [re.search(r"<title>(.*?)</title>", client.get(f"/mieruka/?page={page}").get_data(as_text=True)).group(1)
              for page in (1, 2)]
    assert titles[0] != titles[1]
    assert "2/2ページ" in titles[1]
