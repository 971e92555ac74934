"""アクションプラン: can an administrator maintain items and import a file — all of it or nothing?"""
from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from models import ActionItem, db
from tests.support import csrf_token_from, login, make_user
from tests.test_import import xlsx_bytes
from web.planner.demo import seed_demo_action_items


@pytest.fixture
def app(app_on_both_databases):
    """Every test here runs on SQLite and on PostgreSQL."""
    return app_on_both_databases


HEADER = "項目番号,取組名,内容,改革項目,担当課,開始年度,終了年度,状況,KPI\r\n"
GOOD = HEADER + ("AP-5-2-01,行政手続のオンライン化,電子申請を増やす,M5-2,行政経営デジタル戦略課,2023,令和9,実施中,申請率50%\r\n"
                 "AP-5-3-01,市民の声データベース,声を一つに,m5-3,秘書広報課,R5,2026年度,計画,\r\n")
BAD = HEADER + ("AP-5-2-01,行政手続のオンライン化,,M5-2,行政経営デジタル戦略課,2023,2027,実施中,\r\n"
                "AP-9-9-01,存在しない項目,,M9-9,架空課,2023,2020,たぶん,\r\n"
                ",取組名だけ,,M5-2,,,,,\r\n")


@pytest.fixture
def admin_client(app, client):
    with app.app_context():
        make_user("admin", "admin")
        make_user("planner", "planner", "企画政策課")
    login(client, "admin")
    return client


