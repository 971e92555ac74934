"""Do routing rules, thresholds and due days set in the admin pages change how voices are routed?"""
from __future__ import annotations

import time
from datetime import datetime

import pytest
from sqlalchemy import select

from models import Assignment, ReplyTemplate, RoutingRule, Voice, db, get_setting
from routing.due import JST, due_date_for
from routing.rules import first_matching_rule, rule_matches
from routing.service import route_voice
from tests.test_admin import audits, field_error, post_form, section_id, signed_in_admin, store_voice


@pytest.fixture
def admin_client(app):
    return signed_in_admin(app)


GARBAGE = "家の前のごみ集積所に、収集日ではない日にごみが出されていて、カラスが散らかして困っています。"


def _rule_form(**overrides) -> dict:
    with_defaults = {"name": "ごみ集積所は学校へ（テスト）", "match_type": "keyword", "pattern": "ごみ 集積所",
                     "section_id": "", "priority": "10", "active": "y"}
    return {**with_defaults, **overrides}


# --- routing rules -----------------------------------------------------------------------------------

def test_a_rule_created_in_the_admin_wins_over_the_model(app, admin_client):
    """Does a keyword rule added by the admin route a matching voice to its 課, recording the rule?"""
    with app.app_context():
        school = section_id("学校総務課")
    assert post_form(admin_client, "/admin/rules/new", _rule_form(section_id=school)).status_code == 303
    voice_id = store_voice(app, GARBAGE)
    with app.app_context():
        rule = db.session.scalar(select(RoutingRule))
        assert route_voice(voice_id).result == "assigned"
        voice = db.session.get(Voice, voice_id)
        assert voice.section.name == "学校総務課"
        assignment = db.session.scalar(select(Assignment).where(Assignment.voice_id == voice_id))
        assert assignment.decided_by == "rule" and f"#{rule.id}" in assignment.reason
        assert audits("rule.create")[0].data["after"] == {
            "name": "ごみ集積所は学校へ（テスト）", "match_type": "keyword", "pattern": "ごみ 集積所",
            "section": "学校総務課", "priority": 10, "active": True}


def test_a_deleted_rule_no_longer_routes(app, admin_client):
    """After 「削除」 (deactivation) does the model route the voice again, and is the rule kept?"""
    with app.app_context():
        school = section_id("学校総務課")
    post_form(admin_client, "/admin/rules/new", _rule_form(section_id=school))
    with app.app_context():
        rule_id = db.session.scalar(select(RoutingRule.id))
    response = post_form(admin_client, f"/admin/rules/{rule_id}/deactivate", {}, page_url="/admin/rules")
    assert response.status_code == 303
    voice_id = store_voice(app, GARBAGE)
    with app.app_context():
        route_voice(voice_id)
        assignment = db.session.scalar(select(Assignment).where(Assignment.voice_id == voice_id))
        assert assignment.decided_by != "rule"
        assert db.session.get(RoutingRule, rule_id).active is False
        assert audits("rule.deactivate")[0].data == {"before": {"active": True}, "after": {"active": False}}


def test_a_broken_pattern_or_missing_section_is_refused_next_to_the_field(app, admin_client):
    """Is an invalid regular expression explained (via validate_pattern) and nothing saved?"""
    with app.app_context():
        school = section_id("学校総務課")
    html = post_form(admin_client, "/admin/rules/new", _rule_form(
        match_type="regex", pattern="(ごみ", section_id=school)).get_data(as_text=True)
    assert field_error(html, "pattern").startswith("正規表現が正しくありません（")
    html = post_form(admin_client, "/admin/rules/new", _rule_form(pattern="   ", priority="-1")).get_data(
        as_text=True)
    assert field_error(html, "pattern") == "条件を入力してください。"
    assert field_error(html, "section_id") == "振り分け先の課を選んでください。"
    assert field_error(html, "priority") == "0から9999までの整数で入力してください。"
    with app.app_context():
        assert db.session.scalar(select(RoutingRule)) is None and audits("rule.create") == []


