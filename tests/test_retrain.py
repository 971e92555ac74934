"""Does the classifier learn from the 課 that staff confirmed, through the retraining job?"""
from __future__ import annotations

from sqlalchemy import delete, select

import classifier
from models import JobRecord, ModelVersion, Voice, VoiceMeasure, db
from routing.model_registry import register_active_model, staff_labelled_examples
from tests.section_fixtures import routed_voice


def test_staff_confirmed_voices_are_the_labels(app):
    """The confirmed 課 is a label; the measures staff confirmed are one too, the model's guesses not."""
    with app.app_context():
        confirmed, _, _ = routed_voice()
        other, _, _ = routed_voice("図書館の開館時間を延ばしてほしい。", voice_type="要望")
        db.session.get(Voice, confirmed).section_confirmed = True
        db.session.execute(delete(VoiceMeasure))
        db.session.add_all([VoiceMeasure(voice_id=confirmed, measure_code="M6-3", source="staff"),
                            VoiceMeasure(voice_id=confirmed, measure_code="M1-1", source="model"),
                            VoiceMeasure(voice_id=other, measure_code="M5-2", source="staff")])
        db.session.commit()
        examples = staff_labelled_examples()
        assert [e["section"] for e in examples] == ["生活環境課"]
        assert "カラス" in examples[0]["text"]
        assert examples[0]["measures"] == ["M6-3"]


def test_the_retrain_command_records_a_version_and_keeps_the_better_model(app, own_model_dir):
    with app.app_context():
        register_active_model()
        before = classifier.active_version()
        voice_id, _, _ = routed_voice()
        db.session.get(Voice, voice_id).section_confirmed = True
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["model-retrain"])
    assert result.exit_code == 0, result.output
    assert "done" in result.output
    with app.app_context():
        job = db.session.scalar(select(JobRecord).where(JobRecord.kind == "retrain_model"))
        assert job.state == "done"
        versions = {row.version: row for row in db.session.scalars(select(ModelVersion))}
        assert before in versions and len(versions) == 2
        assert sum(row.active for row in versions.values()) == 1
        active = next(v for v, row in versions.items() if row.active)
        assert active == classifier.active_version()
        assert versions[active].metrics
        retrained = next(v for v in versions if v != before)
        counts = classifier.read_metadata(retrained)["counts"]
        assert counts["corpus"] == 27 * 14 and counts["extra"] == 1


