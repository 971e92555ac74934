"""機構改革: after the administrator renames, merges, retires or adds 課, do the model's voices still
reach the 課 that handles them, and does retraining learn the city's organization?"""
from __future__ import annotations

import pytest
from sqlalchemy import select

import classifier
from classifier.model import Prediction
from models import AuditLog, Department, ImportJob, Section, User, Voice, db, label_targets
from routing.decision import model_choice
from routing.model_registry import city_organization, register_active_model, retrain_from_staff_labels
from tests.classifier_support import NEW_WORD_VOICES
from tests.section_fixtures import routed_voice
from tests.support import csrf_token_from, login, make_user
from tests.test_admin import signed_in_admin
from voices.intake import submit
from voices.suggest import suggestions_for
from voices.validation import VoiceInput
from web.admin.services import AdminError, save_section

GARBAGE = "ごみ集積所にカラスが群がって生ごみが散らかっています。ネットを配ってください。"


@pytest.fixture
def app(app_on_both_databases):
    return app_on_both_databases


@pytest.fixture
def admin_client(app):
    return signed_in_admin(app)


def edit_section(client, current: str, **changes):
    """Post the 課's edit form as the administrator would: its current values with ``changes``."""
    section = db.session.scalar(select(Section).where(Section.name == current))
    url = f"/admin/sections/{section.id}/edit"
    form = {"name": section.name, "department_id": section.department_id, "description": section.description,
            "sort_order": section.sort_order, "successor_id": section.successor_id or ""}
    if section.active:
        form["active"] = "y"
    form.update(changes)
    form = {key: value for key, value in form.items() if value is not None}
    token = csrf_token_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token, **form})


def section_named(name: str) -> Section:
    return db.session.scalar(select(Section).where(Section.name == name))


def test_a_renamed_section_keeps_receiving_the_models_voices(app, admin_client):
    with app.app_context():
        assert classifier.predict(GARBAGE).section == "生活環境課"
        assert edit_section(admin_client, "生活環境課", name="環境保全課").status_code == 303
        renamed = section_named("環境保全課")
        assert renamed.classifier_label == "生活環境課"  # the model still knows it by its old name
        voice_id, _, _ = routed_voice(GARBAGE)
        voice = db.session.get(Voice, voice_id)
        assert (voice.section.name, voice.status) == ("環境保全課", "assigned")
        assert voice.assignments[0].decided_by == "model"
        # the counter's live panel offers the 課 by the name staff know now
        counter = make_user("madoguchi", "counter", "市民窓口課")
        assert suggestions_for(GARBAGE, counter).sections[0]["name"] == "環境保全課"
    staff = app.test_client()
    with app.app_context():
        make_user("kankyo", "section_staff", "環境保全課")
    login(staff, "kankyo")
    page = staff.get(f"/staff/voices/{voice_id}").get_data(as_text=True)
    assert "環境保全課（" in page and "生活環境課（" not in page  # the classification, by today's name


def test_a_merged_sections_voices_go_to_its_successor(app, admin_client):
    """教育指導課 retired into 学校総務課: the model's 教育指導課 voices go to 学校総務課, and its
    probability adds to 学校総務課's own."""
    text = "授業中に先生の説明がわかりにくいと子どもが言っています。教え方を工夫してほしいです。"
    with app.app_context():
        prediction = classifier.predict(text)
        assert prediction.section == "教育指導課"
        response = edit_section(admin_client, "教育指導課", active=None,
                                successor_id=section_named("学校総務課").id)
        assert response.status_code == 303
        retired = section_named("教育指導課")
        assert (retired.active, retired.successor.name) == (False, "学校総務課")
        change = db.session.scalars(select(AuditLog).where(AuditLog.action == "section.update")
                                    .order_by(AuditLog.id.desc())).first()
        assert change.data["after"] == {"active": False, "successor": "学校総務課"}
        section, confidence = model_choice(prediction, label_targets())
        scores = dict(prediction.section_top)
        assert section.name == "学校総務課"
        assert confidence == pytest.approx(scores["教育指導課"] + scores.get("学校総務課", 0.0))
        voice_id, _, _ = routed_voice(text)
        assert db.session.get(Voice, voice_id).section.name == "学校総務課"
        counter = make_user("madoguchi", "counter", "市民窓口課")
        assert [s["name"] for s in suggestions_for(text, counter).sections].count("学校総務課") == 1
    listing = admin_client.get("/admin/sections").get_data(as_text=True)
    assert "無効（学校総務課が引継ぎ）" in listing
    # the model page tells the administrator that the model has not learnt the merger yet
    page = admin_client.get("/admin/model").get_data(as_text=True)
    assert "組織の変更が、有効なモデルにはまだ反映されていません" in page
    assert "統合：教育指導課 → 学校総務課" in page