def test_editing_a_rule_is_audited_and_the_list_is_in_priority_order(app, admin_client):
    """Are rules listed lowest priority number first, and is an edit recorded with before/after?"""
    with app.app_context():
        school, road = section_id("学校総務課"), section_id("建設課")
    post_form(admin_client, "/admin/rules/new", _rule_form(name="後のルール", priority="50", section_id=school))
    post_form(admin_client, "/admin/rules/new", _rule_form(name="先のルール", priority="5", section_id=road,
                                                          match_type="regex", pattern="道路|舗装"))
    listing = admin_client.get("/admin/rules").get_data(as_text=True)
    assert listing.index("先のルール") < listing.index("後のルール")
    with app.app_context():
        rule_id = db.session.scalar(select(RoutingRule.id).where(RoutingRule.name == "後のルール"))
    post_form(admin_client, f"/admin/rules/{rule_id}/edit", _rule_form(name="後のルール", priority="1",
                                                                      section_id=school))
    listing = admin_client.get("/admin/rules").get_data(as_text=True)
    assert listing.index("後のルール") < listing.index("先のルール")
    with app.app_context():
        assert audits("rule.update")[0].data == {"before": {"priority": 50}, "after": {"priority": 1}}


def test_the_test_box_shows_which_rule_would_match(app, admin_client):
    """Does 「文章で試す」 name the rule that wins, mark others that also match, and say when none does?"""
    with app.app_context():
        school, env = section_id("学校総務課"), section_id("生活環境課")
    post_form(admin_client, "/admin/rules/new", _rule_form(name="ごみ全般", pattern="ごみ", priority="20",
                                                          section_id=env))
    post_form(admin_client, "/admin/rules/new", _rule_form(section_id=school))  # priority 10: wins
    html = post_form(admin_client, "/admin/rules/test", {"text": GARBAGE}, page_url="/admin/rules").get_data(
        as_text=True)
    assert "ルール「ごみ集積所は学校へ（テスト）」（優先順位 10）が適用され、<strong>学校総務課</strong>" in html
    assert "一致（適用されない）" in html  # the ごみ全般 rule matches too, but comes later
    html = post_form(admin_client, "/admin/rules/test", {"text": "図書館の開館時間を延ばしてほしい"},
                     page_url="/admin/rules").get_data(as_text=True)
    assert "適用されるルールはありません" in html
    with app.app_context():
        assert audits("rule.update") == []  # trying a text changes nothing


def test_a_catastrophic_regex_cannot_freeze_intake_or_the_test_box(app, admin_client):
    """Does a rule like (a+)+$ (hours of backtracking in Python's re) answer at once on RE2?"""
    with app.app_context():
        school = section_id("学校総務課")
    saved = post_form(admin_client, "/admin/rules/new", _rule_form(match_type="regex", pattern="(a+)+$",
                                                                  section_id=school))
    assert saved.status_code == 303  # RE2 runs it in linear time, so it may be saved
    text = "a" * 27 + "!"
    with app.app_context():
        started = time.perf_counter()
        assert first_matching_rule(text) is None
        assert time.perf_counter() - started < 2
    started = time.perf_counter()
    html = post_form(admin_client, "/admin/rules/test", {"text": text}, page_url="/admin/rules").get_data(
        as_text=True)
    assert time.perf_counter() - started < 2
    assert "適用されるルールはありません" in html
    with app.app_context():
        assert first_matching_rule("a" * 27).pattern == "(a+)+$"


@pytest.mark.parametrize("pattern", [r"(ごみ)\1", r"(?<=家の前の)ごみ", r"ごみ(?!箱)", r"(?P<w>ごみ)(?P=w)", r"ごみ\Z"])
def test_a_pattern_re2_cannot_run_is_refused_with_what_is_not_supported(app, admin_client, pattern):
    """Are backreferences and lookaround refused next to the field, naming what RE2 does not support?"""
    with app.app_context():
        school = section_id("学校総務課")
    response = post_form(admin_client, "/admin/rules/new", _rule_form(match_type="regex", pattern=pattern,
                                                                     section_id=school))
    assert response.status_code == 200
    message = field_error(response.get_data(as_text=True), "pattern")
    assert message.startswith("この正規表現は使えません。")
    assert "後方参照" in message and "先読み・後読み" in message
    with app.app_context():
        assert db.session.scalar(select(RoutingRule)) is None and audits("rule.create") == []


