"""Planner dashboards: do the counts match hand-computed values, and who may open them?"""
from __future__ import annotations

from datetime import date

import pytest

from models import db
from tests.planner_fixtures import PII_STRINGS, action_item, boundary_voices, pii_voices
from tests.support import login, make_user
from voices import stats
from web.planner import tables


@pytest.fixture
def app(app_on_both_databases):
    """Every test here runs on SQLite and on PostgreSQL."""
    return app_on_both_databases


@pytest.fixture
def world(app):
    with app.app_context():
        ids = boundary_voices()
        make_user("planner", "planner", "企画政策課")
        make_user("kankyo", "section_staff", "生活環境課")
        make_user("admin", "admin")
        yield ids


def test_a_voice_on_march_31_and_one_on_april_1_fall_in_different_fiscal_years(app, world):
    """Per 年度 (JST), are the counts per measure the hand-computed ones?"""
    with app.app_context():
        assert stats.fiscal_year_of(date(2025, 3, 31)) == 2024
        assert stats.fiscal_year_of(date(2025, 4, 1)) == 2025
        assert stats.measure_counts(stats.fiscal_year_period(2024)) == {"M5-3": 1}
        assert stats.measure_counts(stats.fiscal_year_period(2025)) == {"M5-3": 1, "M5-2": 2, "M1-1": 1}
        assert stats.measure_counts(stats.fiscal_year_period(2026)) == {"M1-1": 1}


def test_monthly_trend_puts_each_voice_in_its_jst_month(app, world):
    with app.app_context():
        trend = stats.monthly_counts("M5-2", [2024, 2025])
        assert trend[2024] == [0] * 12
        assert trend[2025] == [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]  # April (v2) and June (v3)
        everything = stats.monthly_counts(None, [2025])[2025]
        assert everything[0] == 1 and everything[1] == 1 and everything[2] == 1 and everything[11] == 1
        assert sum(everything) == 4


def test_a_month_range_counts_only_its_months(app, world):
    with app.app_context():
        assert stats.measure_counts(stats.month_period(date(2025, 4, 1), date(2025, 5, 1))) == {"M5-3": 1, "M5-2": 1}


def test_breakdowns_by_district_age_channel_and_section(app, world):
    with app.app_context():
        period = stats.fiscal_year_period(2025)
        assert stats.breakdown("M5-2", period, "district") == [("伊奈", 1), ("谷和原", 1)]
        assert stats.breakdown("M5-2", period, "age_group") == [("30代", 2)]
        assert stats.breakdown("M5-2", period, "channel") == [("Webフォーム", 1), ("窓口", 1)]
        assert stats.breakdown("M5-2", period, "section") == [("企画政策課", 2)]
        assert stats.breakdown("M5-2", period, "voice_type") == [("提案", 1), ("要望", 1)]


def test_the_planner_sees_the_matrix_with_counts_linking_to_measure_pages(app, client, world):
    login(client, "planner")
    html = client.get("/planner/?year=2025").get_data(as_text=True)
    assert 'id="measure-matrix"' in html
    assert "/planner/measures/M5-2?year=2025" in html
    assert "合計 4 件" in html
    cell = html.split('/planner/measures/M5-2?year=2025">')[1].split("</a>")[0]
    assert "2件" in cell


def test_the_matrix_for_a_month_range(app, client, world):
    login(client, "planner")
    html = client.get("/planner/?from=2025-04&to=2025-05").get_data(as_text=True)
    assert "合計 2 件" in html


