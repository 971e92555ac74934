"""Retention: once a finished voice's period is over (counted from April 1 of the next 年度), is its
personal data purged everywhere it was written, while the voice stays counted and its receipt works?"""
from __future__ import annotations

import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, update

from models import Assignment, AuditLog, Reply, User, Voice, VoiceEvent, VoiceMeasure, db, set_setting
from routing import replies, workflow
from tests.section_fixtures import build_world, routed_voice
from tests.support import csrf_token_from, login
from voices.retention import purge_date, purge_due

JST = ZoneInfo("Asia/Tokyo")
BODY = ("山田太郎です。自宅前（つくばみらい市小張123-4）の側溝のふたが割れています。"
        "連絡は 090-1111-2222 か taro.yamada@example.jp までお願いします。")
NAME_AND_CONTACTS = ("山田", "太郎", "090-1111-2222", "taro.yamada@example.jp", "小張123-4", "080-3333-4444")


@pytest.fixture
def app(app_on_both_databases):
    return app_on_both_databases


@pytest.fixture
def finished(app):
    """A voice that went through notes, a forward, an answer sent by post and 完了, finished on 2026-06-10."""
    with app.app_context():
        build_world()
        staff = {u.login_id: u for u in db.session.scalars(select(User))}
        voice_id, receipt_no, code = routed_voice(BODY, name="山田太郎", email="taro.yamada@example.jp",
                                                  phone="080-3333-4444")
        hearing, kensetsu = staff["hearing"], staff["kensetsu"]
        workflow.add_note(voice_id, "山田太郎さんに 090-1111-2222 で折り返し済み", hearing)
        if db.session.get(Voice, voice_id).section_id != kensetsu.section_id:
            workflow.forward(voice_id, kensetsu.section_id, "山田様宅前の側溝のため建設課へ", hearing)
        reply = replies.save_draft(voice_id, "山田太郎 様\n側溝のふたを交換しました。", staff["kensetsu"])
        replies.submit_for_approval(reply.id, staff["kensetsu"])
        replies.return_for_changes(reply.id, "山田太郎様の 090-1111-2222 は書かないでください", staff["kensetsu-head"])
        reply = replies.save_draft(voice_id, "山田太郎 様\n側溝のふたを交換しました。", staff["kensetsu"], reply.id)
        replies.submit_for_approval(reply.id, staff["kensetsu"])
        replies.approve(reply.id, staff["kensetsu-head"])
        replies.send(reply.id, "post", staff["kensetsu"])
        workflow.close(voice_id, staff["kensetsu"])
        db.session.execute(update(Voice).where(Voice.id == voice_id)
                           .values(closed_at=datetime(2026, 6, 10, 15, 0, tzinfo=JST)))
        db.session.commit()
        return voice_id, receipt_no, code


def _everything_written_about(voice_id: int) -> str:
    """Every text the database holds for the voice, as one string."""
    voice = db.session.get(Voice, voice_id)
    parts = [voice.subject, voice.body, voice.search_tokens, voice.submitter_name, voice.submitter_email,
             voice.submitter_phone]
    parts += [f"{r.body}\n{r.return_reason}" for r in db.session.scalars(select(Reply).where(Reply.voice_id == voice_id))]
    parts += [a.reason for a in db.session.scalars(select(Assignment).where(Assignment.voice_id == voice_id))]
    parts += [json.dumps(d, ensure_ascii=False)
              for d in db.session.scalars(select(VoiceEvent.data).where(VoiceEvent.voice_id == voice_id))]
    parts += [" ".join(c.explanation) for c in voice.classifications]
    return "\n".join(parts)


def test_the_period_starts_on_april_1_of_the_next_fiscal_year():
    assert purge_date(datetime(2026, 6, 10, tzinfo=JST), 5) == date(2032, 4, 1)
    assert purge_date(datetime(2027, 3, 31, 23, 59, tzinfo=JST), 5) == date(2032, 4, 1)  # still 年度 2026
    assert purge_date(datetime(2027, 4, 1, 0, 0, tzinfo=JST), 5) == date(2033, 4, 1)
    # 2027-03-31 15:30 UTC is already April 1 in Japan.
    assert purge_date(datetime(2027, 3, 31, 15, 30, tzinfo=ZoneInfo("UTC")), 5) == date(2033, 4, 1)


