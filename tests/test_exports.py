"""Exports for Excel: do CSVs open as UTF-8-BOM and CP932, is CSV injection neutralised, does XLSX read back?"""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook

from tests.planner_fixtures import boundary_voices
from tests.support import login, make_user
from voices.exports import Table, safe_cell, to_csv, to_xlsx


@pytest.fixture
def app(app_on_both_databases):
    """Every test here runs on SQLite and on PostgreSQL."""
    return app_on_both_databases


TABLE = Table("声の例", ["語", "件数", "内容"], [
    ["ごみ", 3, "=HYPERLINK(\"http://evil.example\",\"click\")"],
    ["𠮷野家の前", 2, "+1+2"],  # 𠮷 is not in CP932
    ["髙橋さん①", -5, "-cmd|' /C calc'!A0"],
    ["@SUM(A1:A2)", 0.5, "\t=1+1"],
    ["ＡＢＣ〜～", 1, "通常の文"],
])


def _rows(data: bytes, encoding: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(encoding))))


def test_utf8_csv_starts_with_a_bom_and_reads_back():
    data = to_csv(TABLE)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = _rows(data, "utf-8-sig")
    assert rows[0] == ["語", "件数", "内容"]
    assert rows[2][0] == "𠮷野家の前" and rows[1][1] == "3"


def test_cp932_csv_opens_and_replaces_what_cp932_lacks_without_crashing():
    data = to_csv(TABLE, "cp932")
    rows = _rows(data, "cp932")
    assert rows[2][0] == "?野家の前"  # 𠮷 replaced, the rest intact
    assert rows[3][0] == "髙橋さん①"  # NEC/IBM extensions are in CP932
    assert rows[5][0].startswith("ＡＢＣ")


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp932"])
def test_csv_injection_is_neutralised(encoding):
    rows = _rows(to_csv(TABLE, encoding), encoding)
    cells = [c for row in rows[1:] for i, c in enumerate(row) if i != 1]  # column 1 holds real numbers
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t")), cell
    assert rows[1][2].startswith("'=HYPERLINK")
    assert rows[4][0] == "'@SUM(A1:A2)"
    assert rows[3][1] == "-5"  # numbers stay numbers