def test_a_saved_rule_re2_cannot_run_never_matches_and_is_flagged(app, admin_client):
    """Does a lookahead rule saved before RE2 neither match nor crash, and does the list say why?"""
    with app.app_context():
        rule = RoutingRule(name="古いルール", match_type="regex", pattern="(?=ごみ)ごみ",
                           section_id=section_id("学校総務課"), priority=1, active=True)
        db.session.add(rule)
        db.session.commit()
        rule_id = rule.id
        assert first_matching_rule(GARBAGE) is None
        assert rule_matches(rule, GARBAGE) is False
    listing = admin_client.get("/admin/rules").get_data(as_text=True)
    assert f'id="rule-{rule_id}-unusable"' in listing
    voice_id = store_voice(app, GARBAGE)
    with app.app_context():
        route_voice(voice_id)
        assignment = db.session.scalar(select(Assignment).where(Assignment.voice_id == voice_id))
        assert assignment.decided_by != "rule"


def test_ordinary_japanese_regex_rules_still_match_normalized_text(app):
    """Do alternation, classes and repeats match as before (全角 digits and カナ normalized first)?"""
    with app.app_context():
        school = section_id("学校総務課")
        for pattern, text, expected in [
            ("集積所|収集日", GARBAGE, True),
            ("ごみ.*カラス", GARBAGE, True),
            (r"\d{3}-\d{4}", "〒３００－１１９２ 伊奈町", True),  # 全角 digits and dash
            (r"\d{3}", "番地は１２３です", True),
            ("[ぁ-ん]+ごみ", "もえるごみ", True),
            ("^道路", "歩道の段差", False),
            ("カラス", "ｶﾗｽが散らかしています", True),  # 半角カナ in the text
            (r"\w+課へ", "生活環境課へ伝えて", True),  # \w takes in kanji, as in Python
            (r"ごみ\W+カラス", "ごみ、カラス", True),
            (r"ごみ\W+カラス", "ごみカラス", False),
            (r"[\w-]+町", "ｲﾅ-町", True),
            (r"[[:alpha:]\w]+です", "あいうです", True),
            (r"\\w", "ごみ", False),  # an escaped backslash, then w
        ]:
            rule = RoutingRule(name="t", match_type="regex", pattern=pattern, section_id=school, priority=1)
            assert rule_matches(rule, text) is expected, pattern


# --- settings ----------------------------------------------------------------------------------------

def _settings_form(**overrides) -> dict:
    with_defaults = {"auto_threshold": "0.5", "due_default": "10", "escalation_days": "3", "tarai_forwards": "2",
                     "retention_years": "5", "retrain_new_labels": "50"}
    with_defaults.update({f"due_{i}": "" for i in range(6)})
    return {**with_defaults, **overrides}


def test_settings_are_validated_in_japanese(app, admin_client):
    """Are an out-of-range threshold, zero due days and a word instead of a number each refused?"""
    html = post_form(admin_client, "/admin/settings", _settings_form(
        auto_threshold="1.5", due_default="0", due_0="abc", escalation_days="-1", tarai_forwards="",
        retention_years="0")).get_data(as_text=True)
    assert field_error(html, "auto_threshold") == "0から1までの数値（例：0.5）で入力してください。"
    assert field_error(html, "due_default") == "1から365までの整数（営業日）で入力してください。"
    assert field_error(html, "due_0") == "半角の整数で入力してください。"
    assert field_error(html, "escalation_days") == "0から365までの整数で入力してください。"
    assert field_error(html, "tarai_forwards") == "回送の回数を入力してください。"
    assert field_error(html, "retention_years") == "1から30までの整数（年）で入力してください。"
    with app.app_context():
        assert audits("setting.update") == [] and get_setting("routing.auto_threshold") == 0.5


def test_settings_changes_are_audited_with_before_and_after(app, admin_client):
    """Does each changed setting get one audit row with its old and new value (全角 digits accepted)?"""
    response = post_form(admin_client, "/admin/settings", _settings_form(
        auto_threshold="０．７", due_0="５", escalation_days="4"))
    assert response.status_code == 303
    with app.app_context():
        assert get_setting("routing.auto_threshold") == 0.7
        assert get_setting("due_days") == {"default": 10, "苦情": 5}
        rows = {row.target_id: row.data for row in audits("setting.update")}
        assert rows == {
            "routing.auto_threshold": {"before": 0.5, "after": 0.7},
            "due_days": {"before": {"default": 10}, "after": {"default": 10, "苦情": 5}},
            "escalation.days_overdue": {"before": 3, "after": 4},
        }
    page = admin_client.get("/admin/settings").get_data(as_text=True)
    assert 'value="0.7"' in page and 'id="due_0"' in page and 'value="5"' in page
    post_form(admin_client, "/admin/settings", _settings_form(auto_threshold="0.7", due_0="5", escalation_days="4"))
    with app.app_context():
        assert len(audits("setting.update")) == 3  # saving the same values again records nothing