def test_nothing_is_purged_the_day_before_and_everything_personal_is_purged_on_the_day(app, finished):
    voice_id, _, _ = finished
    with app.app_context():
        written = _everything_written_about(voice_id)
        assert all(item in written for item in ("山田", "090-1111-2222", "080-3333-4444"))
        assert purge_due(datetime(2032, 3, 31, 23, 59, tzinfo=JST)).purged == 0
        assert purge_due(datetime(2032, 4, 1, 0, 0, tzinfo=JST)).purged == 1
        written = _everything_written_about(voice_id)
        assert not [item for item in NAME_AND_CONTACTS if item in written], written
        voice = db.session.get(Voice, voice_id)
        assert "側溝" in voice.body and " 側溝 " in voice.search_tokens  # the voice itself stays readable
        assert "［氏名］" in voice.body and " 氏名 " not in voice.search_tokens  # placeholders are not words
        assert voice.personal_data_purged_at is not None
        assert voice.status == "closed" and voice.section.name == "建設課" and voice.voice_type == "苦情"
        purged = db.session.scalar(select(VoiceEvent).where(VoiceEvent.voice_id == voice_id,
                                                            VoiceEvent.kind == "personal_data_purged"))
        assert purged.data["retention_years"] == 5 and purged.data["events_rewritten"] >= 1
        # The administrator's audit log has the run; a second run finds nothing more to do.
        row = db.session.scalar(select(AuditLog).where(AuditLog.action == "retention.purge"))
        assert row.data["voices"] == 1 and row.data["receipt_numbers"] == [voice.receipt_no]
        assert purge_due(datetime(2033, 4, 1, tzinfo=JST)).purged == 0
        assert db.session.scalar(select(func.count()).select_from(AuditLog)
                                 .where(AuditLog.action == "retention.purge")) == 1


def test_the_citizen_can_still_see_that_the_voice_was_answered(app, finished):
    _, receipt_no, code = finished
    with app.app_context():
        purge_due(datetime(2032, 4, 1, tzinfo=JST))
    client = app.test_client()
    token = csrf_token_from(client.get("/status").get_data(as_text=True))
    html = client.post("/status", data={"receipt_no": receipt_no, "access_code": code, "csrf_token": token}
                       ).get_data(as_text=True)
    assert "側溝のふたを交換しました" in html and "山田" not in html


def test_a_dry_run_counts_and_changes_nothing(app, finished):
    voice_id, _, _ = finished
    with app.app_context():
        before = _everything_written_about(voice_id)
        result = purge_due(datetime(2032, 4, 1, tzinfo=JST), dry_run=True)
        assert (result.purged, result.dry_run, result.years) == (1, True, 5)
        assert _everything_written_about(voice_id) == before


def test_an_answered_voice_nobody_marked_finished_counts_from_its_answer(app, finished):
    voice_id, _, _ = finished
    with app.app_context():
        db.session.execute(update(Voice).where(Voice.id == voice_id).values(
            status="answered", closed_at=None, answered_at=datetime(2026, 6, 1, tzinfo=JST)))
        db.session.commit()
        assert purge_due(datetime(2032, 3, 31, tzinfo=JST)).purged == 0
        assert purge_due(datetime(2032, 4, 1, tzinfo=JST)).purged == 1


def test_the_administrators_period_decides_and_open_voices_are_never_purged(app, finished):
    voice_id, _, _ = finished
    with app.app_context():
        set_setting("retention.years", 10)
        db.session.commit()
        assert purge_due(datetime(2036, 4, 1, tzinfo=JST)).purged == 0
        open_id, _, _ = routed_voice(BODY, name="山田太郎")
        db.session.execute(update(Voice).where(Voice.id == open_id)
                           .values(received_at=datetime(2015, 4, 1, tzinfo=JST)))
        db.session.commit()
        assert purge_due(datetime(2037, 4, 1, tzinfo=JST)).purged == 1
        assert db.session.get(Voice, voice_id).personal_data_purged_at is not None
        assert db.session.get(Voice, open_id).submitter_name == "山田太郎"


def test_planner_counts_keep_the_purged_voice(app, finished):
    voice_id, _, _ = finished
    with app.app_context():
        measures = set(db.session.scalars(select(VoiceMeasure.measure_code).where(VoiceMeasure.voice_id == voice_id)))
        purge_due(datetime(2032, 4, 1, tzinfo=JST))
        assert set(db.session.scalars(select(VoiceMeasure.measure_code)
                                      .where(VoiceMeasure.voice_id == voice_id))) == measures
        assert db.session.get(Voice, voice_id) is not None


def test_staff_see_that_the_data_was_purged_and_the_admin_sees_what_is_due(app, finished):
    voice_id, _, _ = finished
    with app.app_context():
        purge_due(datetime(2032, 4, 1, tzinfo=JST))
    client = app.test_client()
    login(client, "kensetsu")
    page = client.get(f"/staff/voices/{voice_id}").get_data(as_text=True)
    assert 'id="purged-notice"' in page and "個人情報を消去しました" in page
    assert "保存期間の経過により個人情報を消去" in page  # the timeline names the event
    admin = app.test_client()
    login(admin, "admin")
    settings = admin.get("/admin/settings").get_data(as_text=True)
    assert 'id="retention_years"' in settings and 'value="5"' in settings
    assert "次の定時処理で個人情報を消去する声: 0 件" in settings


def test_the_command_and_the_daily_job(app, finished):
    from routing.jobs import JOBS
    from routing.schedule import DAILY_JOBS

    assert "purge_personal_data" in JOBS and "purge_personal_data" in {job.kind for job in DAILY_JOBS}
    result = app.test_cli_runner().invoke(args=["retention-purge", "--dry-run"])
    assert result.exit_code == 0 and "消去の対象: 0 件（保存期間 5 年）" in result.output  # today: not yet due
