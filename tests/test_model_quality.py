"""Does the administrator see how the model does on the city's own voices: its 課 against the 課 staff
confirmed, per month, with the model's own routings and how many of them stayed?"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from models import Section, Voice, db
from routing.model_quality import model_quality
from routing.workflow import accept, forward
from tests.section_fixtures import routed_voice
from tests.support import make_user
from tests.test_admin import signed_in_admin

JST = ZoneInfo("Asia/Tokyo")
GARBAGE = "ごみ集積所にカラスが群がって生ごみが散らかっています。ネットを配ってください。"
ROAD = "市道の舗装に大きな穴があいていて、自転車で通ると危ないです。早く直してください。"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=JST)


@pytest.fixture
def app(app_on_both_databases):
    return app_on_both_databases


def section(name: str) -> Section:
    return db.session.scalar(select(Section).where(Section.name == name))


def received(voice_id: int, year: int, month: int, day: int = 15) -> None:
    db.session.get(Voice, voice_id).received_at = datetime(year, month, day, 0, 30, tzinfo=JST)  # JST date
    db.session.commit()


def test_the_model_is_measured_against_the_sections_staff_confirmed(app):
    with app.app_context():
        staff = make_user("kankyo", "section_staff", "生活環境課")
        road_staff = make_user("kensetsu", "section_staff", "建設課")
        kept, _, _ = routed_voice(GARBAGE)  # the model routes it, and the 課 accepts it
        assert db.session.get(Voice, kept).section.name == "生活環境課"
        accept(kept, staff)
        moved, _, _ = routed_voice(GARBAGE)  # the model routes it, and the 課 passes it on
        forward(moved, section("建設課").id, "道路上のごみのため", staff)
        chosen, _, _ = routed_voice(ROAD, section_name="建設課")  # staff chose the 課 at the counter
        assert db.session.get(Voice, chosen).assignments[0].decided_by == "staff"
        unconfirmed, _, _ = routed_voice(ROAD)  # nobody has looked at it yet: not counted
        accept(chosen, road_staff)
        received(kept, 2026, 10, 31)  # 2026-10-31 00:30 JST is still October in Japan
        received(moved, 2026, 11)
        received(chosen, 2026, 11)
        report = model_quality(now=NOW)
        rows = report.rows
        assert [r.month for r in rows] == ["2026-11", "2026-10", ""]
        november, october, total = rows
        assert (october.confirmed, october.top1, october.auto_routed, october.auto_kept) == (1, 1, 1, 1)
        assert (november.confirmed, november.top1, november.auto_routed, november.auto_kept) == (2, 1, 1, 0)
        assert (total.confirmed, total.top1, total.auto_routed, total.auto_kept) == (3, 2, 2, 1)
        assert total.top3 >= total.top1 and total.top1_rate == pytest.approx(2 / 3)
        assert total.kept_rate == pytest.approx(0.5)
        assert report.confusions == [("建設課", "生活環境課", 1)]  # the forwarded voice
        received(kept, 2024, 4)  # outside the last 12 months
        assert model_quality(now=NOW).rows[-1].confirmed == 2
        assert db.session.get(Voice, unconfirmed).section_confirmed is False


def test_a_reorganization_does_not_turn_right_answers_wrong(app):
    """The model said 生活環境課 for a voice confirmed there; the 課 was then renamed and later merged
    into a new 環境課. The answer stays right."""
    with app.app_context():
        staff = make_user("kankyo", "section_staff", "生活環境課")
        voice_id, _, _ = routed_voice(GARBAGE)
        accept(voice_id, staff)
        received(voice_id, 2026, 11)
        before = model_quality(now=NOW).rows[-1]
        old = section("生活環境課")
        old.name = "環境保全課"
        successor = Section(name="環境課", department=old.department)
        db.session.add(successor)
        db.session.flush()
        voice = db.session.get(Voice, voice_id)
        voice.status = "closed"
        old.active, old.successor_id = False, successor.id
        db.session.commit()
        after = model_quality(now=NOW).rows[-1]
        assert (before.top1, after.top1, after.auto_kept) == (1, 1, 1)


def test_the_model_page_shows_the_months(app):
    client = signed_in_admin(app)
    assert "担当課が確定した声はまだありません" in client.get("/admin/model").get_data(as_text=True)
    with app.app_context():
        staff = make_user("kankyo", "section_staff", "生活環境課")
        voice_id, _, _ = routed_voice(GARBAGE)
        accept(voice_id, staff)
        month = db.session.get(Voice, voice_id).received_at.astimezone(JST).strftime("%Y-%m")
    page = client.get("/admin/model").get_data(as_text=True)
    assert f'<th scope="row">{month}</th>' in page and "100.0%（1件）" in page


def test_the_command_prints_the_same_figures(app):
    runner = app.test_cli_runner()
    assert "担当課が確定した声はまだありません" in runner.invoke(args=["model-quality"]).output
    with app.app_context():
        staff = make_user("kankyo", "section_staff", "生活環境課")
        voice_id, _, _ = routed_voice(GARBAGE)
        accept(voice_id, staff)
    result = runner.invoke(args=["model-quality", "--months", "1"])
    assert result.exit_code == 0, result.output
    total = result.output.strip().splitlines()[-1].split()
    assert total[:4] == ["合計", "1", "100.0%", "100.0%"] and total[5] == "100.0%"
    assert total[-2:] == ["—", "(0)"]  # no measures confirmed by staff yet


def test_the_model_page_lists_what_the_model_took_for_what(app):
    client = signed_in_admin(app)
    with app.app_context():
        staff = make_user("kankyo", "section_staff", "生活環境課")
        voice_id, _, _ = routed_voice(GARBAGE)
        forward(voice_id, section("建設課").id, "道路上のごみのため", staff)
    page = client.get("/admin/model").get_data(as_text=True)
    assert "建設課の声を生活環境課と判断：1件" in page


def test_measures_are_measured_where_staff_confirmed_them(app):
    """The model's measure codes against the ones staff confirmed (by hand or by linking an action
    item); voices without confirmed measures do not count."""
    from models import Classification, VoiceMeasure

    with app.app_context():
        staff = make_user("kankyo", "section_staff", "生活環境課")
        checked, _, _ = routed_voice(GARBAGE)
        unchecked, _, _ = routed_voice(GARBAGE)
        for voice_id in (checked, unchecked):
            accept(voice_id, staff)
        classification = db.session.scalar(select(Classification).where(Classification.voice_id == checked))
        classification.measures = ["M5-2", "M6-3"]
        db.session.add_all([VoiceMeasure(voice_id=checked, measure_code="M6-3", source="staff"),
                            VoiceMeasure(voice_id=checked, measure_code="M1-1", source="staff"),
                            VoiceMeasure(voice_id=unchecked, measure_code="M2-2", source="model")])
        db.session.commit()
        total = model_quality().rows[-1]
        assert (total.confirmed, total.measured) == (2, 1)
        assert (total.measures_tp, total.measures_fp, total.measures_fn) == (1, 1, 1)
        assert total.measures_f1 == pytest.approx(0.5)