def test_xlsx_reads_back_with_openpyxl_and_formulas_stay_text():
    workbook = load_workbook(io.BytesIO(to_xlsx([TABLE, Table("月別", ["月", "件数"], [["4月", 1]])])))
    assert workbook.sheetnames == ["声の例", "月別"]
    sheet = workbook["声の例"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("語", "件数", "内容")
    assert rows[1][1] == 3 and rows[3][1] == -5
    assert rows[2][0] == "𠮷野家の前"
    assert all(sheet.cell(row=r, column=3).data_type == "s" for r in range(2, 6))
    assert rows[1][2].startswith("'=")


def test_unknown_encoding_is_refused():
    with pytest.raises(ValueError):
        to_csv(TABLE, "latin-1")
    assert safe_cell(None) == "" and safe_cell(True) == "はい"


@pytest.fixture
def planner_client(app, client):
    with app.app_context():
        boundary_voices()
        make_user("planner", "planner", "企画政策課")
    login(client, "planner")
    return client


def test_every_dashboard_table_downloads_as_csv_cp932_and_xlsx(planner_client):
    """Can a planner download each table of the dashboard in each format?"""
    names = ["trend", "breakdown-section", "breakdown-channel", "breakdown-voice_type", "breakdown-district",
             "breakdown-age_group", "terms", "action-items", "samples", "all"]
    for name in names:
        utf8 = planner_client.get(f"/planner/measures/M5-2/export/{name}.csv?year=2025")
        assert utf8.status_code == 200 and utf8.data.startswith(b"\xef\xbb\xbf"), name
        assert "attachment" in utf8.headers["Content-Disposition"]
        sjis = planner_client.get(f"/planner/measures/M5-2/export/{name}.csv?year=2025&enc=cp932")
        assert sjis.status_code == 200 and sjis.data.decode("cp932")
        xlsx = planner_client.get(f"/planner/measures/M5-2/export/{name}.xlsx?year=2025")
        assert xlsx.status_code == 200 and load_workbook(io.BytesIO(xlsx.data)).sheetnames
    matrix = _rows(planner_client.get("/planner/export/matrix.csv?year=2025").data, "utf-8-sig")
    assert matrix[0] == ["項目コード", "推進手段", "基本姿勢", "個別項目", "件数"]
    counts = {row[0]: int(row[4]) for row in matrix[1:]}
    assert len(counts) == 21 and counts["M5-2"] == 2 and counts["M5-3"] == 1 and counts["M1-1"] == 1
    trend = _rows(planner_client.get("/planner/measures/M5-2/export/trend.csv?year=2025").data, "utf-8-sig")
    assert trend[0][0] == "年度" and trend[-1][0] == "令和7年度（2025年度）"  # 西暦 with 和暦
    assert trend[-1][1:] == ["1", "0", "1"] + ["0"] * 9 + ["2"]
    assert planner_client.get("/planner/measures/M5-2/export/trend.csv?enc=latin1").status_code == 400
    assert planner_client.get("/planner/measures/M5-2/export/nope.csv").status_code == 404


def test_each_download_is_recorded_in_the_audit_log(app, planner_client):
    from sqlalchemy import select

    from models import AuditLog, db

    planner_client.get("/planner/measures/M5-2/export/trend.csv?year=2025&enc=cp932")
    with app.app_context():
        row = db.session.scalar(select(AuditLog).where(AuditLog.action == "planner.export"))
        assert row.target_id == "M5-2_trend_2025" and row.data["encoding"] == "cp932" and row.actor.login_id == "planner"


def test_every_csv_download_names_exactly_one_charset(app, client):
    """Does each CSV say its charset once (Shift_JIS for CP932), not 'charset=shift_jis; charset=utf-8'?"""
    with app.app_context():
        boundary_voices()
        make_user("boss", "admin")
    login(client, "boss")
    expected = {
        "/planner/export/matrix.csv?year=2025": "text/csv; charset=utf-8",
        "/planner/export/matrix.csv?year=2025&enc=cp932": "text/csv; charset=Shift_JIS",
        "/planner/measures/M5-2/export/trend.csv?year=2025": "text/csv; charset=utf-8",
        "/planner/measures/M5-2/export/all.csv?year=2025&enc=cp932": "text/csv; charset=Shift_JIS",
        "/planner/action-items/template.csv": "text/csv; charset=utf-8",
        "/staff/imports/template/voices.csv": "text/csv; charset=utf-8",
        "/staff/imports/template/meeting.csv": "text/csv; charset=utf-8",
    }
    for url, content_type in expected.items():
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Content-Type"] == content_type, url
    xlsx = client.get("/planner/export/matrix.xlsx?year=2025").headers["Content-Type"]
    assert xlsx == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_xlsx_drops_the_control_characters_excel_cannot_hold_instead_of_failing():
    """Text with ESC or a vertical tab (an imported アクションプラン, a pasted body) used to make openpyxl
    refuse the whole workbook, so the planner's download failed."""
    table = Table("声の例\x1b", ["語\x0b", "内容"], [["窓口\x1b[31m", "一行目\x0b二行目"], ["\x1b=1+1", "\x00@SUM(A1)"]])
    workbook = load_workbook(io.BytesIO(to_xlsx(table)))
    sheet = workbook.worksheets[0]
    assert workbook.sheetnames == ["声の例_"]
    assert list(sheet.iter_rows(values_only=True)) == [
        ("語", "内容"), ("窓口[31m", "一行目二行目"), ("'=1+1", "'@SUM(A1)")]
    assert sheet["A3"].data_type == "s"


def test_cp932_csv_keeps_the_yen_sign_and_dashes_a_mac_or_a_web_page_types():
    """A citizen on a Mac writes ¥500 (U+00A5) and a 全角ダッシュ — (U+2014); a pasted web page brings – and •.
    CP932 has none of them: does the Shift_JIS export show ￥500 and ― instead of ?500 and ??"""
    table = Table("声の例", ["内容"], [["手数料¥500は高い——と思う"], ["受付 9:00–17:00 • 土日は休み"], ["–5度"]])
    rows = _rows(to_csv(table, "cp932"), "cp932")
    assert rows[1] == ["手数料￥500は高い――と思う"]
    assert rows[2] == ["受付 9:00‐17:00 ・ 土日は休み"]
    assert rows[3] == ["‐5度"]  # not －, which Excel would read as a minus sign