def test_a_rename_alone_asks_for_no_retraining(app, admin_client):
    assert "まだ反映されていません" not in admin_client.get("/admin/model").get_data(as_text=True)
    with app.app_context():
        assert edit_section(admin_client, "生活環境課", name="環境保全課").status_code == 303
    assert "まだ反映されていません" not in admin_client.get("/admin/model").get_data(as_text=True)


def test_a_section_retired_without_successor_leaves_its_voices_to_hearing(app, admin_client):
    with app.app_context():
        assert edit_section(admin_client, "生活環境課", active=None).status_code == 303
        receipt = submit(VoiceInput(body=GARBAGE, voice_type="苦情", consent_privacy=True))
        voice = db.session.get(Voice, receipt.voice_id)
        # the model's choice is gone, and the next-best 課 is far below the default threshold (0.5)
        assert (voice.status, voice.section.name) == ("triage", "秘書広報課")
        assert voice.latest_classification.section_name == "生活環境課"


def test_a_successor_must_be_an_active_other_section_of_a_retired_one(app, admin_client):
    with app.app_context():
        target = section_named("学校総務課").id
        html = edit_section(admin_client, "教育指導課", successor_id=target).get_data(as_text=True)
        assert "この課を無効にするときだけ指定できます" in html
        assert edit_section(admin_client, "生涯学習課", active=None).status_code == 303
        retired = section_named("生涯学習課").id
        html = edit_section(admin_client, "教育指導課", active=None, successor_id=retired).get_data(as_text=True)
        assert "一覧から選んでください。" in html  # a retired 課 is not offered
        section = section_named("教育指導課")
        with pytest.raises(AdminError, match="有効なほかの課から選んでください"):  # nor taken by the service
            save_section(db.session.scalar(select(User).where(User.login_id == "boss")), section.id, name=section.name,
                         department_id=section.department_id, description="", sort_order=1, active=False,
                         is_hearing=False, successor_id=retired)
        assert section_named("教育指導課").active is True


def test_a_new_section_may_reuse_the_old_name_of_a_renamed_one(app, admin_client):
    """市民窓口課 renamed 市民課, then a new 市民窓口課: to the model the new one is another 課."""
    with app.app_context():
        assert edit_section(admin_client, "市民窓口課", name="市民課").status_code == 303
        department_id = section_named("市民課").department_id
        token = csrf_token_from(admin_client.get("/admin/sections/new").get_data(as_text=True))
        response = admin_client.post("/admin/sections/new", data={
            "csrf_token": token, "name": "市民窓口課", "department_id": department_id, "sort_order": "9",
            "active": "y", "successor_id": ""})
        assert response.status_code == 303
        assert section_named("市民窓口課").classifier_label == "市民窓口課（2）"
        assert label_targets()["市民窓口課"].name == "市民課"


def test_model_choice_without_reorganization_is_the_models_own():
    """No 課 changed: the model's top 課 and confidence, untouched; unknown text keeps confidence 0."""
    class FakeSection:
        def __init__(self, section_id):
            self.id = section_id

    targets = {"生活環境課": FakeSection(1), "建設課": FakeSection(2)}
    known = Prediction("生活環境課", [("生活環境課", 0.7), ("建設課", 0.2), ("農政課", 0.1)], "市民経済部", [],
                       "要望", 0.7, [], "v")
    assert model_choice(known, targets) == (targets["生活環境課"], 0.7)
    unknown = Prediction("生活環境課", [("生活環境課", 0.3), ("建設課", 0.2), ("農政課", 0.1)], "市民経済部", [],
                         "要望", 0.0, [], "v")
    assert model_choice(unknown, targets) == (targets["生活環境課"], 0.0)
    nowhere = Prediction("農政課", [("農政課", 0.9)], "市民経済部", [], "要望", 0.9, [], "v")
    assert model_choice(nowhere, targets) == (None, 0.9)