def test_an_admin_retrains_promotes_and_rolls_back_from_the_model_page(app, own_model_dir):
    """The admin page runs the same retraining (in-process here), lists the versions with their
    held-out figures, and switches the active version both ways; every step is audited."""
    from models import AuditLog
    from tests.support import csrf_token_from, login, make_user

    with app.app_context():
        make_user("boss", "admin")
        register_active_model()
        first = classifier.active_version()
        voice_id, _, _ = routed_voice()
        db.session.get(Voice, voice_id).section_confirmed = True
        db.session.execute(delete(VoiceMeasure).where(VoiceMeasure.voice_id == voice_id))
        db.session.add(VoiceMeasure(voice_id=voice_id, measure_code="M6-3", source="staff"))
        db.session.commit()
    client = app.test_client()
    login(client, "boss")
    page = client.get("/admin/model").get_data(as_text=True)
    assert first in page and "現在 <strong>1 件</strong>" in page and "うち <strong>1 件</strong>" in page
    token = csrf_token_from(page)

    response = client.post("/admin/model/retrain", data={"csrf_token": token}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "再学習が終わりました" in html and "再学習: " in html
    with app.app_context():
        versions = classifier.list_versions()
        assert len(versions) == 2
        second = next(v for v in versions if v != first)
        retrained = db.session.scalar(select(AuditLog).where(AuditLog.action == "model.retrained"))
        assert retrained.data["version"] == second and retrained.data["staff_labels"] == 1
        assert retrained.data["staff_measure_labels"] == 1

    client.post(f"/admin/model/versions/{first}/promote", data={"csrf_token": token})
    client.post(f"/admin/model/versions/{second}/promote", data={"csrf_token": token})
    assert classifier.active_version() == second
    response = client.post("/admin/model/rollback", data={"csrf_token": token}, follow_redirects=True)
    assert f"以前のモデル {first} に戻しました" in response.get_data(as_text=True)
    with app.app_context():
        assert classifier.active_version() == first
        assert db.session.scalar(select(ModelVersion.version).where(ModelVersion.active.is_(True))) == first
        actions = list(db.session.scalars(select(AuditLog.action).where(AuditLog.action.like("model.%"))))
        assert actions.count("model.promote") == 2 and "model.rollback" in actions

    bad = client.post("/admin/model/versions/no-such-version/promote", data={"csrf_token": token},
                      follow_redirects=True)
    assert "このモデル（no-such-version）は有効にできません" in bad.get_data(as_text=True)
    assert classifier.active_version() == first


def test_a_version_is_dated_when_it_was_trained_and_shown_in_japan_time(app, own_model_dir):
    from datetime import datetime

    from tests.support import login, make_user
    from web.filters import jp_datetime

    with app.app_context():
        make_user("boss", "admin")
        row = register_active_model()
        trained = datetime.fromisoformat(classifier.read_metadata(row.version)["created_at"])
        assert row.trained_at == trained  # not the time the row happened to be written
    client = app.test_client()
    login(client, "boss")
    page = client.get("/admin/model").get_data(as_text=True)
    assert f'<time datetime="{trained.isoformat()}">{jp_datetime(trained)}</time>' in page
    assert " UTC" not in page


def _confirm_new_voice(text: str) -> None:
    voice_id, _, _ = routed_voice(text)
    db.session.get(Voice, voice_id).section_confirmed = True
    db.session.commit()


def test_the_morning_job_retrains_once_enough_new_labels_are_confirmed(app, own_model_dir):
    """Nobody has to remember the button: at the setting's count of new staff labels the morning job
    retrains (promoted only if not worse), and counts again from that training."""
    from models import AuditLog, set_setting
    from routing.model_registry import new_staff_labels, retrain_if_due

    with app.app_context():
        register_active_model()
        set_setting("model.retrain_new_labels", 2)
        db.session.commit()
        _confirm_new_voice("集積所のごみが回収されていません。")
        assert new_staff_labels() == 1
        assert retrain_if_due() == "not due: 1 new staff labels of 2"
        assert len(classifier.list_versions()) == 1
        _confirm_new_voice("道路の穴を直してください。")
        decision = retrain_if_due()
        assert len(classifier.list_versions()) == 2 and new_staff_labels() == 0
        retrained = db.session.scalar(select(AuditLog).where(AuditLog.action == "model.retrained"))
        assert retrained.actor_id is None and retrained.data["decision"] == decision
        assert retrained.data["staff_labels"] == 2
        assert retrain_if_due() == "not due: 0 new staff labels of 2"


def test_the_morning_job_stays_off_at_zero_and_leaves_a_waiting_request_first(app, own_model_dir):
    from models import set_setting
    from models.outbox import new_job
    from routing.model_registry import RETRAIN_KIND, retrain_if_due

    with app.app_context():
        register_active_model()
        set_setting("model.retrain_new_labels", 1)
        db.session.commit()
        _confirm_new_voice("集積所のごみが回収されていません。")
        new_job(f"{RETRAIN_KIND}:2026-11-27T05:00:00+00:00", RETRAIN_KIND, requested_at="2026-11-27T05:00:00+00:00")
        db.session.commit()
        assert retrain_if_due() == "skipped: a retraining is already waiting or running"
        set_setting("model.retrain_new_labels", 0)
        db.session.commit()
        assert retrain_if_due() == "off"
        assert len(classifier.list_versions()) == 1


def test_the_morning_job_retrains_after_a_reorganization(app, own_model_dir):
    """No new labels, but a 課 merged into another since the last training: retrain for it."""
    from models import Section
    from routing.model_registry import retrain_if_due, unlearnt_organization

    with app.app_context():
        register_active_model()
        assert unlearnt_organization() is None
        assert retrain_if_due().startswith("not due")
        sections = {s.name: s for s in db.session.scalars(select(Section))}
        sections["教育指導課"].active, sections["教育指導課"].successor_id = False, sections["学校総務課"].id
        db.session.commit()
        assert unlearnt_organization()["merged_into"] == {"教育指導課": "学校総務課"}
        retrain_if_due()
        newest = classifier.read_metadata(classifier.list_versions()[-1])
        assert newest["organization"]["merged_into"] == {"教育指導課": "学校総務課"}
        assert retrain_if_due().startswith("not due")  # learnt by the newest version, promoted or not


def test_the_administrator_sets_the_morning_retraining_and_sees_its_count(app, own_model_dir):
    from tests.test_admin import field_error, post_form, signed_in_admin
    from tests.test_admin_routing import _settings_form

    client = signed_in_admin(app)
    with app.app_context():
        register_active_model()
        _confirm_new_voice("集積所のごみが回収されていません。")
    page = client.get("/admin/model").get_data(as_text=True)
    assert "前回の学習のあとに確定した担当課は 1 件です。50 件になると" in page
    assert post_form(client, "/admin/settings", _settings_form(retrain_new_labels="０")).status_code == 303
    assert "自動の学び直しは止めています" in client.get("/admin/model").get_data(as_text=True)
    html = post_form(client, "/admin/settings", _settings_form(retrain_new_labels="-1")).get_data(as_text=True)
    assert field_error(html, "retrain_new_labels") == "0から100000までの整数で入力してください。"
