"""Voice ↔ measure ↔ action item: can staff confirm, remove and add measures, link action items, mark 反映済?"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from models import User, Voice, VoiceActionItem, VoiceEvent, VoiceMeasure, VoiceReflection, db
from routing import links
from routing.service import RoutingError
from tests.planner_fixtures import action_item
from tests.section_fixtures import build_world
from tests.support import csrf_token_from, login
from voices.access import PermissionDenied


@pytest.fixture
def app(app_on_both_databases):
    """Every test here runs on SQLite and on PostgreSQL."""
    return app_on_both_databases


@pytest.fixture
def world(app):
    with app.app_context():
        w = build_world()
        w.item = action_item("AP-2-3-01", "M2-3", "ごみ集積所の管理強化と収集時間の見直し",
                             "ごみの収集 時間 集積所 カラス 対策", section="生活環境課").id
        w.other = action_item("AP-5-2-01", "M5-2", "電子申請の拡充", "オンライン 申請 手続き").id
        yield w


def _user(login_id: str) -> User:
    return db.session.scalar(select(User).where(User.login_id == login_id))


def _codes(voice_id: int) -> dict[str, str]:
    return dict(db.session.execute(select(VoiceMeasure.measure_code, VoiceMeasure.source)
                                   .where(VoiceMeasure.voice_id == voice_id)).all())


def test_staff_confirm_add_and_remove_measures(app, world):
    with app.app_context():
        staff = _user("kankyo")
        links.add_measure(world.voice_id, "m5-3", staff)
        assert _codes(world.voice_id)["M5-3"] == "staff"
        links.add_measure(world.voice_id, "M5-3", staff)  # twice: one effect
        links.remove_measure(world.voice_id, "M5-3", staff)
        assert "M5-3" not in _codes(world.voice_id)
        kinds = db.session.scalars(select(VoiceEvent.kind).where(VoiceEvent.voice_id == world.voice_id)).all()
        assert kinds.count("measure_confirmed") == 1 and kinds.count("measure_removed") == 1
        with pytest.raises(RoutingError):
            links.add_measure(world.voice_id, "M9-9", staff)


def test_linking_an_action_item_confirms_its_measure(app, world):
    with app.app_context():
        staff = _user("kankyo")
        links.link_action_item(world.voice_id, world.item, staff)
        links.link_action_item(world.voice_id, world.item, staff)
        assert db.session.scalar(select(db.func.count()).select_from(VoiceActionItem)) == 1
        assert _codes(world.voice_id)["M2-3"] == "staff"
        links.unlink_action_item(world.voice_id, world.item, staff)
        assert db.session.scalar(select(db.func.count()).select_from(VoiceActionItem)) == 0


def test_a_voice_is_marked_reflected_with_what_was_done(app, world):
    with app.app_context():
        links.mark_reflected(world.voice_id, "収集業者に指導し、収集時間を9時までに改めました。", _user("kankyo"))
        reflection = db.session.get(VoiceReflection, world.voice_id)
        assert "収集時間" in reflection.content
        with pytest.raises(RoutingError):
            links.mark_reflected(world.voice_id, "  ", _user("kankyo"))


@pytest.mark.parametrize("login_id", ["kensetsu", "planner", "counter"])
def test_who_may_not_change_a_voices_measures(app, world, login_id):
    """Section staff of another 課, planners and the counter may not."""
    with app.app_context(), pytest.raises(PermissionDenied):
        links.add_measure(world.voice_id, "M5-3", _user(login_id))


def test_the_voice_page_suggests_the_most_similar_action_items(app, world):
    with app.app_context():
        voice = db.session.get(Voice, world.voice_id)
        suggestions = links.suggest_action_items(voice)
        assert suggestions and suggestions[0].item.code == "AP-2-3-01"


def test_staff_use_the_planning_block_on_the_voice_page(app, client, world):
    login(client, "kankyo")
    page = client.get(f"/staff/voices/{world.voice_id}").get_data(as_text=True)
    assert 'id="planning-heading"' in page and "AP-2-3-01" in page and "内容が近いアクションプラン" in page
    token = csrf_token_from(page)
    response = client.post(f"/staff/voices/{world.voice_id}/action-items",
                           data={"csrf_token": token, "action_item_id": world.item, "op": "link"})
    assert response.status_code == 302
    response = client.post(f"/staff/voices/{world.voice_id}/reflection",
                           data={"csrf_token": token, "content": "集積所にネットを配布しました。"})
    assert response.status_code == 302
    page = client.get(f"/staff/voices/{world.voice_id}").get_data(as_text=True)
    assert "反映済" in page and "集積所にネットを配布しました。" in page
    assert client.post(f"/staff/voices/{world.voice_id}/reflection", data={"content": "x"}).status_code == 400


def test_staff_of_another_section_cannot_post_links(app, client, world):
    login(client, "kensetsu")
    page = client.get("/staff/queue").get_data(as_text=True)
    response = client.post(f"/staff/voices/{world.voice_id}/measures",
                           data={"csrf_token": csrf_token_from(page), "code": "M5-3", "op": "add"})
    assert response.status_code == 404