def add_point_section_with_confirmed_voices() -> None:
    """A new ポイント推進課 in a new 未来創造部, and voices about ミラポン that staff confirmed for it."""
    department = Department(name="未来創造部", sort_order=8)
    db.session.add(Section(name="ポイント推進課", department=department))
    db.session.commit()
    for text in NEW_WORD_VOICES:
        voice_id, _, _ = routed_voice(text, voice_type="問合せ")
        voice = db.session.get(Voice, voice_id)
        voice.section_id, voice.section_confirmed = section_named("ポイント推進課").id, True
    db.session.commit()


def test_a_model_trained_at_start_learns_the_staff_labels_and_the_organization(app, own_model_dir):
    """After an upgrade the active model cannot be loaded and `flask model-ensure` trains one: it must not
    forget the city's new 課 and the labels staff gave."""
    with app.app_context():
        add_point_section_with_confirmed_voices()
        (own_model_dir / "registry.json").unlink()  # as if no usable model were left
        assert classifier.active_version() is None
        row = register_active_model()
        metadata = classifier.read_metadata(row.version)
        assert metadata["organization"]["added"] == ["ポイント推進課"]
        assert metadata["counts"]["extra"] == len(NEW_WORD_VOICES)
        assert classifier.predict("ミラポンの残高を知りたい").section == "ポイント推進課"


def test_retraining_learns_the_citys_new_section(app, own_model_dir):
    """A new ポイント推進課 under a new 部, with voices staff confirmed: the retrained model routes to it."""
    directory = own_model_dir
    with app.app_context():
        add_point_section_with_confirmed_voices()
        assert city_organization().describe()["added"] == ["ポイント推進課"]
        retrain_from_staff_labels()  # from the small corpus: saved, though not better than the active
        audit = db.session.scalar(select(AuditLog).where(AuditLog.action == "model.retrained"))
        assert audit.data["organization"]["added"] == ["ポイント推進課"]
        version = audit.data["version"]
        assert classifier.read_metadata(version)["organization"]["added"] == ["ポイント推進課"]
        model, _ = classifier.artifacts.load(version, directory)
        prediction = model.predict(["ミラポンが使えるお店を教えてください"], version)[0]
        assert (prediction.section, prediction.bu) == ("ポイント推進課", "未来創造部")


def test_a_past_ledger_may_name_sections_as_they_were_called_then(app, admin_client, tmp_path):
    """A 受付簿 of 2024 says 生活環境課 and 教育指導課; since then one was renamed and the other merged.
    Its rows go to the 課 that handle them today, and are labels for the next retraining."""
    from routing.model_registry import staff_labelled_examples
    from tests.test_import import VOICE_HEADER, check, csv_bytes, write
    from voices.importers.service import enqueue

    with app.app_context():
        edit_section(admin_client, "生活環境課", name="環境保全課")
        edit_section(admin_client, "教育指導課", active=None, successor_id=section_named("学校総務課").id)
    rows = [["2024-06-03", "電話", "苦情", "集積所のごみが散らかっています。", "", "", "", "生活環境課"],
            ["2024-06-04", "窓口", "要望", "授業参観の回数を増やしてほしい。", "", "", "", "教育指導課"],
            ["2024-06-05", "窓口", "要望", "図書館の本を増やしてほしい。", "", "", "", "市の課ではない課"]]
    bad = check(app, write(tmp_path, "ledger.csv", csv_bytes(VOICE_HEADER, rows)))
    assert bad.state == "checked" and bad.bad_rows == 1  # only the 課 no name ever meant
    assert {e["row"] for e in bad.errors} == {4}
    assert "「市の課ではない課」は登録されている課ではありません" in str(bad.errors)
    job = check(app, write(tmp_path, "ledger2.csv", csv_bytes(VOICE_HEADER, rows[:2])))
    with app.app_context():
        enqueue(db.session.get(ImportJob, job.id), "import", as_finished=True)
        voices = {v.body[:4]: v for v in db.session.scalars(select(Voice))}
        assert voices["集積所の"].section.name == "環境保全課"
        assert voices["授業参観"].section.name == "学校総務課"
        assert sorted(e["section"] for e in staff_labelled_examples()) == ["学校総務課", "生活環境課"]