def _upload(client, data: bytes, filename: str):
    token = csrf_token_from(client.get("/planner/action-items").get_data(as_text=True))
    return client.post("/planner/action-items/import", data={"csrf_token": token, "file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(ActionItem))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_a_good_csv_imports_in_any_of_the_accepted_encodings(app, admin_client, encoding):
    response = _upload(admin_client, GOOD.encode(encoding), "plan.csv")
    assert response.status_code == 302
    with app.app_context():
        item = db.session.scalar(select(ActionItem).where(ActionItem.code == "AP-5-2-01"))
        assert item.measure.code == "M5-2" and item.end_fiscal_year == 2027 and item.status == "in_progress"
        other = db.session.scalar(select(ActionItem).where(ActionItem.code == "AP-5-3-01"))
        assert other.start_fiscal_year == 2023 and other.end_fiscal_year == 2026 and other.status == "planned"


def test_a_bad_file_imports_nothing_and_says_which_rows_are_wrong(app, admin_client):
    response = _upload(admin_client, BAD.encode("utf-8-sig"), "plan.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "何も取り込んでいません" in html
    assert "3行目" in html and "改革項目「M9-9」がありません" in html and "担当課「架空課」がありません" in html
    assert "終了年度が開始年度より前です" in html or "状況「たぶん」" in html
    assert "4行目" in html and "項目番号がありません" in html
    assert "2行目" not in html
    assert _count(app) == 0


def test_xlsx_import_and_update_by_code(app, admin_client):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(","))
    sheet.append(["AP-5-2-01", "オンライン化（改訂）", "", "M5-2", "", 2024, 2028, "完了", ""])
    out = io.BytesIO()
    workbook.save(out)
    _upload(admin_client, GOOD.encode("utf-8"), "plan.csv")
    assert _upload(admin_client, out.getvalue(), "plan.xlsx").status_code == 302
    with app.app_context():
        item = db.session.scalar(select(ActionItem).where(ActionItem.code == "AP-5-2-01"))
        assert item.title == "オンライン化（改訂）" and item.status == "done"
    assert _count(app) == 2


ROWS = [["AP-5-2-01", "行政手続のオンライン化", "電子申請を増やす", "M5-2", "", 2023, 2027, "実施中", ""],
        ["AP-5-3-01", "市民の声データベース", "声を一つに", "M5-3", "", 2023, 2026, "計画", ""]]


def test_a_row_hidden_in_excel_is_not_published_unseen(app, admin_client):
    """Is an item on a row Excel hides (by hand or by a filter) refused with the file, the row named?"""
    def hide_third_row(sheet):
        sheet.row_dimensions[3].hidden = True

    data = xlsx_bytes(HEADER.strip().split(","), ROWS, hide_third_row)
    response = _upload(admin_client, data, "plan.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "3行目" in html and "非表示の行です" in html and "2行目" not in html
    assert _count(app) == 0


def test_a_hidden_column_holding_an_items_field_refuses_the_file_and_others_are_skipped(app, admin_client):
    """Is a hidden 内容 column refused by its letter and heading, and a hidden column no field uses read past?"""
    def hide(letter):
        def adjust(sheet):
            sheet.column_dimensions[letter].hidden = True
        return adjust

    header = HEADER.strip().split(",") + ["メモ"]
    rows = [row + ["内部メモ"] for row in ROWS]
    refused = _upload(admin_client, xlsx_bytes(header, rows, hide("C")), "plan.xlsx")
    assert refused.status_code == 400
    assert "非表示の列に取り込む項目があります：C列「内容」" in refused.get_data(as_text=True)
    assert _count(app) == 0
    assert _upload(admin_client, xlsx_bytes(header, rows, hide("J")), "plan.xlsx").status_code == 302
    assert _count(app) == 2


def test_an_administrator_adds_and_edits_an_item(app, admin_client):
    page = admin_client.get("/planner/action-items/new").get_data(as_text=True)
    data = {"csrf_token": csrf_token_from(page), "code": "AP-1-1-01", "title": "職員提案制度", "measure": "M1-1",
            "section": "総務課", "start_fiscal_year": "2025", "end_fiscal_year": "2026", "status": "planned", "kpi": ""}
    assert admin_client.post("/planner/action-items/new", data=data).status_code == 302
    assert "職員提案制度" in admin_client.get("/planner/action-items").get_data(as_text=True)
    bad = admin_client.post("/planner/action-items/new", data={**data, "title": "重複"})
    assert bad.status_code == 400 and "既に使われています" in bad.get_data(as_text=True)


def test_planners_read_the_list_but_cannot_edit_or_import(app, client):
    with app.app_context():
        make_user("planner", "planner", "企画政策課")
        seed_demo_action_items()
    login(client, "planner")
    html = client.get("/planner/action-items").get_data(as_text=True)
    assert "AP-5-3-01" in html and "取り込む" not in html
    assert client.get("/planner/action-items/new").status_code == 403


def test_the_demo_action_items_cover_several_measures(app):
    with app.app_context():
        result = seed_demo_action_items()
        assert result.ok and result.created >= 10
        measures = db.session.scalar(select(func.count(func.distinct(ActionItem.measure_id))))
        assert measures >= 6
        assert seed_demo_action_items() is None


def test_control_characters_are_dropped_and_formulas_refused_so_the_exports_still_open(app, admin_client):
    """A NUL in 取組名 stopped PostgreSQL, an ESC made every XLSX export of the measure fail, and an Excel
    formula was stored as its text."""
    data = HEADER + "AP-5-2-01,窓口の\x00オンライン\x1b化,一行目\x0b二行目,M5-2,,2023,2027,実施中,申請率\x0750%\r\n"
    assert _upload(admin_client, data.encode("utf-8-sig"), "plan.csv").status_code == 302
    with app.app_context():
        item = db.session.scalar(select(ActionItem).where(ActionItem.code == "AP-5-2-01"))
        assert (item.title, item.description, item.kpi) == ("窓口のオンライン化", "一行目二行目", "申請率50%")
    planner = app.test_client()
    login(planner, "planner")
    export = planner.get("/planner/measures/M5-2/export/action-items.xlsx?year=2025")
    assert export.status_code == 200
    rows = list(load_workbook(io.BytesIO(export.data)).active.iter_rows(values_only=True))
    assert rows[1][:2] == ("AP-5-2-01", "窓口のオンライン化")

    workbook = Workbook()
    workbook.active.append(HEADER.strip().split(","))
    workbook.active.append(["AP-5-3-01", '=HYPERLINK("http://evil.example","取組")', "", "M5-3"])
    out = io.BytesIO()
    workbook.save(out)
    refused = _upload(admin_client, out.getvalue(), "plan.xlsx")
    assert refused.status_code == 400
    assert "2行目：取組名が数式です" in refused.get_data(as_text=True)
    assert _count(app) == 1