def test_a_district_typed_with_personal_data_reaches_planners_redacted(app, client, world):
    """地区 is free text: a house number, a household or a phone number typed there stays with the voice."""
    from tests.planner_fixtures import add_voice, jst

    with app.app_context():
        for district in ("小絹123-4 鈴木方", "鈴木一郎宅", "090-9999-8888", "伊奈"):
            add_voice(jst(2025, 8, 1, 10), ["M3-1"], district=district)
        labels = dict(stats.breakdown("M3-1", stats.fiscal_year_period(2025), "district"))
    assert labels == {"小絹［住所］ ［氏名］方": 1, "［氏名］宅": 1, "［電話番号］": 1, "伊奈": 1}
    login(client, "planner")
    page = client.get("/planner/measures/M3-1?year=2025").get_data(as_text=True)
    export = client.get("/planner/measures/M3-1/export/breakdown-district.csv?year=2025").data.decode("utf-8-sig")
    for text in (page, export):
        assert "伊奈" in text
        assert not any(secret in text for secret in ("鈴木", "123-4", "9999-8888"))


def test_the_measure_page_shows_trend_breakdowns_terms_items_and_voices(app, client, world):
    with app.app_context():
        action_item("AP-5-2-01", "M5-2", "電子申請の拡充")
    login(client, "planner")
    response = client.get("/planner/measures/M5-2?year=2025")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg" in html and 'role="img"' in html  # chart drawn by the app …
    assert "<caption>月別件数（M5-2）</caption>" in html  # … with a data table alternative
    for heading in ("課別", "受付経路別", "種別別", "地区別", "年代別", "増えている語", "AP-5-2-01", "声の例"):
        assert heading in html
    assert "<script" not in html and "style=" not in html  # CSP: no inline scripts or styles


def test_an_unknown_measure_is_404(app, client, world):
    login(client, "planner")
    assert client.get("/planner/measures/M9-9").status_code == 404


@pytest.mark.parametrize("login_id, expected", [("planner", 200), ("admin", 200), ("kankyo", 403)])
def test_who_may_open_the_planner_dashboard(app, client, world, login_id, expected):
    """Planners, 広聴 and admins may; section staff may not."""
    login(client, login_id)
    assert client.get("/planner/").status_code == expected


def test_anonymous_users_are_sent_to_sign_in(client, world):
    response = client.get("/planner/measures/M5-2")
    assert response.status_code in (302, 401)


def test_no_personal_data_on_any_planner_page_export_or_report(app, client, world):
    """With voices full of names, numbers and addresses, does any of it reach a planner?"""
    with app.app_context():
        ids = pii_voices()
        item = action_item("AP-5-2-01", "M5-2", "電子申請の拡充")
        from models import User
        from routing import links
        admin = db.session.scalar(db.select(User).where(User.login_id == "admin"))
        links.link_action_item(ids[0], item.id, admin)
        links.mark_reflected(ids[0], "山田太郎さん(090-1234-5678)の要望を受けて電子申請を拡充しました。", admin)
    login(client, "planner")
    pages = {
        "matrix": client.get("/planner/?year=2025"),
        "measure": client.get("/planner/measures/M5-2?year=2025"),
        "report": client.get("/planner/report?year=2025"),
        "report.xlsx": client.get("/planner/report.xlsx?year=2025"),
        "all.csv": client.get("/planner/measures/M5-2/export/all.csv?year=2025"),
        "all.cp932.csv": client.get("/planner/measures/M5-2/export/all.csv?year=2025&enc=cp932"),
        "all.xlsx": client.get("/planner/measures/M5-2/export/all.xlsx?year=2025"),
        "samples.csv": client.get("/planner/measures/M5-2/export/samples.csv?from=2025-07&to=2025-07"),
    }
    texts = {}
    for name, response in pages.items():
        assert response.status_code == 200, name
        if name.endswith("xlsx"):
            texts[name] = _xlsx_text(response.data)
        elif "cp932" in name:
            texts[name] = response.data.decode("cp932")
        else:
            texts[name] = response.data.decode("utf-8-sig")
    assert "オンライン" in texts["measure"]  # the voices are there …
    assert "［氏名］" in texts["samples.csv"] and "［電話番号］" in texts["measure"]
    assert "電子申請を拡充" in texts["measure"]  # … and what was done with them
    for name, text in texts.items():
        leaked = [s for s in PII_STRINGS if s in text]
        assert leaked == [], f"{name} leaks {leaked}"