def test_retiring_a_section_hands_its_open_work_to_the_successor(app, admin_client):
    """April 1: 教育指導課 merges into 学校総務課 while it still has a voice in progress, a voice it was
    informed of, a member of staff, a routing rule and an action item. All of it moves, on the record,
    and the moved voice is not counted as passed around (たらい回し)."""
    from models import ActionItem, Assignment, Measure, RoutingRule
    from routing.workflow import accept, add_related, forward

    teaching = "授業中に先生の説明がわかりにくいと子どもが言っています。教え方を工夫してほしいです。"
    with app.app_context():
        old, new = section_named("教育指導課"), section_named("学校総務課")
        staff = make_user("shido", "section_staff", "教育指導課")
        other = make_user("somu", "section_staff", "学校総務課")
        own, _, _ = routed_voice(teaching)
        assert db.session.get(Voice, own).section_id == old.id
        accept(own, staff)
        shared, _, _ = routed_voice(teaching)
        forward(shared, new.id, "学校の施設のことなので", staff)  # 学校総務課's voice, 教育指導課 informed
        add_related(shared, old.id, "inform", other)
        db.session.add(RoutingRule(name="授業", match_type="keyword", pattern="授業", section_id=old.id))
        db.session.add(ActionItem(code="T-1", measure_id=db.session.scalar(select(Measure.id).limit(1)),
                                  section_id=old.id, title="授業改善の支援"))
        db.session.commit()
        status_before = db.session.get(Voice, own).status
        old_id, new_id, department_id, staff_id = old.id, new.id, old.department_id, staff.id
    response = admin_client.post(f"/admin/sections/{old_id}/edit", data={
        "csrf_token": csrf_token_from(admin_client.get(f"/admin/sections/{old_id}/edit").get_data(as_text=True)),
        "name": "教育指導課", "department_id": department_id, "sort_order": "1", "successor_id": new_id},
        follow_redirects=True)
    assert ("未完了の声 1 件（関係課として 1 件）、職員 1 人、振り分けルール 1 件、アクションプラン 1 件を"
            "学校総務課に引き継ぎました") in response.get_data(as_text=True)
    with app.app_context():
        voice = db.session.get(Voice, own)
        assert (voice.section.name, voice.status, voice.forward_count) == ("学校総務課", status_before, 0)
        handed = [e for e in voice.events if e.kind == "handed_over"]
        assert handed and handed[0].data["reason"] == "機構改革：教育指導課の事務を学校総務課が引継ぎ"
        active = db.session.scalars(select(Assignment).where(
            Assignment.voice_id == shared, Assignment.active.is_(True))).all()
        assert [(a.section_id, a.role) for a in active] == [(new_id, "primary")]  # no duplicate involvement
        assert db.session.get(User, staff_id).section_id == new_id
        assert db.session.scalar(select(RoutingRule.section_id).where(RoutingRule.name == "授業")) == new_id
        assert db.session.scalar(select(ActionItem.section_id).where(ActionItem.code == "T-1")) == new_id
        moves = db.session.scalars(select(AuditLog).where(AuditLog.action.in_(
            ("user.update", "rule.update", "action_item.update")))).all()
        assert len(moves) == 3 and all(m.data["after"] == {"section": "学校総務課"} for m in moves)
    staff_client = app.test_client()
    login(staff_client, "shido")
    page = staff_client.get(f"/staff/voices/{own}").get_data(as_text=True)
    assert "機構改革による引継ぎ" in page


