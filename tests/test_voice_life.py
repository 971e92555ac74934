"""The whole life of a voice: routed, accepted, forwarded, shared, answered with approval, e-mailed, closed,
on SQLite and on PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import Assignment, Reply, Section, User, Voice, VoiceEvent, db
from tests.mail_server import LocalSMTP, subject_of, text_of
from tests.section_fixtures import build_world
from tests.support import csrf_token_from, login


@pytest.fixture
def app(app_on_both_databases):
    """Jobs run in-process on both: the database is what differs (the Redis path is test_flow's)."""
    return app_on_both_databases


@pytest.fixture
def smtp():
    server = LocalSMTP().start()
    yield server
    server.stop()


@pytest.fixture
def world(app, smtp):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
    with app.app_context():
        return build_world()


def _as(app, login_id):
    client = app.test_client()
    login(client, login_id)
    return client


def _post(client, path, **data):
    token = csrf_token_from(client.get("/staff/login").get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def _voice(app, voice_id) -> Voice:
    return db.session.get(Voice, voice_id)


def test_the_full_life_of_a_voice(app, world, smtp):
    v = f"/staff/voices/{world.voice_id}"
    kankyo = _as(app, "kankyo")
    assert world.receipt_no in kankyo.get("/staff/queue").get_data(as_text=True)
    assert _post(kankyo, f"{v}/accept").status_code == 302
    # a forward needs a reason
    _post(kankyo, f"{v}/forward", section_id=world.kensetsu_id, reason="")
    with app.app_context():
        assert _voice(app, world.voice_id).section.name == "生活環境課"
    _post(kankyo, f"{v}/forward", section_id=world.kensetsu_id, reason="道路上の散乱で建設課の所管")

    kensetsu = _as(app, "kensetsu")
    assert world.receipt_no in kensetsu.get("/staff/queue").get_data(as_text=True)
    assert world.receipt_no not in kankyo.get("/staff/queue").get_data(as_text=True)
    _post(kensetsu, f"{v}/related", section_id=world.kankyo_id, role="consult", note="収集業者への指導をお願いします")
    assert world.receipt_no in kankyo.get("/staff/queue?tab=shared").get_data(as_text=True)
    _post(kankyo, f"{v}/note", text="収集業者に指導済み")
    _post(kensetsu, f"{v}/accept")
    _post(kensetsu, f"{v}/reply", body="ご連絡ありがとうございます。道路の清掃を行い、収集業者にも指導しました。",
          submit_for_approval="1")
    with app.app_context():
        reply = db.session.scalar(select(Reply).where(Reply.voice_id == world.voice_id))
        assert reply.state == "pending"
        reply_id = reply.id
    # staff cannot approve their own reply; the head can
    assert _post(kensetsu, f"{v}/replies/{reply_id}/approve").status_code == 403
    head = _as(app, "kensetsu-head")
    assert _post(head, f"{v}/replies/{reply_id}/approve").status_code == 302
    assert _post(kensetsu, f"{v}/replies/{reply_id}/send", method="email").status_code == 302

    with app.app_context():
        voice = _voice(app, world.voice_id)
        assert voice.status == "answered" and voice.answered_at is not None
        assert voice.forward_count == 1
        assert db.session.get(Reply, reply_id).emailed_at is not None
        kinds = [e.kind for e in voice.events]
        for kind in ["received", "classified", "assigned", "accepted", "forwarded", "related_added", "note",
                     "reply_drafted", "reply_submitted", "reply_approved", "reply_sent", "reply_emailed"]:
            assert kind in kinds, kind
        assert all(e.actor_label for e in voice.events)
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == "taro@example.jp"
    assert world.receipt_no in subject_of(message)
    assert "道路の清掃を行い" in text_of(message) and "山田太郎 様" in text_of(message)

    status = app.test_client()
    token = csrf_token_from(status.get("/status").get_data(as_text=True))
    html = status.post("/status", data={"receipt_no": world.receipt_no, "access_code": world.access_code,
                                        "csrf_token": token}).get_data(as_text=True)
    assert "回答済" in html and "道路の清掃を行い" in html
    assert "収集業者に指導済み" not in html  # internal notes never reach the citizen

    assert _post(kensetsu, f"{v}/close").status_code == 302
    with app.app_context():
        assert _voice(app, world.voice_id).status == "closed"
        assert _voice(app, world.voice_id).section_confirmed  # a training label now


def test_a_returned_reply_goes_back_to_its_author(app, world):
    v = f"/staff/voices/{world.voice_id}"
    staff, head = _as(app, "kankyo"), _as(app, "kankyo-head")
    _post(staff, f"{v}/reply", body="回答案です。", submit_for_approval="1")
    with app.app_context():
        reply_id = db.session.scalar(select(Reply.id))
    assert _post(head, f"{v}/replies/{reply_id}/return", reason="").status_code == 302  # refused: no reason
    with app.app_context():
        assert db.session.get(Reply, reply_id).state == "pending"
    _post(head, f"{v}/replies/{reply_id}/return", reason="経緯を追記してください")
    with app.app_context():
        reply = db.session.get(Reply, reply_id)
        assert (reply.state, reply.return_reason) == ("returned", "経緯を追記してください")
    assert "経緯を追記してください" in staff.get(v).get_data(as_text=True)


def test_double_clicks_have_one_effect(app, world, smtp):
    v = f"/staff/voices/{world.voice_id}"
    staff, head = _as(app, "kankyo"), _as(app, "kankyo-head")
    for _ in range(2):
        _post(staff, f"{v}/accept")
        _post(staff, f"{v}/note", text="現地確認の予定")
        _post(staff, f"{v}/related", section_id=world.kensetsu_id, role="inform")
    _post(staff, f"{v}/reply", body="対応しました。", submit_for_approval="1")
    with app.app_context():
        reply_id = db.session.scalar(select(Reply.id))
    for _ in range(2):
        _post(head, f"{v}/replies/{reply_id}/approve")
    for _ in range(2):
        _post(staff, f"{v}/replies/{reply_id}/send", method="email")
    for _ in range(2):
        _post(staff, f"{v}/forward", section_id=world.kensetsu_id, reason="所管違い")
    with app.app_context():
        def count(kind):
            return db.session.scalar(select(func.count(VoiceEvent.id)).where(
                VoiceEvent.voice_id == world.voice_id, VoiceEvent.kind == kind))
        for kind in ("accepted", "note", "related_added", "reply_approved", "reply_sent", "reply_emailed"):
            assert count(kind) == 1, kind
        assert count("forwarded") == 0  # an answered voice is not forwarded
        related = db.session.scalar(select(func.count(Assignment.id)).where(
            Assignment.voice_id == world.voice_id, Assignment.role == "inform"))
        assert related == 1
    assert len(smtp.messages) == 1


def test_forwarding_twice_alerts_hearing_about_tarai_mawashi(app, world):
    v = f"/staff/voices/{world.voice_id}"
    _post(_as(app, "kankyo"), f"{v}/forward", section_id=world.kensetsu_id, reason="道路の件")
    _post(_as(app, "kensetsu"), f"{v}/forward", section_id=world.kankyo_id, reason="ごみの件")
    hearing = _as(app, "hearing")
    html = hearing.get("/staff/tarai").get_data(as_text=True)
    assert world.receipt_no in html and "2回" in html
    assert "生活環境課" in html and "建設課" in html
    with app.app_context():
        assert "tarai_alert" in [e.kind for e in _voice(app, world.voice_id).events]


def test_no_action_needs_a_reason_and_closes_the_voice(app, world):
    v = f"/staff/voices/{world.voice_id}"
    staff = _as(app, "kankyo")
    _post(staff, f"{v}/no-action", reason="bogus")
    with app.app_context():
        assert _voice(app, world.voice_id).status == "assigned"
    _post(staff, f"{v}/no-action", reason="duplicate", detail="2026-000001 と同じ")
    with app.app_context():
        voice = _voice(app, world.voice_id)
        assert (voice.status, voice.no_action_reason) == ("no_action", "duplicate")


def _count(voice_id, kind) -> int:
    return db.session.scalar(select(func.count(VoiceEvent.id)).where(
        VoiceEvent.voice_id == voice_id, VoiceEvent.kind == kind))


def _replies(voice_id) -> list[Reply]:
    return list(db.session.scalars(select(Reply).where(Reply.voice_id == voice_id).order_by(Reply.id)))


def test_asking_for_approval_twice_makes_one_reply_and_the_citizen_gets_one_answer(app, world):
    """Can a double click on 「承認を依頼する」 end with two answers sent to the citizen?"""
    v = f"/staff/voices/{world.voice_id}"
    staff, head = _as(app, "kankyo"), _as(app, "kankyo-head")
    for _ in range(2):
        assert _post(staff, f"{v}/reply", body="回答です", submit_for_approval="1").status_code == 302
    with app.app_context():
        assert [r.state for r in _replies(world.voice_id)] == ["pending"]
        assert _count(world.voice_id, "reply_submitted") == 1
        reply_id = _replies(world.voice_id)[0].id
    # a different text while one waits for approval is refused, with the reason, and changes nothing
    refused = _post(staff, f"{v}/reply", body="別の回答です", submit_for_approval="1")
    shown = staff.get(v) if refused.status_code == 302 else refused
    assert "この声の回答は承認待ちです。書き直すには、課長に差し戻してもらってください。" in shown.get_data(as_text=True)
    with app.app_context():
        replies = _replies(world.voice_id)
        assert [(r.state, r.body) for r in replies] == [("pending", "回答です")]
    _post(head, f"{v}/replies/{reply_id}/approve")
    for _ in range(2):
        _post(staff, f"{v}/replies/{reply_id}/send", method="post")
    with app.app_context():
        assert _count(world.voice_id, "reply_sent") == 1
        assert _voice(app, world.voice_id).status == "answered"


def test_a_second_approved_reply_is_not_sent_once_the_voice_has_its_answer(app, world):
    """Replies left over from before the fix: once one was sent, neither approving nor sending another works."""
    from routing import replies
    from routing.service import RoutingError

    with app.app_context():
        by = {u.login_id: u for u in db.session.scalars(select(User))}
        first = replies.save_draft(world.voice_id, "一通目", by["kankyo"])
        replies.submit_for_approval(first.id, by["kankyo"])
        replies.approve(first.id, by["kankyo-head"])
        second = Reply(voice_id=world.voice_id, body="二通目", author_id=by["kankyo"].id, state="approved")
        third = Reply(voice_id=world.voice_id, body="三通目", author_id=by["kankyo"].id, state="pending")
        db.session.add_all([second, third])
        db.session.commit()
        second_id, third_id = second.id, third.id
        replies.send(first.id, "phone", by["kankyo"])
        with pytest.raises(RoutingError, match="送付済み"):
            replies.send(second_id, "post", by["kankyo"])
        with pytest.raises(RoutingError, match="送付済み"):
            replies.approve(third_id, by["kankyo-head"])
        assert db.session.get(Reply, second_id).state == "approved"
        assert db.session.get(Reply, third_id).state == "pending"
        assert _count(world.voice_id, "reply_sent") == 1


def test_marking_no_action_withdraws_the_reply_waiting_for_approval(app, world):
    """Can a reply still be approved and sent after the voice was marked 対応なし?"""
    v = f"/staff/voices/{world.voice_id}"
    staff, head = _as(app, "kankyo"), _as(app, "kankyo-head")
    _post(staff, f"{v}/reply", body="回答です", submit_for_approval="1")
    with app.app_context():
        reply_id = _replies(world.voice_id)[0].id
    _post(staff, f"{v}/no-action", reason="duplicate")
    with app.app_context():
        assert db.session.get(Reply, reply_id).state == "withdrawn"
        assert _count(world.voice_id, "reply_withdrawn") == 1
    page = head.get(v).get_data(as_text=True)
    assert "承認する" not in page and "回答を送付する" not in page
    assert "回答を取り下げ" in page  # the timeline says what happened to it
    _post(head, f"{v}/replies/{reply_id}/approve")
    _post(staff, f"{v}/replies/{reply_id}/send", method="phone")
    with app.app_context():
        voice = _voice(app, world.voice_id)
        assert (voice.status, voice.no_action_reason) == ("no_action", "duplicate")
        assert voice.answered_at is None and voice.closed_at is not None
        assert _count(world.voice_id, "reply_approved") == 0 and _count(world.voice_id, "reply_sent") == 0


def test_a_finished_voice_refuses_approving_and_sending_a_reply_left_open(app, world):
    """A reply left pending or approved on a voice already 対応なし or 完了 (older data) is neither approved nor sent."""
    from routing import replies
    from routing.service import RoutingError

    with app.app_context():
        by = {u.login_id: u for u in db.session.scalars(select(User))}
        pending = Reply(voice_id=world.voice_id, body="承認待ち", author_id=by["kankyo"].id, state="pending")
        approved = Reply(voice_id=world.voice_id, body="承認済", author_id=by["kankyo"].id, state="approved")
        db.session.add_all([pending, approved])
        voice = _voice(app, world.voice_id)
        voice.status, voice.no_action_reason = "no_action", "spam"
        db.session.commit()
        pending_id, approved_id = pending.id, approved.id
        with pytest.raises(RoutingError, match="対応が終わった声"):
            replies.approve(pending_id, by["kankyo-head"])
        with pytest.raises(RoutingError, match="対応が終わった声"):
            replies.send(approved_id, "phone", by["kankyo"])
        assert _voice(app, world.voice_id).status == "no_action"
    page = _as(app, "kankyo-head").get(f"/staff/voices/{world.voice_id}").get_data(as_text=True)
    assert "承認する" not in page and "回答を送付する" not in page


def test_closing_a_voice_that_wants_no_answer_withdraws_its_draft(app, world):
    v = f"/staff/voices/{world.voice_id}"
    staff = _as(app, "kankyo")
    with app.app_context():
        _voice(app, world.voice_id).wants_reply = False
        db.session.commit()
    _post(staff, f"{v}/reply", body="念のための下書き")
    _post(staff, f"{v}/close")
    with app.app_context():
        assert _voice(app, world.voice_id).status == "closed"
        assert [r.state for r in _replies(world.voice_id)] == ["withdrawn"]
        assert _count(world.voice_id, "reply_withdrawn") == 1


def test_forwarding_withdraws_the_old_sections_reply_waiting_for_approval(app, world):
    """Could 建設課's head approve, and its staff send, the answer 生活環境課 drafted before forwarding?"""
    v = f"/staff/voices/{world.voice_id}"
    staff = _as(app, "kankyo")
    _post(staff, f"{v}/reply", body="生活環境課からの回答です", submit_for_approval="1")
    _post(staff, f"{v}/forward", section_id=world.kensetsu_id, reason="道路上の散乱で建設課の所管")
    with app.app_context():
        assert [r.state for r in _replies(world.voice_id)] == ["withdrawn"]
        event = db.session.scalar(select(VoiceEvent).where(VoiceEvent.voice_id == world.voice_id,
                                                           VoiceEvent.kind == "reply_withdrawn"))
        assert event.data["reason"] == "建設課へ転送したため"
        assert _voice(app, world.voice_id).section.name == "建設課"


def test_a_consulted_section_that_becomes_responsible_is_no_longer_a_related_one(app, world):
    """Forwarded to the 課 it was consulting: 担当課 and 関係課 of one voice at once would be a contradiction."""
    from routing import workflow

    with app.app_context():
        kankyo = db.session.scalar(select(User).where(User.login_id == "kankyo"))
        workflow.add_related(world.voice_id, world.kensetsu_id, "consult", kankyo)
        workflow.forward(world.voice_id, world.kensetsu_id, "道路上の散乱で建設課の所管", kankyo)
        active = [(a.section_id, a.role) for a in db.session.scalars(
            select(Assignment).where(Assignment.voice_id == world.voice_id, Assignment.active.is_(True)))]
        assert active == [(world.kensetsu_id, "primary")]


def test_after_forwarding_the_section_lands_on_its_queue_not_on_a_missing_page(app, world):
    """Where does 生活環境課 land after forwarding a voice it can then no longer see?"""
    v = f"/staff/voices/{world.voice_id}"
    staff = _as(app, "kankyo")
    response = _post(staff, f"{v}/forward", section_id=world.kensetsu_id, reason="道路上の散乱で建設課の所管")
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/queue")
    queue = staff.get(response.headers["Location"])
    assert queue.status_code == 200 and "転送しました。" in queue.get_data(as_text=True)
    # 広聴 still sees the voice after forwarding it, so it stays on the voice page
    back = _post(_as(app, "hearing"), f"{v}/forward", section_id=world.kankyo_id, reason="ごみの件")
    assert back.headers["Location"].endswith(v)


def test_a_double_click_on_forward_lands_on_the_queue_twice_and_forwards_once(app, world):
    """The second click reaches a voice its sender can no longer see: it is told the forward happened."""
    v = f"/staff/voices/{world.voice_id}"
    staff = _as(app, "kankyo")
    for _ in range(2):
        response = _post(staff, f"{v}/forward", section_id=world.kensetsu_id, reason="建設課の所管")
        assert response.status_code == 302 and response.headers["Location"].endswith("/staff/queue")
        assert "転送しました。" in staff.get("/staff/queue").get_data(as_text=True)
    with app.app_context():
        assert _voice(app, world.voice_id).forward_count == 1 and _count(world.voice_id, "forwarded") == 1
    # anyone else posting a forward of a voice they cannot see still finds nothing there
    assert _post(_as(app, "kankyo-head"), f"{v}/forward", section_id=world.kensetsu_id,
                 reason="建設課の所管").status_code == 404


def test_a_voice_a_section_sends_back_to_hearing_waits_on_the_triage_list(app, world):
    """When 生活環境課 says "not ours" and forwards to the 広聴 desk, does 広聴 find it where it decides
    routings, without the citizen reading 秘書広報課 as the 課 that answers, or the model learning it?"""
    v = f"/staff/voices/{world.voice_id}"
    staff = _as(app, "kankyo")
    _post(staff, f"{v}/accept")
    with app.app_context():
        hearing_id = db.session.scalar(select(Section.id).where(Section.is_hearing.is_(True)))
    _post(staff, f"{v}/forward", section_id=hearing_id, reason="当課の所管ではありません。振り分け直してください。")
    with app.app_context():
        voice = _voice(app, world.voice_id)
        assert (voice.status, voice.section_id, voice.section_confirmed) == ("triage", hearing_id, False)
        assert voice.forward_count == 1
    hearing = _as(app, "hearing")
    assert world.receipt_no in hearing.get("/staff/triage").get_data(as_text=True)
    citizen = app.test_client()
    status = citizen.post("/status", data={
        "receipt_no": world.receipt_no, "access_code": world.access_code,
        "csrf_token": csrf_token_from(citizen.get("/status").get_data(as_text=True))})
    assert "担当課を決めています" in status.get_data(as_text=True)
    # 広聴 then routes it as any triaged voice
    _post(hearing, f"{v}/assign", section_id=world.kensetsu_id, reason="道路の件")
    with app.app_context():
        voice = _voice(app, world.voice_id)
        assert (voice.status, voice.section.name, voice.section_confirmed) == ("assigned", "建設課", True)


def test_the_forward_list_says_which_choice_returns_a_voice_to_triage(app, world):
    page = _as(app, "kankyo").get(f"/staff/voices/{world.voice_id}").get_data(as_text=True)
    forward = page.split('id="forward-section"')[1].split("</select>")[0]
    assert "秘書広報課（広聴の振り分けに戻す）" in forward
