"""Small-cell suppression: can a planner, a report or an export reveal that 1 or 2 voices came from one 地区?"""
from __future__ import annotations

import csv
import io
import itertools
import random

import pytest
from openpyxl import load_workbook

from tests.planner_fixtures import add_voice, jst
from tests.support import login, make_user
from voices import stats
from voices.disclosure import Withheld, suppress
from web.config import Config

SMALL, HIDDEN = Withheld(3), Withheld(3, complementary=True)


# --- the rule itself ----------------------------------------------------------------------------------

def test_one_small_cell_and_the_next_smallest_are_withheld():
    """With the total published, one withheld cell alone could be recovered: is the next smallest hidden too?"""
    rows = [("伊奈", 12), ("谷和原", 5), ("小絹", 1)]
    assert suppress(rows, 3) == [("伊奈", 12), ("小絹", SMALL), ("谷和原", HIDDEN)]


def test_two_small_cells_whose_sum_leaves_doubt_need_no_complement():
    """1 + 2 = 3 could be 1 + 2 or 2 + 1: is nothing else withheld?"""
    assert suppress([("伊奈", 9), ("谷和原", 2), ("小絹", 1)], 3) == [
        ("伊奈", 9), ("小絹", SMALL), ("谷和原", SMALL)]


def test_two_ones_are_not_left_recoverable():
    """1 + 1 = 2 pins both cells to 1: is the next cell withheld as well?"""
    assert suppress([("未設定", 10), ("伊奈", 1), ("谷和原", 1)], 3) == [
        ("伊奈", SMALL), ("未設定", HIDDEN), ("谷和原", SMALL)]  # withheld rows in label order


def test_a_complement_at_the_minimum_is_not_enough():
    """1 and a complementary 3 add up to 4 = 1 + 3, the least the two could be: is a third cell withheld?"""
    assert suppress([("伊奈", 10), ("谷和原", 3), ("小絹", 1)], 3) == [
        ("伊奈", HIDDEN), ("小絹", SMALL), ("谷和原", HIDDEN)]


def test_rows_without_small_counts_keep_their_exact_values_and_order():
    rows = [("伊奈", 10), ("谷和原", 3), ("未設定", 0)]
    assert suppress(rows, 3) == rows


def test_a_minimum_of_one_withholds_nothing():
    rows = [("伊奈", 10), ("谷和原", 1)]
    assert suppress(rows, 1) == rows and suppress(rows, 0) == rows


def test_the_symbols_on_the_page_and_in_downloads():
    assert (str(SMALL), SMALL.export_text) == ("3未満", "<3")
    assert (str(HIDDEN), HIDDEN.export_text) == ("秘匿", "X")
    assert str(Withheld(5)) == "5未満"


def _consistent_values(published, total, minimum):
    """Every assignment of the withheld cells a reader could not rule out from what is published."""
    shown = [n for _, n in published if not isinstance(n, Withheld)]
    withheld = [n for _, n in published if isinstance(n, Withheld)]
    if not any(not n.complementary for n in withheld):  # all 「秘匿」: each is only known to be ≥ 1
        ranges = [range(1, total + 1)] * len(withheld)
    else:
        smallest_shown = min((n for n in shown if n > 0), default=total)
        ranges = [range(minimum, smallest_shown + 1) if n.complementary else range(1, minimum)
                  for n in withheld]
    return [values for values in itertools.product(*ranges) if sum(values) == total - sum(shown)]


@pytest.mark.parametrize("seed", range(60))
def test_no_small_cell_can_be_worked_out_from_the_total(seed):
    """For random rows: does every small cell stay withheld with at least two possible values, unless the
    total alone gives the cells away (the documented limit: a single cell, or only ones)?"""
    rng = random.Random(seed)
    counts = [rng.choice([0, 1, 1, 2, 3, 4, 5, 8, 13]) for _ in range(rng.randint(1, 6))]
    rows = [(f"地区{i}", n) for i, n in enumerate(counts)]
    original = dict(rows)
    published = suppress(rows, 3)
    assert sorted(label for label, _ in published) == sorted(original)
    for label, value in published:
        assert isinstance(value, Withheld) or value == original[label], (rows, published)
        assert isinstance(value, Withheld) or value == 0 or value >= 3, (rows, published)
    withheld = [label for label, value in published if isinstance(value, Withheld)]
    nonzero = [n for n in counts if n]
    if len(nonzero) == 1 or set(nonzero) == {1}:
        return
    possible = _consistent_values(published, sum(counts), 3)
    assert tuple(original[label] for label in withheld) in possible  # the model describes the truth
    for position, label in enumerate(withheld):
        if 0 < original[label] < 3:
            assert len({values[position] for values in possible}) > 1, (rows, published)


def test_the_minimum_comes_from_mirai_min_cell(monkeypatch, tmp_path):
    assert Config(str(tmp_path)).MIN_CELL == 3
    monkeypatch.setenv("MIRAI_MIN_CELL", "5")
    assert Config(str(tmp_path)).MIN_CELL == 5
    monkeypatch.setenv("MIRAI_MIN_CELL", "three")
    with pytest.raises(RuntimeError, match="MIRAI_MIN_CELL"):
        Config(str(tmp_path))