def test_the_duties_an_administrator_writes_are_offered_for_retraining(app, admin_client):
    with app.app_context():
        section = section_named("都市計画課")
        description = section.description + "、ミラポン"
        assert edit_section(admin_client, "都市計画課", description=description).status_code == 303
    page = admin_client.get("/admin/model").get_data(as_text=True)
    assert "所管事項：都市計画課（ミラポン）" in page


def test_a_renamed_section_is_one_row_of_the_planners_breakdown_before_the_next_rollup_refresh(app, admin_client):
    """企画政策課 renamed 政策推進課 in the morning: do its rolled-up and its new voices make one row under
    the new name (not two 課), the same as after the nightly refresh?"""
    from tests.planner_fixtures import add_voice, jst
    from voices import rollups, stats

    period = stats.fiscal_year_period(2025)
    with app.app_context():
        section = section_named("企画政策課")
        add_voice(jst(2025, 6, 1, 9), ["M5-2"], section_id=section.id)
        rollups.refresh()
        add_voice(jst(2025, 6, 2, 9), ["M5-2"], section_id=section.id)
        assert edit_section(admin_client, "企画政策課", name="政策推進課").status_code == 303
        assert stats.breakdown("M5-2", period, "section") == [("政策推進課", 2)]
        rollups.refresh()
        assert stats.breakdown("M5-2", period, "section") == [("政策推進課", 2)]


def test_staff_who_moved_with_a_merged_section_still_read_the_voices_it_finished(app, admin_client):
    """教育指導課 merges into 学校総務課 after closing a voice: a citizen calls about that answer. Can
    学校総務課 (with the staff who came from 教育指導課) still open and list it, without acting on it, while
    another 課 still cannot?"""
    from routing.workflow import accept, close

    teaching = "授業中に先生の説明がわかりにくいと子どもが言っています。教え方を工夫してほしいです。"
    with app.app_context():
        moved = make_user("shido", "section_staff", "教育指導課")
        make_user("somu", "section_staff", "学校総務課")
        make_user("kankyo", "section_staff", "生活環境課")
        finished, receipt_no, _ = routed_voice(teaching, wants_reply=False)
        assert db.session.get(Voice, finished).section.name == "教育指導課"
        accept(finished, moved)
        close(finished, moved)
        assert edit_section(admin_client, "教育指導課", active=None,
                            successor_id=section_named("学校総務課").id).status_code == 303
        assert db.session.get(Voice, finished).section.name == "教育指導課"  # its history stays as it was
    for login_id in ("shido", "somu"):
        staff = app.test_client()
        login(staff, login_id)
        page = staff.get(f"/staff/voices/{finished}")
        assert page.status_code == 200, login_id
        assert "他の課へ転送する" not in page.get_data(as_text=True)  # read only: it is finished
        assert receipt_no in staff.get("/staff/queue?status=all").get_data(as_text=True)
        assert receipt_no not in staff.get("/staff/queue").get_data(as_text=True)  # not open work
    other = app.test_client()
    login(other, "kankyo")
    assert other.get(f"/staff/voices/{finished}").status_code == 404


def test_a_section_added_to_a_department_is_offered_with_that_department(app, admin_client):
    """April 1: 教育委員会 gains a 学校給食課, numbered 1 within its 部 as the administrator's list shows it. Do the
    counter's 担当課 list and the forward list keep every 部 together, the new 課 with 教育委員会?"""
    import re

    with app.app_context():
        education = db.session.scalar(select(Department).where(Department.name == "教育委員会"))
        token = csrf_token_from(admin_client.get("/admin/sections/new").get_data(as_text=True))
        assert admin_client.post("/admin/sections/new", data={
            "csrf_token": token, "name": "学校給食課", "department_id": education.id, "sort_order": "1",
            "active": "y", "successor_id": ""}).status_code == 303
        order = list(db.session.scalars(select(Department.name).order_by(Department.sort_order)))
        make_user("madoguchi", "counter", "市民窓口課")
        make_user("somu", "section_staff", "学校総務課")
        voice_id, _, _ = routed_voice("給食の量が少ないと子どもが言っています。", section_name="学校総務課")
    counter, staff = app.test_client(), app.test_client()
    login(counter, "madoguchi")
    login(staff, "somu")
    pages = {"counter": ("section_name", counter.get("/staff/counter")),
             "forward": ("forward-section", staff.get(f"/staff/voices/{voice_id}"))}
    lists = {where: re.search(rf'<select id="{select_id}".*?</select>', page.get_data(as_text=True), re.DOTALL)
             for where, (select_id, page) in pages.items()}
    for where, select_html in lists.items():
        assert select_html, where
        labels = re.findall(r"<option[^>]*>([^<]+)</option>", select_html.group(0))
        departments = [label.split(" ")[0] for label in labels if " " in label]
        runs = [bu for index, bu in enumerate(departments) if index == 0 or departments[index - 1] != bu]
        assert runs == order, where  # each 部 once, in the chart's order
        assert "教育委員会 学校給食課" in labels, where


