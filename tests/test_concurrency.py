"""Two staff members acting on the same voice at the same moment, on PostgreSQL (as two gunicorn workers
do): each action locks the voice, so the second one sees what the first committed and happens once.

To make "the same moment" certain, a third connection holds the voice's row lock while both requests
start; both read the voice only after it lets go.
"""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import create_engine, func, select, text

from models import User, Voice, VoiceEvent, db
from routing import workflow
from tests.section_fixtures import build_world
from voices.access import PermissionDenied

pytestmark = pytest.mark.postgres


@pytest.fixture
def world(pg_inprocess_app):
    with pg_inprocess_app.app_context():
        return build_world()


def _at_once(app, voice_id: int, *actions) -> list[object]:
    """Run each ``action(user)`` (login id or None, callable) in a thread of its own, as its own request
    or job, all started while another connection holds the voice's row lock; returns each outcome or
    exception."""
    outcomes: list[object] = [None] * len(actions)

    def run(index, login_id, action):
        with app.app_context():
            user = db.session.scalar(select(User).where(User.login_id == login_id)) if login_id else None
            try:
                outcomes[index] = action(user)
            except Exception as error:  # noqa: BLE001 — the outcome is what the test asserts on
                db.session.rollback()
                outcomes[index] = error

    blocker = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with blocker.connect() as holder:
        holder.execute(text("SELECT id FROM voices WHERE id = :id FOR UPDATE"), {"id": voice_id})
        threads = [threading.Thread(target=run, args=(i, login_id, action))
                   for i, (login_id, action) in enumerate(actions)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)  # both requests are now waiting on the voice (or, unlocked, past their reads)
        holder.commit()
    for thread in threads:
        thread.join(timeout=30)
    blocker.dispose()
    return outcomes


def _events(voice_id: int, kind: str) -> int:
    return db.session.scalar(select(func.count()).select_from(VoiceEvent)
                             .where(VoiceEvent.voice_id == voice_id, VoiceEvent.kind == kind))


def test_two_accepts_at_once_accept_once(pg_inprocess_app, world):
    accept = lambda user: workflow.accept(world.voice_id, user)
    outcomes = _at_once(pg_inprocess_app, world.voice_id, ("kankyo", accept), ("kankyo-head", accept))
    assert not [o for o in outcomes if isinstance(o, Exception)]
    with pg_inprocess_app.app_context():
        assert db.session.get(Voice, world.voice_id).status == "in_progress"
        assert _events(world.voice_id, "accepted") == 1


def test_two_forwards_at_once_forward_once_and_the_second_is_told_it_is_no_longer_theirs(pg_inprocess_app, world):
    forward = lambda user: workflow.forward(world.voice_id, world.kensetsu_id, "建設課の所管", user)
    outcomes = _at_once(pg_inprocess_app, world.voice_id, ("kankyo", forward), ("kankyo-head", forward))
    assert sum(isinstance(o, PermissionDenied) for o in outcomes) == 1, outcomes
    with pg_inprocess_app.app_context():
        voice = db.session.get(Voice, world.voice_id)
        assert voice.forward_count == 1 and voice.section_id == world.kensetsu_id
        assert _events(world.voice_id, "forwarded") == 1


def test_a_double_click_on_forward_reaching_two_workers_forwards_once_without_an_error(pg_inprocess_app, world):
    forward = lambda user: workflow.forward(world.voice_id, world.kensetsu_id, "建設課の所管", user)
    outcomes = _at_once(pg_inprocess_app, world.voice_id, ("kankyo", forward), ("kankyo", forward))
    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    with pg_inprocess_app.app_context():
        assert db.session.get(Voice, world.voice_id).forward_count == 1
        assert _events(world.voice_id, "forwarded") == 1


def test_an_answer_sent_twice_at_once_is_sent_and_e_mailed_once(pg_inprocess_app, world):
    from models import JobRecord
    from routing import replies

    with pg_inprocess_app.app_context():
        by = {u.login_id: u for u in db.session.scalars(select(User))}
        reply = replies.save_draft(world.voice_id, "ご連絡ありがとうございました。", by["kankyo"])
        replies.submit_for_approval(reply.id, by["kankyo"])
        reply_id = replies.approve(reply.id, by["kankyo-head"]).id
    send = lambda user: replies.send(reply_id, "email", user)
    outcomes = _at_once(pg_inprocess_app, world.voice_id, ("kankyo", send), ("kankyo-head", send))
    assert not [o for o in outcomes if isinstance(o, Exception)]
    with pg_inprocess_app.app_context():
        assert _events(world.voice_id, "reply_sent") == 1
        assert db.session.scalar(select(func.count()).select_from(JobRecord)
                                 .where(JobRecord.key == f"send_reply_email:{reply_id}")) == 1


def test_asking_for_approval_twice_at_once_makes_one_pending_reply(pg_inprocess_app, world):
    """The double click on 「承認を依頼する」 reaching two workers: what the view does, twice at once."""
    from models import Reply
    from routing import replies

    def ask(user):
        return replies.submit_for_approval(replies.save_draft(world.voice_id, "回答です", user).id, user).id

    # the first pair races on a voice with no reply yet; the later pairs find the reply already pending
    for _ in range(3):
        outcomes = _at_once(pg_inprocess_app, world.voice_id, ("kankyo", ask), ("kankyo", ask))
        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        assert outcomes[0] == outcomes[1]
    with pg_inprocess_app.app_context():
        assert [r.state for r in db.session.scalars(select(Reply).where(Reply.voice_id == world.voice_id))] == ["pending"]
        assert _events(world.voice_id, "reply_submitted") == 1


@pytest.mark.redis
def test_a_routing_job_run_by_two_workers_at_once_routes_the_voice_once(pg_app):
    """The outbox may hand a job to Redis again while a worker still runs it: the voice is classified,
    assigned and counted once."""
    from models import Classification
    from routing.service import route_voice
    from voices.intake import submit
    from voices.validation import VoiceInput

    with pg_app.app_context():
        voice_id = submit(VoiceInput(body="公園のトイレが壊れています。", voice_type="苦情", consent_privacy=True)).voice_id
        assert db.session.get(Voice, voice_id).status == "received"  # queued in Redis, not run
    route = lambda _user: route_voice(voice_id).result
    outcomes = _at_once(pg_app, voice_id, (None, route), (None, route))
    assert outcomes.count("already_routed") == 1 and set(outcomes) - {"already_routed"} <= {"assigned", "triage"}, outcomes
    with pg_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Classification)
                                 .where(Classification.voice_id == voice_id)) == 1
        assert _events(voice_id, "classified") == 1


def test_a_double_click_that_reaches_two_workers_stores_one_voice_and_gives_both_the_same_receipt(pg_inprocess_app):
    from voices.intake import submit
    from voices.validation import VoiceInput

    app, start = pg_inprocess_app, threading.Barrier(2)
    receipts: list[object] = [None, None]

    def click(index):
        with app.app_context():
            data = VoiceInput(body="駅前の駐輪場を増やしてください。", voice_type="要望", consent_privacy=True,
                              client_token="same-form-token-0001")
            start.wait()
            receipts[index] = submit(data)

    threads = [threading.Thread(target=click, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert receipts[0].receipt_no == receipts[1].receipt_no and receipts[0].access_code == receipts[1].access_code
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Voice)) == 1