# --- what planners see ----------------------------------------------------------------------------------

@pytest.fixture
def small_district(app):
    """M3-1 in 2025年度: 伊奈 ×5, 谷和原 ×4, 小絹 ×1 (one person in a small 地区); 30代 ×9, 70代 ×1."""
    with app.app_context():
        for district, n in (("伊奈", 5), ("谷和原", 4), ("小絹", 1)):
            for i in range(n):
                add_voice(jst(2025, 7, 1 + i, 10), ["M3-1"], district=district,
                          age_group="70代" if district == "小絹" else "30代", channel="web")
        make_user("planner", "planner", "企画政策課")
    return app


def test_the_measure_page_shows_small_district_and_age_counts_as_under_three(app, client, small_district):
    """Does the page say 「3未満」 for 小絹 and 70代, hide the next smallest, and explain why?"""
    with app.app_context():
        assert stats.disclosed_breakdown("M3-1", stats.fiscal_year_period(2025), "district") == [
            ("伊奈", 5), ("小絹", SMALL), ("谷和原", HIDDEN)]
        assert stats.disclosed_breakdown("M3-1", stats.fiscal_year_period(2025), "age_group") == [
            ("30代", HIDDEN), ("70代", SMALL)]
        assert stats.disclosed_breakdown("M3-1", stats.fiscal_year_period(2025), "channel") == [("Webフォーム", 10)]
    login(client, "planner")
    html = client.get("/planner/measures/M3-1?year=2025").get_data(as_text=True)
    district = html.split('id="bd-district"')[1].split("</section>")[0]
    assert "<th scope=\"row\">小絹</th><td>3未満</td>" in district
    assert "<th scope=\"row\">谷和原</th><td>秘匿</td>" in district
    assert "<td>1</td>" not in district and "<td>4</td>" not in district and ">1</text>" not in district
    assert 'id="small-cell-note"' in html and "1〜2件の欄を「3未満」" in html
    channel = html.split('id="bd-channel"')[1].split("</section>")[0]
    assert "<td>10</td>" in channel  # not about a person: exact


def test_exports_write_the_symbols_and_a_legend(app, client, small_district):
    """Do the CSV (both encodings) and the XLSX carry <3 and X, with the legend under the table?"""
    login(client, "planner")
    for encoding, query in (("utf-8-sig", ""), ("cp932", "&enc=cp932")):
        data = client.get(f"/planner/measures/M3-1/export/breakdown-district.csv?year=2025{query}").data
        rows = list(csv.reader(io.StringIO(data.decode(encoding))))
        assert rows[:4] == [["地区", "件数"], ["伊奈", "5"], ["小絹", "<3"], ["谷和原", "X"]]
        assert rows[4] == [] and rows[5][0].startswith("注：<3 は1件以上3件未満") and rows[6][0].startswith("注：X は")
    sheet = load_workbook(io.BytesIO(client.get(
        "/planner/measures/M3-1/export/breakdown-age_group.xlsx?year=2025").data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[1:3] == [["30代", "X"], ["70代", "<3"]]
    assert values[4][0].startswith("注：<3")
    section = client.get("/planner/measures/M3-1/export/breakdown-channel.csv?year=2025").data.decode("utf-8-sig")
    assert "注：" not in section and "Webフォーム,10" in section


def test_city_wide_totals_stay_exact(app, client, small_district):
    """The matrix and the monthly trend are not about a person: do they keep the exact 10?"""
    login(client, "planner")
    matrix = list(csv.reader(io.StringIO(
        client.get("/planner/export/matrix.csv?year=2025").data.decode("utf-8-sig"))))
    assert {row[0]: row[4] for row in matrix[1:]}["M3-1"] == "10"
    trend = list(csv.reader(io.StringIO(
        client.get("/planner/measures/M3-1/export/trend.csv?year=2025").data.decode("utf-8-sig"))))
    assert trend[-1][-1] == "10"


def test_a_deployment_may_choose_another_minimum(app, client, small_district):
    """With MIRAI_MIN_CELL=5, is 谷和原's 4 withheld; with 1, is every count shown and the note gone?"""
    login(client, "planner")
    app.config["MIN_CELL"] = 5
    rows = client.get("/planner/measures/M3-1/export/breakdown-district.csv?year=2025").data.decode("utf-8-sig")
    assert "谷和原,<5" in rows and "小絹,<5" in rows and "伊奈,5" in rows  # 1〜4 + 1〜4 = 5: not pinned
    app.config["MIN_CELL"] = 1
    rows = client.get("/planner/measures/M3-1/export/breakdown-district.csv?year=2025").data.decode("utf-8-sig")
    assert "小絹,1" in rows and "注：" not in rows
    assert 'id="small-cell-note"' not in client.get("/planner/measures/M3-1?year=2025").get_data(as_text=True)