def _xlsx_text(data: bytes) -> str:
    import io

    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(data))
    return "\n".join(str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row if c)


def test_the_report_is_printable_a4_and_summarises_each_measure(app, client, world):
    with app.app_context():
        action_item("AP-5-2-01", "M5-2", "電子申請の拡充", status="done")
    login(client, "planner")
    html = client.get("/planner/report?year=2025").get_data(as_text=True)
    assert "令和7年度（2025年度）" in html
    for code in ("M5-2", "M5-3", "M1-1"):
        assert f'id="r-{code}"' in html
    assert "AP-5-2-01" in html and "完了" in html
    css = client.get("/static/css/app.css").get_data(as_text=True)
    assert "size: A4" in css and "@media print" in css
    xlsx = client.get("/planner/report.xlsx?year=2025")
    assert xlsx.status_code == 200 and "M5-2" in _xlsx_text(xlsx.data)


def test_counts_stay_exact_after_a_rollup_refresh_new_voices_and_staff_changes(app, world):
    """With part of the data rolled up, do new voices and removed measures still count exactly?"""
    from models import User
    from routing import links
    from routing.answer_times import rollup_answer_days
    from tests.planner_fixtures import add_voice, jst
    from voices import rollups

    with app.app_context():
        before = {y: stats.measure_counts(stats.fiscal_year_period(y)) for y in (2024, 2025, 2026)}
        trend = stats.monthly_counts("M5-2", [2025])
        districts = stats.breakdown("M5-2", stats.fiscal_year_period(2025), "district")
        assert rollups.refresh(rollup_answer_days) == max(world.values())
        assert {y: stats.measure_counts(stats.fiscal_year_period(y)) for y in (2024, 2025, 2026)} == before
        assert stats.monthly_counts("M5-2", [2025]) == trend
        assert stats.breakdown("M5-2", stats.fiscal_year_period(2025), "district") == districts
        add_voice(jst(2025, 4, 2, 9), ["M5-2"], district="伊奈")  # after the refresh: counted live
        admin = db.session.scalar(db.select(User).where(User.login_id == "admin"))
        links.remove_measure(world["v3"], "M5-2", admin)  # rolled up: adjusted in the same transaction
        links.add_measure(world["v6"], "M5-3", admin)
        counts = stats.measure_counts(stats.fiscal_year_period(2025))
        assert counts == {"M5-3": 2, "M5-2": 2, "M1-1": 1}
        assert stats.monthly_counts("M5-2", [2025])[2025][:3] == [2, 0, 0]
        assert stats.breakdown("M5-2", stats.fiscal_year_period(2025), "district") == [("伊奈", 1), ("谷和原", 1)]


def test_rising_terms_compare_this_period_with_the_previous_and_skip_personal_terms(app, world):
    """Is a term found in more voices this 年度 than last listed first, and are names and latin fragments left out?"""
    from tests.planner_fixtures import add_voice, jst

    with app.app_context():
        for day in (1, 2, 3):
            add_voice(jst(2025, 9, day, 9), ["M5-2"], search_tokens=" 電子申請 窓口 山田 taro ")
        add_voice(jst(2024, 9, 1, 9), ["M5-2"], search_tokens=" 窓口 ")
        add_voice(jst(2024, 9, 2, 9), ["M5-2"], search_tokens=" 窓口 ")
        terms = stats.rising_terms("M5-2", stats.fiscal_year_period(2025))
        assert [t.term for t in terms][:1] == ["電子申請"]
        assert (terms[0].current, terms[0].previous) == (3, 0)
        assert not {"山田", "taro"} & {t.term for t in terms}


@pytest.mark.parametrize("months, shown", [("from=9999-12&to=9999-12", "2100年12月〜2100年12月"),
                                            ("from=0001-01&to=0001-02", "2000年1月〜2000年2月")])
