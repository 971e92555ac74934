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