def test_the_threshold_set_in_the_admin_is_used_by_routing(app, admin_client):
    """With the threshold at 0 is an unclear voice auto-assigned; at 1 does it go to 広聴 triage?"""
    post_form(admin_client, "/admin/settings", _settings_form(auto_threshold="0"))
    unclear = store_voice(app, "😀😀😀 ！！！ ？？？")
    with app.app_context():
        assert route_voice(unclear).result == "assigned"
    post_form(admin_client, "/admin/settings", _settings_form(auto_threshold="1"))
    unclear_again = store_voice(app, "よろしくお願いします。")
    with app.app_context():
        assert route_voice(unclear_again).result == "triage"
        assert db.session.get(Voice, unclear_again).section.is_hearing


def test_due_days_per_voice_type_set_in_the_admin_drive_due_dates(app, admin_client):
    """Does a 苦情 get 3 営業日 and every other type the default of 15 after the admin says so?"""
    post_form(admin_client, "/admin/settings", _settings_form(due_default="15", due_0="3"))
    friday = datetime(2026, 6, 5, 10, 0, tzinfo=JST)
    with app.app_context():
        assert due_date_for(friday, "苦情").isoformat() == "2026-06-10"  # Mon, Tue, Wed
        assert due_date_for(friday, "要望").isoformat() == "2026-06-26"  # 15 working days


def test_changing_due_days_keeps_the_due_date_a_received_voice_was_given(app, admin_client):
    """The citizen was told a 回答予定日: does a later change of the settings leave it as it was (and say so)?"""
    voice_id = store_voice(app, GARBAGE)
    with app.app_context():
        route_voice(voice_id)
        before = db.session.get(Voice, voice_id).due_date
    assert post_form(admin_client, "/admin/settings", _settings_form(due_default="30")).status_code == 303
    assert "受付済みの声の回答予定日（市民に案内済み）は変わりません" in admin_client.get("/admin/settings").get_data(
        as_text=True)
    with app.app_context():
        assert get_setting("due_days")["default"] == 30  # the change was saved
        assert before is not None and db.session.get(Voice, voice_id).due_date == before


# --- reply templates ---------------------------------------------------------------------------------

def test_reply_templates_are_created_edited_and_deactivated(app, admin_client):
    """Can an admin keep reply templates, optionally per voice type, with each change audited?"""
    html = post_form(admin_client, "/admin/templates/new", {"title": "", "voice_type": "苦", "body": ""}).get_data(
        as_text=True)
    assert field_error(html, "title") == "題名を入力してください。"
    assert field_error(html, "voice_type") == "一覧から選んでください。"
    assert field_error(html, "body") == "本文を入力してください。"
    response = post_form(admin_client, "/admin/templates/new", {
        "title": "お詫び", "voice_type": "苦情", "body": "ご不便をおかけし申し訳ありません。", "active": "y"})
    assert response.status_code == 303
    with app.app_context():
        template_id = db.session.scalar(select(ReplyTemplate.id))
    post_form(admin_client, f"/admin/templates/{template_id}/edit", {
        "title": "お詫び", "voice_type": "", "body": "ご不便をおかけし申し訳ありません。", "active": "y"})
    post_form(admin_client, f"/admin/templates/{template_id}/deactivate", {}, page_url="/admin/templates")
    with app.app_context():
        template = db.session.get(ReplyTemplate, template_id)
        assert (template.voice_type, template.active) == ("", False)
        assert audits("template.create")[0].data["after"]["voice_type"] == "苦情"
        assert audits("template.update")[0].data == {"before": {"voice_type": "苦情"}, "after": {"voice_type": ""}}
        assert len(audits("template.deactivate")) == 1
    listing = admin_client.get("/admin/templates").get_data(as_text=True)
    assert "お詫び" in listing and "無効" in listing