def test_a_month_range_far_outside_the_years_is_brought_within_them(app, client, world, months, shown):
    """Do 9999-12 and 0001-01 (500s before) show 2100 / 2000 on every planner page and download?"""
    login(client, "planner")
    html = client.get(f"/planner/?{months}").get_data(as_text=True)
    assert shown in html and "合計 0 件" in html
    for url in (f"/planner/measures/M5-2?{months}", f"/planner/report?{months}", f"/planner/report.xlsx?{months}",
                f"/planner/export/matrix.csv?{months}", f"/planner/export/matrix.xlsx?{months}",
                f"/planner/measures/M5-2/export/all.csv?{months}&enc=cp932"):
        assert client.get(url).status_code == 200, url


def test_spam_and_duplicates_are_not_counted_before_or_after_a_rollup_refresh(app, client, world):
    """Does a voice closed as spam or as a duplicate leave every count, trend, term and sample (planners'
    and public), whether it was rolled up already or not, while an out-of-scope voice still counts?"""
    from models import User
    from routing import links, workflow
    from tests.planner_fixtures import add_voice, jst
    from voices import rollups

    period = stats.fiscal_year_period(2025)
    with app.app_context():
        admin = db.session.scalar(db.select(User).where(User.login_id == "admin"))
        body = "図書館の開館時間を延ばしてほしい。"
        for day in (1, 2):
            add_voice(jst(2025, 10, day, 9), ["M3-1"], body=body, search_tokens=" 図書館 開館 ")
        rolled_spam = add_voice(jst(2025, 10, 3, 9), ["M3-1"], body="迷惑な書き込み 迷惑", district="伊奈",
                                search_tokens=" 迷惑 書き込み ").id
        rollups.refresh()
        live_duplicate = add_voice(jst(2025, 10, 4, 9), ["M3-1"], body=body, search_tokens=" 図書館 開館 ").id
        live_spam = add_voice(jst(2025, 10, 5, 9), ["M3-1"], body="迷惑な書き込み 迷惑", district="伊奈",
                              search_tokens=" 迷惑 書き込み ").id
        out_of_scope = add_voice(jst(2025, 10, 6, 9), ["M3-1"], body="県道の信号を直してほしい。").id
        workflow.mark_no_action(rolled_spam, "spam", admin)
        workflow.mark_no_action(live_duplicate, "duplicate", admin)
        workflow.mark_no_action(live_spam, "spam", admin)
        workflow.mark_no_action(out_of_scope, "out_of_scope", admin)
        links.add_measure(rolled_spam, "M3-2", admin)  # a measure added later does not bring it back

        def check():
            counts = stats.measure_counts(period)
            assert counts["M3-1"] == 3 and "M3-2" not in counts  # two kept + the out-of-scope one
            assert stats.monthly_counts("M3-1", [2025])[2025][6] == 3  # October
            assert stats.monthly_counts(None, [2025])[2025][6] == 3
            assert stats.monthly_counts_by_measure(2025)["M3-1"][6] == 3
            assert "伊奈" not in dict(stats.breakdown("M3-1", period, "district"))
            samples = [s.text for s in stats.sample_voices("M3-1", period)]
            assert len(samples) == 3 and not any("迷惑" in s for s in samples)
            assert "迷惑" not in dict(stats.top_terms("M3-1", period))
            assert [t.current for t in stats.rising_terms("M3-1", period) if t.term == "図書館"] == [2]

        check()
        rollups.refresh()
        check()
    login(client, "planner")
    assert "迷惑" not in client.get("/planner/measures/M3-1?year=2025").get_data(as_text=True)
    public = client.get("/mieruka/?year=2025").get_data(as_text=True)
    row = public.split('<th scope="row">M3-1</th>')[1].split("</tr>")[0]
    assert "<td>3</td>" in row and "<td>5</td>" not in row