def test_an_integration_may_name_a_section_as_it_was_called_before_the_reorganization(app, admin_client):
    """A call-centre system still sends 担当課 教育指導課 (merged into 学校総務課) and 生活環境課 (renamed
    環境保全課): as with a past ledger, the voices reach the 課 that handle them today."""
    from web.api.tokens import issue_token

    with app.app_context():
        edit_section(admin_client, "生活環境課", name="環境保全課")
        edit_section(admin_client, "教育指導課", active=None, successor_id=section_named("学校総務課").id)
        token = issue_token("コールセンター連携", ["voices:create"])[1]
    sent = {}
    for old_name in ("教育指導課", " 生活環境課 ", "市の課ではない課"):
        response = app.test_client().post("/api/v1/staff/voices", headers={"Authorization": f"Bearer {token}"},
                                          json={"voice_type": "要望", "body": f"{old_name}への要望です。", "section": old_name,
                                                "channel": "phone"})
        sent[old_name] = response
    assert sent["市の課ではない課"].status_code == 400
    with app.app_context():
        for old_name, now in (("教育指導課", "学校総務課"), (" 生活環境課 ", "環境保全課")):
            assert sent[old_name].status_code == 201, sent[old_name].get_json()
            voice = db.session.scalar(select(Voice).where(Voice.receipt_no == sent[old_name].get_json()["receipt_no"]))
            assert voice.section.name == now


def test_a_read_token_for_the_successor_reads_what_the_merged_section_finished_and_one_for_it_reads_nothing(
        app, admin_client):
    """教育指導課 finishes a voice, then merges into 学校総務課. Does an integration restricted to 学校総務課 list
    it, as 学校総務課's staff do (also when asked by the old name), while one restricted to 教育指導課 reads
    nothing more and is never widened to 学校総務課's voices?"""
    from routing.workflow import accept, close
    from web.api.tokens import issue_token

    teaching = "授業中に先生の説明がわかりにくいと子どもが言っています。教え方を工夫してほしいです。"
    with app.app_context():
        staff = make_user("shido", "section_staff", "教育指導課")
        finished, receipt_no, _ = routed_voice(teaching, wants_reply=False)
        accept(finished, staff)
        close(finished, staff)
        successor_token = issue_token("学校総務課の連携", ["voices:read"],
                                      section_ids=[section_named("学校総務課").id])[1]
        retired_token = issue_token("教育指導課の連携", ["voices:read"],
                                    section_ids=[section_named("教育指導課").id])[1]
        assert edit_section(admin_client, "教育指導課", active=None,
                            successor_id=section_named("学校総務課").id).status_code == 303
    api = app.test_client()

    def listed(token: str, section: str):
        return api.get(f"/api/v1/staff/voices?section={section}", headers={"Authorization": f"Bearer {token}"})

    for asked in ("学校総務課", "教育指導課"):
        response = listed(successor_token, asked)
        assert response.status_code == 200, asked
        assert [(i["receipt_no"], i["section"]) for i in response.get_json()["items"]] == [(receipt_no, "教育指導課")]
    for asked in ("教育指導課", "学校総務課"):
        refused = listed(retired_token, asked)
        assert refused.status_code == 403, asked
        assert refused.get_json()["error"] == "forbidden"
    assert "現在の担当は学校総務課" in listed(retired_token, "教育指導課").get_json()["message"]