def test_fiscal_2019_is_reiwa_gannendo_while_its_april_dates_stay_heisei(app, client, world):
    """Is 2019年度 called 令和元年度 (as the state names it) on the planner pages, the report and みえる化,
    while a voice of 2019-04-30 is dated 平成31年 and one of 2019-05-01 令和元年?"""
    from tests.planner_fixtures import add_voice, jst

    with app.app_context():
        add_voice(jst(2019, 4, 30, 23, 50), ["M5-3"], body="平成最後の日の声です。")
        add_voice(jst(2019, 5, 1, 0, 10), ["M5-3"], body="令和最初の日の声です。")
    login(client, "planner")
    pages = {url: client.get(url).get_data(as_text=True) for url in (
        "/planner/?year=2019", "/planner/measures/M5-3?year=2019", "/planner/report?year=2019", "/mieruka/?year=2019")}
    for url, html in pages.items():
        assert "令和元年度（2019年度）" in html, url
        assert "平成31年度" not in html, url
    report = pages["/planner/report?year=2019"]
    assert "平成31年(2019年)4月30日" in report and "令和元年(2019年)5月1日" in report
    assert "平成30年度（2018年度）" in pages["/planner/measures/M5-3?year=2019"]  # the trend's earlier years


def test_a_submitters_own_name_is_never_a_term_even_a_one_kanji_surname_sudachi_reads_as_a_word(app, client, world):
    """林 美咲 signs three voices 林です / ハヤシより: does 林 (Sudachi's forest) or ハヤシ reach the rising
    terms, the report's main terms, or the sample voices, while the subject of the voices does?"""
    from tests.planner_fixtures import add_voice, jst
    from voices.search import search_tokens_for

    body = "林です。図書館の開館時間を延ばしてほしい。ハヤシより"
    with app.app_context():
        for day in (1, 2, 3):
            add_voice(jst(2025, 9, day, 9), ["M4-1"], body=body, submitter_name="林 美咲",
                      search_tokens=search_tokens_for(body))
        period = stats.fiscal_year_period(2025)
        terms = {t.term for t in stats.rising_terms("M4-1", period)} | dict(stats.top_terms("M4-1", period)).keys()
        assert "図書館" in terms
        assert not terms & {"林", "ハヤシ", "はやし"}
    login(client, "planner")
    for url in ("/planner/measures/M4-1?year=2025", "/planner/report?year=2025",
                "/planner/measures/M4-1/export/all.csv?year=2025"):
        text = client.get(url).data.decode("utf-8-sig")
        assert "図書館" in text, url
        assert "林" not in text and "ハヤシ" not in text, url


@pytest.mark.parametrize("months", ["from=2025/4&to=2025/5", "from=2025年4月&to=2025年5月", "from=R7.4&to=令和7年5月",
                                    "from=２０２５－０４&to=２０２５－０５", "from=2025-04-01&to=2025-05-31",
                                    "from=2025-05&to=2025-04"])
def test_months_typed_without_a_month_picker_are_read(app, client, world, months):
    """Firefox and Safari show 開始月 and 終了月 as plain text boxes: is 2025/4 or 2025年4月 read as April 2025?"""
    login(client, "planner")
    html = client.get(f"/planner/?{months}").get_data(as_text=True)
    assert "2025年4月〜2025年5月" in html and "合計 2 件" in html
    assert 'value="2025-04"' in html and 'value="2025-05"' in html


def test_one_month_alone_is_that_month(app, client, world):
    login(client, "planner")
    for months in ("from=2025-06", "to=2025-06", "from=&to=2025-06"):
        html = client.get(f"/planner/?{months}").get_data(as_text=True)
        assert "2025年6月〜2025年6月" in html and "合計 1 件" in html, months


@pytest.mark.parametrize("months", ["from=2025-13&to=2025-14", "from=abc&to=2025-05", "from=0000-00&to=0000-00"])
def test_months_that_cannot_be_read_get_a_japanese_message_and_the_fiscal_year(app, client, world, months):
    """Is a month that cannot be read said so in Japanese (not silently replaced by this 年度), on every page,
    and do the downloads still work?"""
    login(client, "planner")
    label = tables.fiscal_label(stats.current_fiscal_year())
    for url in (f"/planner/?{months}", f"/planner/measures/M5-2?{months}"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 200, url
        assert "開始月と終了月は「2025-04」や「2025年4月」のように入力してください。" in html, url
        assert f"{label}を表示しています" in html, url
    assert client.get(f"/planner/export/matrix.csv?{months}").status_code == 200
    assert "入力してください" not in client.get("/planner/?year=2025").get_data(as_text=True)  # not carried over


def test_a_trend_of_few_voices_has_a_whole_number_axis_without_repeated_labels(app, client, world):
    """M1-1 had one voice in 2025年度: does the report's chart label its gridlines 0 and 1 (not 0, 0, 0, 1, 1)?"""
    import re

    login(client, "planner")
    html = client.get("/planner/report?year=2025").get_data(as_text=True)
    chart = html.split('id="r-M1-1"')[1].split("</svg>")[0]
    assert re.findall(r'text-anchor="end"[^>]*>(\d+)</text>', chart) == ["0", "1"]


def test_a_years_report_counts_the_action_items_voices_of_that_year_and_never_spam(app):
    """An action item has voices from 2024年度 and 2025年度, and a spam voice: does the 2025年度 report (and
    the measure page's table for it) count only 2025's real voices, while the list of all items counts
    every real one?"""
    from models import VoiceActionItem, VoiceReflection
    from tests.planner_fixtures import add_voice, jst

    with app.app_context():
        item = action_item("AP-5-2-01", "M5-2", "電子申請の拡充")
        voices = [add_voice(jst(2024, 6, 1, 9), ["M5-2"]), add_voice(jst(2025, 6, 1, 9), ["M5-2"]),
                  add_voice(jst(2025, 7, 1, 9), ["M5-2"], status="no_action", no_action_reason="spam")]
        db.session.add_all([VoiceActionItem(voice_id=v.id, action_item_id=item.id) for v in voices])
        db.session.add_all([VoiceReflection(voice_id=v.id, content="電子申請を始めました。") for v in voices])
        db.session.commit()
        year_2025 = stats.fiscal_year_period(2025)
        [row] = stats.action_item_rows("M5-2", year_2025)
        assert (row.voices, row.reflected) == (1, 1)
        [every] = stats.action_item_rows("M5-2")
        assert (every.voices, every.reflected) == (2, 2)
        [table_row] = tables.action_items_table("M5-2", year_2025).rows
        assert table_row[-2:] == [1, 1]


def test_the_year_menus_name_each_year_in_wareki_too(app, client, world):
    """Officials pick 令和7年度 as often as 2025年度: do the planner's and the report's menus show both?"""
    login(client, "planner")
    for path in ("/planner/?year=2025", "/planner/report?year=2025"):
        html = client.get(path).get_data(as_text=True)
        assert '<option value="2025" selected>令和7年度（2025年度）</option>' in html, path


def test_a_forwarded_voice_moves_to_its_new_section_in_the_breakdown_at_once(app, world):
    """A rolled-up voice forwarded to another 課: is the 課 breakdown right before the next rollup refresh,
    and the same as after it?"""
    from models import Section, User
    from routing import workflow
    from voices import rollups

    with app.app_context():
        period = stats.fiscal_year_period(2025)
        rollups.refresh()
        assert stats.breakdown("M5-2", period, "section") == [("企画政策課", 2)]
        admin = db.session.scalar(db.select(User).where(User.login_id == "admin"))
        target = db.session.scalar(db.select(Section.id).where(Section.name == "行政経営デジタル戦略課"))
        workflow.forward(world["v3"], target, "デジタル化の所管のため", admin)
        moved = sorted(stats.breakdown("M5-2", period, "section"))
        assert moved == [("企画政策課", 1), ("行政経営デジタル戦略課", 1)]
        assert stats.measure_counts(period)["M5-2"] == 2  # moved, not counted twice
        rollups.refresh()
        assert sorted(stats.breakdown("M5-2", period, "section")) == moved
